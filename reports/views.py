"""Printable pages and PDFs of an assessment's 评估表 and 验收审批表.

Thin: the assessment is reached through the access helper on its access unit (404 outside the
user's subtree, recorded), the figures come from reports.selectors.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import visible_ancestors
from assessments.access import get_assessment_for_user
from assessments.models import Assessment
from reports import hub, selectors
from reports.pdf import pdf_or_503


def _context(request, assessment: Assessment, **extra) -> dict:
    return {
        "assessment": assessment,
        "unit": assessment.unit,
        "ancestors": visible_ancestors(request.user, assessment.unit),
        **extra,
    }


def _file_name(assessment: Assessment, form: str) -> tuple[str, str]:
    name = f"{assessment.unit.name}-{form}-{assessment.round.year}.pdf"
    return name, f"assessment-{assessment.pk}-{assessment.round.year}.pdf"


@login_required
def assessment_sheet(request, pk):
    assessment = get_assessment_for_user(request, pk)
    sheet = selectors.assessment_sheet(assessment)
    return render(
        request, "reports/assessment_sheet.html", _context(request, assessment, sheet=sheet)
    )


@login_required
def assessment_sheet_pdf(request, pk):
    assessment = get_assessment_for_user(request, pk)
    sheet = selectors.assessment_sheet(assessment)
    return pdf_or_503(
        request,
        "reports/assessment_sheet_pdf.html",
        _context(request, assessment, sheet=sheet),
        _file_name(assessment, _("assessment sheet")),
    )


@login_required
def approval_form(request, pk):
    assessment = get_assessment_for_user(request, pk)
    form = selectors.approval_form(assessment)
    return render(request, "reports/approval_form.html", _context(request, assessment, form=form))


@login_required
def approval_form_pdf(request, pk):
    assessment = get_assessment_for_user(request, pk)
    form = selectors.approval_form(assessment)
    return pdf_or_503(
        request,
        "reports/approval_form_pdf.html",
        _context(request, assessment, form=form),
        _file_name(assessment, _("approval form")),
    )


@login_required
def reports_home(request):
    """报表打印: the progress reports, commendation lists and forms within the user's reach."""
    return render(
        request,
        "reports/home.html",
        {"hub": hub.reports_in_reach(request.user), "nav_active": "reports"},
    )
