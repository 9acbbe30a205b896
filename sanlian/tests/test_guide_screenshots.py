"""The user guide's screenshots regenerate from the demo, so that they never go stale.

The test builds the demo county's tree, accounts and campaign (its registers are left out: they
take a minute and no picture needs them to exist), takes every shot of sanlian/tests/guide_shots.py
into a temporary folder as `make guide-screenshots` does into docs/guide/, and checks that every
picture docs/guide.zh.md links is among them, is a real PNG of the expected size, and is committed.
"""

from pathlib import Path

import pytest
from django.db import transaction
from PIL import Image

from sanlian.demo.tree import DEFAULT_SEED, build_demo_tree
from sanlian.management.commands.demo import build_demo_campaign, create_demo_accounts
from sanlian.tests.guide_shots import SHOTS, linked_shots, take_shots

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide.zh.md"
PASSWORD = "guide-demo-password"
MAX_BYTES = 150 * 1024


@pytest.fixture
def demo_campaign(settings, tmp_path):
    # The live server's in-memory database cannot be shared with a worker: tasks run at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # The accounts' hashing is not what this test is about; Argon2 costs ~0.3 s a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        tree = build_demo_tree(DEFAULT_SEED)
        users = create_demo_accounts(tree, PASSWORD)
        build_demo_campaign(tree, users, DEFAULT_SEED)


def test_it_links_only_shots_that_the_shot_list_takes():
    linked = linked_shots(GUIDE)
    taken = {shot.name for shot in SHOTS}
    assert len(linked) >= 8, "the guide should show every role's main pages"
    assert set(linked) <= taken, f"linked but never taken: {sorted(set(linked) - taken)}"


def test_it_keeps_every_linked_shot_committed_and_small():
    for name in linked_shots(GUIDE):
        path = GUIDE.parent / "guide" / f"{name}.png"
        assert path.is_file(), f"{path} is linked by the guide but missing"
        assert path.stat().st_size < MAX_BYTES, f"{path} is {path.stat().st_size} bytes"


def test_it_regenerates_every_linked_shot_from_the_demo(
    browser, live_server, demo_campaign, tmp_path
):
    shots = tmp_path / "shots"
    written = {path.stem: path for path in take_shots(browser, live_server.url, PASSWORD, shots)}

    sizes = {shot.name: (shot.viewport["width"], shot.viewport["height"]) for shot in SHOTS}
    for name in linked_shots(GUIDE):
        assert name in written, f"the guide links {name}.png, which was not taken"
        with Image.open(written[name]) as image:
            assert image.format == "PNG"
            assert image.size == sizes[name], f"{name}.png is {image.size}"
            assert len(image.getcolors(maxcolors=1024) or range(1025)) > 8, f"{name}.png is blank"
