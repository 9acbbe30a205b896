"""Django templates to A4 PDF with WeasyPrint and Debian's Noto CJK fonts.

WeasyPrint finds fonts through fontconfig and embeds the subset of glyphs a document uses, so a
PDF reads the same on a machine without the fonts. Without them it would silently fall back to a
font with no Chinese glyphs (boxes on paper): `render_pdf` refuses instead, with what to install.
"""

import shutil
import subprocess
from functools import lru_cache
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# The CSS family names of fonts-noto-cjk; templates name them in their font-family.
SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"
REQUIRED_FAMILIES = (SANS, SERIF)


class FontsMissing(RuntimeError):
    """The Chinese fonts a PDF needs are not installed."""


def _installed_families() -> set[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    result = subprocess.run(
        [fc_list, ":lang=zh-cn", "family"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    families = set()
    for line in result.stdout.splitlines():
        families.update(name.strip() for name in line.split(","))
    return families


@lru_cache(maxsize=1)
def missing_fonts() -> tuple[str, ...]:
    """The required families fontconfig does not know (cached: fonts do not come and go while
    the process runs)."""
    installed = _installed_families()
    return tuple(family for family in REQUIRED_FAMILIES if family not in installed)


def check_fonts() -> None:
    missing = missing_fonts()
    if missing:
        raise FontsMissing(
            _(
                "The Chinese fonts for PDF files are not installed (%(fonts)s). Ask the "
                "administrator to install Debian's fonts-noto-cjk (apt-get install "
                "fonts-noto-cjk); the printable page works meanwhile."
            )
            % {"fonts": ", ".join(missing)}
        )


def _no_fetching(url: str, *args, **kwargs):
    # A PDF is built from our own template alone; it never fetches anything, so a value that
    # slipped into the page cannot make the server request a URL.
    raise ValueError(f"PDF rendering does not fetch resources: {url[:80]}")


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    """Render the template (a whole HTML document with its own CSS) to PDF bytes."""
    check_fonts()
    # Imported here: WeasyPrint loads Pango and its fonts, which most processes never need.
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def pdf_response(pdf: bytes, filename: str, ascii_filename: str) -> HttpResponse:
    """Shown in the browser; saved under the Chinese name (RFC 6266's filename*), or the ASCII
    one where a client does not read filename*."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_or_503(request, template: str, context: dict, names: tuple[str, str]) -> HttpResponse:
    """The template as a PDF response, or the page that says which fonts to install (503)."""
    try:
        content = render_pdf(template, context, request=request)
    except FontsMissing as error:
        return render(request, "reports/pdf_unavailable.html", {"error": error}, status=503)
    return pdf_response(content, *names)
