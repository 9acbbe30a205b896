"""The printed forms and the reports as files over the API: the same views as the pages' download
links (reports.views, reports.views_campaign), so the same access checks, denials and file names;
a token authenticates them as it does every operation. Each answers the file itself (PDF or xlsx,
as an attachment) or the API's JSON error."""

import uuid
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from accounts.access import get_unit_for_user
from api.schemas import MAX_ID, WRITE_ERRORS, BodyIn, ErrorOut
from campaigns.years import board_year
from reports import progress, tasks
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


# --- the progress report: a file for a small node, a background job for any node -----------


class ProgressIn(BodyIn):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    year: int | None = Field(None, ge=2000, le=2100, description="the campaign's year shown")
    kind: Literal["xlsx", "pdf"] = "xlsx"


class ReportJobOut(Schema):
    id: uuid.UUID
    unit_id: int
    year: int
    kind: str
    status: str = Field(..., description="queued, running, done or failed")
    percent: int
    error: str
    download: str | None = Field(None, description="the file's path, once the job is done")


def _job_out(job) -> dict:
    done = job.is_done and bool(job.stored_name)
    return {
        "id": job.id,
        "unit_id": job.unit_id,
        "year": job.year,
        "kind": job.kind,
        "status": job.status,
        "percent": job.percent,
        "error": job.error,
        "download": f"/api/v1/reports/jobs/{job.id}/file" if done else None,
    }


@router.get("/units/{unit_id}/progress.xlsx", response=FILE_ERRORS | {409: ErrorOut})
def progress_xlsx(request, unit_id: int, year: int | None = None):
    """The unit's progress report (创建工作进度) as a workbook, built at once for a node small
    enough; a larger node answers 409: start a job with `POST /reports/progress`."""
    return _progress_now(request, unit_id, "xlsx")


@router.get("/units/{unit_id}/progress.pdf", response=FILE_ERRORS | {409: ErrorOut})
def progress_pdf(request, unit_id: int, year: int | None = None):
    """The unit's progress report as a PDF (see progress.xlsx)."""
    return _progress_now(request, unit_id, "pdf")


def _progress_now(request, unit_id: int, kind: str):
    unit = get_unit_for_user(request, unit_id)
    if progress.runs_in_background(unit, kind):
        detail = _("This report is built in the background: start it with POST /reports/progress.")
        return Status(409, {"detail": detail})
    return campaign_views._progress_file(request, unit.pk, kind)


@router.post("/progress", response={201: ReportJobOut, **WRITE_ERRORS})
def start_progress(request, payload: ProgressIn):
    """Queue the progress report of a unit and year as a background job, for a node of any
    size (the page's 在后台生成); poll `GET /reports/jobs/{id}` until `download` is given."""
    unit = get_unit_for_user(request, payload.unit_id)
    campaign = campaign_views._campaign_or_404(unit)
    year = board_year(campaign, payload.year)
    job = tasks.start_progress_job(request.user, unit, year, payload.kind)
    return Status(201, _job_out(job))


@router.get("/jobs/{job_id}", response={200: ReportJobOut, **FILE_ERRORS})
def get_report_job(request, job_id: uuid.UUID):
    """A progress report job of yours: its status and, when done, its download path."""
    job = campaign_views._job_for_user(request, job_id)
    tasks.fail_if_stalled(job)
    return _job_out(job)


@router.get("/jobs/{job_id}/file", response=FILE_ERRORS | {410: ErrorOut})
def report_job_file(request, job_id: uuid.UUID):
    """The job's file once done (404 before; 410 once `sanlian prune_jobs` deleted it)."""
    job = campaign_views._job_for_user(request, job_id)
    if job.is_pruned:
        return Status(410, {"detail": _("This report's file was deleted; start it again.")})
    return campaign_views.report_job_download(request, job.pk)
