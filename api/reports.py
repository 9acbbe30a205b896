"""The printed forms and the reports as files over the API: the same views as the pages' download
links (reports.views, reports.views_campaign), so the same access checks, denials and file names;
a token authenticates them as it does every operation. Each answers the file itself (PDF or xlsx,
as an attachment) or the API's JSON error."""

from ninja import Router

from api.schemas import ErrorOut
from reports import views as forms_views
from reports import views_campaign as campaign_views
from standards.models import TitleKind

router = Router(tags=["reports"])

FILE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/assessments/{assessment_id}/sheet.pdf", response=FILE_ERRORS)
def assessment_sheet_pdf(request, assessment_id: int):
    """The assessment's 评估表 as a PDF, every stage's scores side by side."""
    return forms_views.assessment_sheet_pdf(request, assessment_id)


@router.get("/assessments/{assessment_id}/approval-form.pdf", response=FILE_ERRORS)
def approval_form_pdf(request, assessment_id: int):
    """The assessment's 验收审批表 as a PDF."""
    return forms_views.approval_form_pdf(request, assessment_id)


@router.get("/rounds/{round_id}/{title}/commendation.xlsx", response=FILE_ERRORS)
def commendation_xlsx(request, round_id: int, title: TitleKind):
    """The round's commendation list (表彰名单) for one title, as a workbook."""
    return campaign_views.commendation_xlsx(request, round_id, title.value)


@router.get("/rounds/{round_id}/{title}/commendation.pdf", response=FILE_ERRORS)
def commendation_pdf(request, round_id: int, title: TitleKind):
    """The round's commendation list for one title, as a PDF."""
    return campaign_views.commendation_pdf(request, round_id, title.value)


@router.get("/titles/{title_id}/certificate.pdf", response=FILE_ERRORS)
def certificate_pdf(request, title_id: int):
    """One awarded title's certificate; a revoked title has none (404)."""
    return campaign_views.certificate_pdf(request, title_id)
