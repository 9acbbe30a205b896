"""Spreadsheet imports over the API, the pages' flow (registers.views.imports): upload a workbook or
CSV, which starts its dry run in the background; poll the job until the preview is done; confirm
(all rows, or only the valid ones); poll again for the import's report. The job, its checks, its
audit events and its worker are the pages' own."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.access import client_address
from api.schemas import WRITE_ERRORS, BodyIn, ErrorOut
from jobs import services as jobs
from jobs.models import ImportJob
from registers import tasks
from registers.forms_imports import UploadForm
from registers.views.imports import _job_for_user, _require_importer, _state_context

router = Router(tags=["imports"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ImportJobOut(Schema):
    id: uuid.UUID
    kind: str
    filename: str
    stage: str = Field(..., description="preview (the dry run), then import")
    status: str = Field(..., description="queued, running, done or failed")
    percent: int
    error: str
    report: dict | None = Field(
        None, description="When the stage is done: rows, created, updated, unchanged, errors…"
    )


class ConfirmIn(BodyIn):
    only_valid: bool = False


def _out(job: ImportJob) -> dict:
    state = _state_context(job)
    job = state["job"]
    return {
        "id": job.pk,
        "kind": job.kind,
        "filename": job.filename,
        "stage": job.stage,
        "status": job.status,
        "percent": job.percent,
        "error": job.error,
        "report": state["report"] or None,
    }


@router.post("/", response={202: ImportJobOut, **WRITE_ERRORS})
def upload_import(request, kind: Form[str], file: File[UploadedFile]):
    """Upload a register (`kind`: orgs, members, posts, trainings or activities) as a multipart
    `file`; its dry run starts at once. Poll `GET /imports/{id}` until `status` is done."""
    _require_importer(request)
    form = UploadForm(data={"kind": kind}, files={"file": file})
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    job = jobs.do_create_import_job(
        request.user,
        kind=form.cleaned_data["kind"],
        upload=form.cleaned_data["file"],
        filename=form.import_name(),
        language=get_language() or "",
        ip_address=client_address(request),
    )
    tasks.start_preview(job)
    return Status(202, _out(job))


@router.get("/{job_id}", response={200: ImportJobOut, **READ})
def get_import(request, job_id: uuid.UUID):
    """The job's state, and once a stage is done its report (the preview's rows and errors, then
    the import's)."""
    return _out(_job_for_user(request, job_id))


@router.post("/{job_id}/confirm", response={202: ImportJobOut, **WRITE_ERRORS})
def confirm_import(request, job_id: uuid.UUID, payload: ConfirmIn):
    """Import a previewed file: all of it (refused whole when any row is bad), or with
    `only_valid` only its valid rows. 409 unless the preview is done and not yet confirmed."""
    job = _job_for_user(request, job_id)
    if not tasks.start_import(
        request.user, job, only_valid=payload.only_valid, ip_address=client_address(request)
    ):
        return Status(409, {"detail": _("This import is not waiting for a confirmation.")})
    job.refresh_from_db()
    return Status(202, _out(job))
