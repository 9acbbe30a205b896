"""An assessment part-way up its chain, for the printed forms, and reading PDFs back."""

import re
import shutil
import subprocess
import zlib

import pytest

from assessments import group_rules
from assessments.services import (
    ScoreInput,
    do_apply,
    do_comment,
    do_pass,
    do_save_scores,
    do_submit,
)
from assessments.tests.conftest import (  # noqa: F401  (fixtures used by the reports tests)
    first_class_standard,
    group_standard,
    qualified_standard,
    round_2026,
    township_standard,
)
from standards.models import Item, TitleKind


def score_all(actor, assessment, points_by_number, **extra):
    entries = [
        ScoreInput(
            item_id=item.pk,
            points=points_by_number.get(item.number, item.points),
            veto_violated=False if item.is_veto else None,
            **extra,
        )
        for item in Item.objects.filter(section__standard=assessment.standard)
    ]
    return do_save_scores(actor, assessment, entries)


@pytest.fixture
def passed_to_county(tree, round_2026, village_operator, township_officer):  # noqa: F811
    """李家村's qualified application: self-scored (item 3: 40), submitted with its groups rated,
    then scored by the township (item 3: 35) and passed to the county."""
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    score_all(village_operator, assessment, {"3": 40}, current_state="村协会有会员名册和台账")
    for group in group_rules.ratings_with(assessment):
        score_all(village_operator, group, {"1": 10})
    assessment = do_submit(village_operator, assessment)
    score_all(township_officer, assessment, {"3": 35}, measures="补齐宣传记录")
    do_comment(township_officer, assessment, "同意上报县协会")
    do_pass(township_officer, assessment, reason="验收合格")
    assessment.refresh_from_db()
    return assessment


def pdf_text(pdf: bytes) -> str:
    """The PDF's text through poppler's pdftotext, with layout spaces removed."""
    result = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    )
    return re.sub(r"\s+", "", result.stdout.decode())


needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftotext) is not installed; scripts/system-deps.sh installs it",
)


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with every stream inflated: WeasyPrint compresses its object streams, so page
    sizes and font names are only readable after."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def embedded_font_names(pdf: bytes) -> set[str]:
    """The names of the font programs embedded in the PDF (descriptors with a font file)."""
    return {
        name.decode() for name in re.findall(rb"/FontName\s*/([A-Za-z0-9+\-]+)", pdf_objects(pdf))
    }


def page_sizes(pdf: bytes) -> set[tuple[int, int]]:
    """Each page's MediaBox, in whole points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf_objects(pdf))
    return {(round(float(w)), round(float(h))) for w, h in boxes}
