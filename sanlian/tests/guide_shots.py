"""The screenshots of the user guide (docs/guide.zh.md), taken from the demo by one function.

`take_shots(browser, base_url, password, out_dir)` logs in as each demo account and saves the
pictures the guide links (docs/guide/<name>.png): the village operator at phone width, the others
on a desktop screen. Each shot reaches its page by clicking what a user would click from the home
page, not by ids, so it works on any database built by `sanlian demo` (the seed fixes the names).
`scripts/guide_screenshots.py` (`make guide-screenshots`) runs it against the demo database into
docs/guide/; `sanlian/tests/test_guide_screenshots.py` runs it into a temporary folder.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sanlian.tests.browser import log_in, new_page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# A 256-colour palette keeps a page of text and flat colours legible and under ~150 kB.
PALETTE_COLOURS = 256


@dataclass(frozen=True)
class Shot:
    name: str  # the file is docs/guide/<name>.png
    username: str
    viewport: dict
    open: Callable  # (page, base_url) -> None: reach the page from the logged-in home page


def _home(page, base_url):
    page.goto(f"{base_url}/")


def _first_waiting_sheet(page, base_url):
    """The first assessment in the home page's waiting list (village1: its returned sheet)."""
    page.goto(f"{base_url}/")
    page.locator("main a[href^='/assessments/']").filter(has_text="·").first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))


def _returned_banner(page, base_url):
    _first_waiting_sheet(page, base_url)
    page.get_by_text("已退回修改").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -80)")


def _click_home_button(label: str):
    def open_(page, base_url):
        page.goto(f"{base_url}/")
        page.locator("main a.button", has_text=label).first.click()
        page.wait_for_load_state()

    return open_


def _waiting(page, base_url):
    page.goto(f"{base_url}/")
    page.locator("main a", has_text="待我处理").first.click()
    page.wait_for_url(re.compile(r"/assessments/waiting/$"))


def _village_sheet_at_pre_review(page, base_url):
    """From 待我处理, the first village application at the township's stage 预审."""
    _waiting(page, base_url)
    row = page.locator("main table tbody tr", has_text="预审").first
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))


def _plan(page, base_url):
    page.goto(f"{base_url}/")
    page.locator("nav.mainnav a", has_text="创建规划").click()
    page.locator("main table tbody a").first.click()
    page.locator("main a", has_text="五年创建规划").first.click()
    page.wait_for_url(re.compile(r"/plan/$"))


def _spot_checks(page, base_url):
    page.goto(f"{base_url}/")
    page.locator("nav.mainnav a", has_text="考核评估").click()
    page.locator("main table tbody a").first.click()  # the newest round comes first
    page.locator("main a", has_text="抽查").first.click()
    page.wait_for_url(re.compile(r"/spot-checks/$"))


def _import(page, base_url):
    page.goto(f"{base_url}/registers/import/")  # 会员名单 → 从 Excel 导入 leads here


def _import_with_row_errors(page, base_url):
    """The village uploads a members file with two wrong rows and one right one: the preview lists
    each wrong row with its Excel row number, column and reason, and imports nothing."""
    from registers.tests.import_files import id_number, member_row, members_csv

    page.goto(f"{base_url}/")
    page.locator("header .current-unit a").first.click()
    code = page.locator("dt", has_text="行政区划代码").locator("xpath=following-sibling::dd[1]")
    village_code = code.inner_text().strip()
    group = page.locator("main table").last.locator("tbody a").first.inner_text().strip()
    row = {"所属村(居)代码": village_code, "所属小组": group, "出生日期": "1979-02-14"}
    right = id_number(902, born="19790214")
    wrong_check_digit = right[:-1] + ("0" if right[-1] != "0" else "1")
    rows = [
        member_row(901, 身份证号码=id_number(901, born="19790214"), **row),
        member_row(902, 身份证号码=wrong_check_digit, **row),
        member_row(903, 身份证号码=id_number(903, born="19790214"), 入会日期="2999-01-01", **row),
    ]
    page.goto(f"{base_url}/registers/import/")
    page.select_option("#id_kind", "members")
    file = {"name": "会员名单.csv", "mimeType": "text/csv", "buffer": members_csv(rows)}
    page.set_input_files("#id_file", file)
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/registers/import/[0-9a-f-]{36}/$"))
    page.locator("#import-errors").wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")  # the progress fragment has stopped polling
    heading = page.locator("h3", has_text="有问题的行")
    heading.evaluate("h3 => h3.scrollIntoView({block: 'start'})")
    page.wait_for_function("window.scrollY > 0")


def _nav(label: str, url_pattern: str):
    def open_(page, base_url):
        page.goto(f"{base_url}/")
        page.locator("nav.mainnav a", has_text=label).first.click()
        page.wait_for_url(re.compile(url_pattern))

    return open_


SHOTS = [
    Shot("village-home", "village1", PHONE, _home),
    Shot("village-returned", "village1", PHONE, _returned_banner),
    Shot("village-member-new", "village1", PHONE, _click_home_button("登记会员")),
    Shot("village-import-errors", "village1", PHONE, _import_with_row_errors),
    Shot("township-waiting", "township1", DESKTOP, _waiting),
    Shot("township-sheet", "township1", DESKTOP, _village_sheet_at_pre_review),
    Shot("township-plan", "township1", DESKTOP, _plan),
    Shot("county-waiting", "county", DESKTOP, _waiting),
    Shot("county-spot-checks", "county", DESKTOP, _spot_checks),
    Shot("county-import", "county", DESKTOP, _import),
    Shot("city-home", "city", DESKTOP, _home),
    Shot("leader-dashboard", "leader", DESKTOP, _nav("统计分析", r"/dashboards/")),
    Shot("leader-reports", "leader", DESKTOP, _nav("报表打印", r"/reports/$")),
]


class PageError(AssertionError):
    """A page the guide shows answered with an error."""


def _shrink(path: Path) -> None:
    """Re-save as a palette PNG: a page of text loses nothing visible and shrinks severalfold."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=PALETTE_COLOURS, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def take_shots(browser, base_url: str, password: str, out_dir: Path, shots=SHOTS) -> list[Path]:
    """Save every shot as out_dir/<name>.png; raise PageError when a page answers 4xx/5xx."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    pages = {}
    for shot in shots:
        key = (shot.username, shot.viewport["width"])
        if key not in pages:
            page = new_page(browser, viewport=shot.viewport, is_mobile=shot.viewport is PHONE)
            page.errors = []
            page.on(
                "response",
                lambda response, page=page: (
                    page.errors.append(f"{response.status} {response.url}")
                    if response.request.resource_type == "document" and response.status >= 400
                    else None
                ),
            )
            log_in(page, _Server(base_url), shot.username, password)
            pages[key] = page
        page = pages[key]
        page.errors.clear()
        shot.open(page, base_url)
        page.wait_for_load_state("networkidle")
        if page.errors:
            raise PageError(f"{shot.name}: {', '.join(page.errors)}")
        path = out_dir / f"{shot.name}.png"
        page.screenshot(path=str(path))
        _shrink(path)
        written.append(path)
    for page in pages.values():
        page.context.close()
    return written


class _Server:
    """What log_in needs of pytest-django's live_server: its url."""

    def __init__(self, url: str):
        self.url = url


def linked_shots(guide: Path) -> list[str]:
    """The names of the pictures the guide links, in order (guide/<name>.png)."""
    return re.findall(r"\]\(guide/([\w-]+)\.png\)", guide.read_text(encoding="utf-8"))
