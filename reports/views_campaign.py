"""The campaign's reports: the progress report of a node and year, the commendation list of a
round and title, and the certificates. Thin: units through the access helper, figures from
reports.progress / reports.commendation, large reports handed to reports.tasks."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import get_unit_for_user, visible_ancestors
from assessments.access import get_awarding_round_for_user
from campaigns.years import asked_year, board_year
from dashboards.selectors import campaign_for
from reports import commendation, progress, tasks
from reports.pdf import pdf_or_503, pdf_response

KINDS = ("xlsx", "pdf")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str, ascii_filename: str) -> HttpResponse:
    response = pdf_response(content, filename, ascii_filename)
    response["Content-Type"] = XLSX
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "inline;", "attachment;", 1
    )
    return response


def _campaign_or_404(unit):
    campaign = campaign_for(unit)
    if campaign is None:
        raise Http404(_("No campaign covers this unit yet."))
    return campaign


@login_required
def progress_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's page: the year, the downloads, or the background job for a large node."""
    unit = get_unit_for_user(request, pk)
    campaign = _campaign_or_404(unit)
    year = board_year(campaign, asked_year(request.GET))
    size = progress.size_of(unit)
    background = {kind: progress.runs_in_background(unit, kind, size) for kind in KINDS}
    if request.method == "POST":
        kind = "pdf" if request.POST.get("kind") == "pdf" else "xlsx"
        if not background[kind]:
            return redirect(f"{reverse(f'reports:progress_{kind}', args=[unit.pk])}?year={year}")
        job = tasks.start_progress_job(request.user, unit, year, kind)
        return redirect("reports:report_job", job.pk)
    return render(
        request,
        "reports/progress_page.html",
        {
            "unit": unit,
            "ancestors": visible_ancestors(request.user, unit),
            "campaign": campaign,
            "year": year,
            "years": [campaign.first_year - 1, *campaign.years],
            "background": background,
            "size": size,
            "jobs": tasks.recent_jobs(request.user, unit),
        },
    )


def _progress_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    unit = get_unit_for_user(request, pk)
    campaign = _campaign_or_404(unit)
    year = board_year(campaign, asked_year(request.GET))
    if progress.runs_in_background(unit, kind):
        # A large node's report would tie up a web process: its page starts the job instead.
        return redirect(f"{reverse('reports:progress', args=[unit.pk])}?year={year}")
    report = progress.build(unit, year, campaign)
    names = progress.file_name(report, kind)
    if kind == "xlsx":
        return xlsx_response(progress.workbook(report), *names)
    return pdf_or_503(request, "reports/progress_pdf.html", progress.pdf_context(report), names)


@login_required
def progress_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _progress_file(request, pk, "xlsx")


@login_required
def progress_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _progress_file(request, pk, "pdf")


def _job_for_user(request: HttpRequest, pk) -> "ReportJob":  # noqa: F821
    """The user's own job, with its unit still in their subtree; 404 otherwise."""
    from reports.job_models import ReportJob

    job = ReportJob.objects.select_related("unit").filter(pk=pk, user=request.user).first()
    if job is None:
        raise Http404("No such report.")
    get_unit_for_user(request, job.unit_id)
    return job


@login_required
def report_job(request: HttpRequest, pk) -> HttpResponse:
    job = _job_for_user(request, pk)
    tasks.fail_if_stalled(job)
    partial = request.headers.get("HX-Request")
    template = "reports/report_job_state.html" if partial else "reports/report_job.html"
    return render(request, template, {"job": job, "unit": job.unit})


@login_required
def report_job_download(request: HttpRequest, pk) -> HttpResponse:
    from django.core.files.storage import default_storage

    job = _job_for_user(request, pk)
    if job.is_pruned:
        # `sanlian prune_jobs` deleted the file: the job's page says so and offers to rebuild it.
        context = {"job": job, "unit": job.unit}
        return render(request, "reports/report_job.html", context, status=410)
    if not job.is_done or not job.stored_name or not default_storage.exists(job.stored_name):
        raise Http404("The report is not ready.")
    with default_storage.open(job.stored_name, "rb") as stored:
        content = stored.read()
    names = (job.filename, f"progress-{job.unit_id}-{job.year}.{job.kind}")
    if job.kind == "xlsx":
        return xlsx_response(content, *names)
    return pdf_response(content, *names)


# --- commendation lists and certificates -----------------------------------------------------


def _certificates(request: HttpRequest, round_, title: str) -> list:
    return [
        commendation.certificate_of(t) for t in commendation.commended(round_, title, request.user)
    ]


@login_required
def commendation_xlsx(request: HttpRequest, pk: int, title: str) -> HttpResponse:
    round_ = get_awarding_round_for_user(request, pk, title)
    certificates = _certificates(request, round_, title)
    names = commendation.file_name(round_, title, _("commendation list"), "list", "xlsx")
    return xlsx_response(commendation.workbook(round_, title, certificates), *names)


@login_required
def commendation_pdf(request: HttpRequest, pk: int, title: str) -> HttpResponse:
    round_ = get_awarding_round_for_user(request, pk, title)
    certificates = _certificates(request, round_, title)
    context = {
        "title": commendation.list_title(round_, title),
        "unit": round_.organiser,
        "issuer": commendation.issuer_of(commendation.issuing_unit(round_, title)),
        "certificates": certificates,
        "headers": commendation.headers(),
        "rows": commendation.rows(certificates),
    }
    names = commendation.file_name(round_, title, _("commendation list"), "list", "pdf")
    return pdf_or_503(request, "reports/commendation_pdf.html", context, names)


def _certificates_response(request: HttpRequest, certificates: list, names) -> HttpResponse:
    if not certificates:
        raise Http404(_("No unit holds this title from this round."))
    context = {"title": _("Certificate of Honour"), "certificates": certificates}
    return pdf_or_503(request, "reports/certificates_pdf.html", context, names)


@login_required
def certificates_pdf(request: HttpRequest, pk: int, title: str) -> HttpResponse:
    round_ = get_awarding_round_for_user(request, pk, title)
    names = commendation.file_name(round_, title, _("certificates"), "certificates", "pdf")
    return _certificates_response(request, _certificates(request, round_, title), names)


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One title's certificate; a revoked title has none."""
    from accounts.access import Action, record_denial, require
    from assessments.models import AwardedTitle, TitleStatus

    title = (
        AwardedTitle.objects.select_related(
            "unit__parent", "unit__township", "unit__county", "assessment__round__organiser"
        )
        .filter(pk=pk)
        .first()
    )
    if title is None:
        record_denial(
            request,
            request.user,
            Action.VIEW,
            reason="not_found",
            object_type="assessments.awardedtitle",
            object_id=str(pk),
        )
        raise Http404("No such title.")
    require(request, Action.VIEW, title.unit)
    if title.status == TitleStatus.REVOKED:
        raise Http404(_("This title was revoked; it has no certificate."))
    if title.carried_in:
        # Its certificate was issued on paper by the body that named it (发文单位).
        raise Http404(_("A title carried in from an earlier campaign has no certificate here."))
    certificate = commendation.certificate_of(title)
    names = (
        f"{certificate.unit_name}-{certificate.year}-{certificate.title}.pdf",
        f"certificate-{title.pk}.pdf",
    )
    return _certificates_response(request, [certificate], names)
