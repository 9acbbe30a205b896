"""reports.pdf: templates to A4 PDF with the Noto CJK fonts embedded, or a clear refusal."""

import re
import subprocess

import pytest

from reports import pdf
from reports.tests.conftest import embedded_font_names, needs_pdftotext, page_sizes, pdf_text


@pytest.fixture
def fonts_missing(monkeypatch):
    pdf.missing_fonts.cache_clear()
    monkeypatch.setattr(pdf, "_installed_families", lambda: {"DejaVu Sans"})
    yield
    pdf.missing_fonts.cache_clear()


def _render() -> bytes:
    return pdf.render_pdf("reports/pdf_base.html", {"unit": {"name": "李家村"}}, request=None)


def test_it_embeds_the_noto_cjk_fonts():
    names = embedded_font_names(_render())
    assert any("Noto-Sans-CJK" in name or "NotoSansCJK" in name for name in names), names


def test_it_renders_a4_pages():
    assert page_sizes(_render()) == {(595, 842)}


@needs_pdftotext
def test_it_writes_chinese_text_that_reads_back():
    assert "李家村" in pdf_text(_render())


def test_it_refuses_with_what_to_install_when_the_fonts_are_missing(fonts_missing):
    with pytest.raises(pdf.FontsMissing) as raised:
        _render()
    assert "fonts-noto-cjk" in str(raised.value)


def test_it_never_fetches_a_resource_named_in_the_page():
    with pytest.raises(ValueError):
        pdf._no_fetching("http://169.254.169.254/latest/meta-data")


def test_it_serves_the_pdf_inline_under_its_chinese_name():
    response = pdf.pdf_response(b"%PDF-1.7", "李家村-评估表-2026.pdf", "assessment-1-2026.pdf")
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="assessment-1-2026.pdf"')
    assert "filename*=UTF-8''%E6%9D%8E" in disposition


@needs_pdftotext
def test_the_running_header_puts_the_title_left_and_the_print_date_right():
    result = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"],
        input=_render(),
        capture_output=True,
        check=True,
    )
    words = {
        word: (float(x_min), float(x_max))
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>',
            result.stdout.decode(),
        )
    }
    page_width, margin = 595, 34  # A4 in points, 12 mm margins
    assert words["李家村"][0] < margin + 5, words
    assert words["打印于"][0] > page_width / 2, words
    date = next(x_max for word, (_x, x_max) in words.items() if word.endswith("日"))
    assert date > page_width - margin - 5, words
