"""
The roster import page: upload, map columns, preview, confirm, follow progress.

Thin: access comes from :mod:`peerpath.rosters.selectors`, every step from
:mod:`peerpath.rosters.uploads`. No bad file can make a page answer 500: the
importers never raise, and what they report is shown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from peerpath.core.models import User
from peerpath.rosters import selectors
from peerpath.rosters.forms import MappingForm, OneRosterUploadForm, StudentsUploadForm
from peerpath.rosters.models import RosterImport
from peerpath.rosters.uploads import (
    csv_sample,
    inline_limit,
    live_progress,
    roster_import_confirm,
    roster_import_discard,
    roster_upload,
    students_mapping_set,
    students_upload,
    upload_max_bytes,
)

#: Errors and warnings shown on a run's page (the record keeps up to 1,000 of each).
ISSUES_SHOWN = 50
HISTORY_PAGE = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class _TooLarge(FileUploadHandler):
    """Stop reading an upload larger than ``PEERPATH_ROSTER_UPLOAD_MAX_BYTES`` (it is discarded)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = upload_max_bytes() + 1024 * 1024  # the form fields and the boundaries
        self.too_large = False
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit:
            self.too_large = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.too_large or self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _index_context(
    request: HttpRequest,
    *,
    oneroster_form: OneRosterUploadForm | None = None,
    students_form: StudentsUploadForm | None = None,
) -> dict[str, Any]:
    user = _user(request)
    organizations = selectors.oneroster_organizations(user)
    schools = selectors.student_import_schools(user)
    if not organizations and not schools:
        raise PermissionDenied(
            _("Only organization administrators and coordinators can import rosters.")
        )
    runs = Paginator(selectors.roster_imports_visible(user), HISTORY_PAGE)
    return {
        "oneroster_form": oneroster_form
        or (OneRosterUploadForm(organizations=organizations) if organizations else None),
        "students_form": students_form
        or (StudentsUploadForm(schools=schools) if schools else None),
        "runs": runs.get_page(request.GET.get("page")),
        "max_mb": upload_max_bytes() // (1024 * 1024),
        "inline_mb": round(inline_limit() / 1_000_000, 1),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Upload forms (what this person may import) and the history of runs."""
    return render(request, "rosters/index.html", _index_context(request))


def _upload_view(kind: str) -> Any:
    @csrf_protect
    def upload(request: HttpRequest) -> HttpResponse:
        user = _user(request)
        limiter = next((h for h in request.upload_handlers if isinstance(h, _TooLarge)), None)
        form: OneRosterUploadForm | StudentsUploadForm
        if kind == RosterImport.Kind.ONEROSTER:
            form = OneRosterUploadForm(
                request.POST, request.FILES, organizations=selectors.oneroster_organizations(user)
            )
        else:
            form = StudentsUploadForm(
                request.POST, request.FILES, schools=selectors.student_import_schools(user)
            )
        if limiter is not None and limiter.too_large:
            form.add_error(
                "file",
                _("The file is larger than %(mb)d MB.") % {"mb": upload_max_bytes() // 2**20},
            )
        if form.is_valid():
            try:
                if isinstance(form, OneRosterUploadForm):
                    run = roster_upload(
                        actor=user,
                        organization=form.cleaned_data["organization"],
                        upload=form.cleaned_data["file"],
                    )
                else:
                    run = students_upload(
                        actor=user,
                        school=form.cleaned_data["school"],
                        upload=form.cleaned_data["file"],
                    )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("rosters:run", pk=run.pk)
        forms: dict[str, Any] = (
            {"oneroster_form": form}
            if isinstance(form, OneRosterUploadForm)
            else {"students_form": form}
        )
        return render(request, "rosters/index.html", _index_context(request, **forms), status=400)

    @csrf_exempt
    @login_required
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        # The size guard must be in place before the body is read (CSRF reads it).
        if not (
            selectors.oneroster_organizations(request.user)
            if kind == RosterImport.Kind.ONEROSTER
            else selectors.student_import_schools(request.user)
        ):
            raise PermissionDenied
        # If a middleware read the body already, this cannot be set: the form checks the size.
        with contextlib.suppress(AttributeError):
            request.upload_handlers = [_TooLarge(request), *request.upload_handlers]
        return upload(request)

    return view


oneroster_upload = _upload_view(RosterImport.Kind.ONEROSTER)
students_upload_view = _upload_view(RosterImport.Kind.CSV)


#: Kinds of records an import counts, in the order it writes them.
RECORD_KINDS = {
    "schools": _lazy("Schools"),
    "terms": _lazy("Terms"),
    "courses": _lazy("Courses"),
    "users": _lazy("People"),
    "students": _lazy("Student profiles"),
    "staff_roles": _lazy("Staff roles"),
    "guardian_links": _lazy("Guardian links"),
    "classes": _lazy("Classes"),
    "enrollments": _lazy("Enrollments"),
}


def _count_rows(run: RosterImport) -> list[dict[str, Any]]:
    order = list(RECORD_KINDS)
    kinds = sorted(run.counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        {
            "label": RECORD_KINDS.get(kind, kind),
            **{
                outcome: int(run.counts[kind].get(outcome, 0))
                for outcome in ("created", "updated", "unchanged", "deleted", "skipped")
            },
        }
        for kind in kinds
    ]


def _run_context(run: RosterImport, mapping_form: MappingForm | None = None) -> dict[str, Any]:
    counts = _count_rows(run)
    context: dict[str, Any] = {
        "run": run,
        "counts": counts,
        "has_deletions": any(row["deleted"] for row in counts),
        "has_skipped": any(row["skipped"] for row in counts),
        "errors": run.errors[:ISSUES_SHOWN],
        "more_errors": max(0, run.error_count - ISSUES_SHOWN),
        "warnings": run.warnings[:ISSUES_SHOWN],
        "more_warnings": max(0, run.warning_count - ISSUES_SHOWN),
        "progress": live_progress(run),
        "worker_late": run.background
        and run.status in {RosterImport.Status.UPLOADED, RosterImport.Status.QUEUED}
        and run.updated_at < timezone.now() - dt.timedelta(minutes=2),
    }
    if run.status == RosterImport.Status.MAPPING:
        context["mapping_form"] = mapping_form or MappingForm(
            columns=run.columns, mapping=run.mapping
        )
        context["sample"] = [[row.get(c, "") for c in run.columns] for row in csv_sample(run)]
    return context


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.roster_import_get(request.user, pk)
    return render(request, "rosters/run.html", _run_context(run))


@login_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while a run waits or works; tells the page to reload when that is over."""
    run = selectors.roster_import_get(request.user, pk)
    response = render(request, "rosters/_status.html", _run_context(run))
    if not run.in_progress:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    run = selectors.roster_import_get(user, pk)
    form = MappingForm(request.POST, columns=run.columns, mapping=run.mapping)
    if run.status == RosterImport.Status.MAPPING and form.is_valid():
        try:
            students_mapping_set(actor=user, run=run, mapping=form.mapping())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("rosters:run", pk=run.pk)
    elif run.status != RosterImport.Status.MAPPING:
        messages.error(request, _("This file was already checked, imported or discarded."))
        return redirect("rosters:run", pk=run.pk)
    return render(request, "rosters/run.html", _run_context(run, form), status=400)


@login_required
@require_POST
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    run = selectors.roster_import_get(user, pk)
    try:
        run = roster_import_confirm(actor=user, run=run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rosters:run", pk=run.pk)
    if run.status == RosterImport.Status.SUCCEEDED:
        messages.success(request, _("The roster was imported."))
    elif run.status == RosterImport.Status.FAILED:
        messages.error(request, _("Nothing was imported: the file no longer checks out."))
    return redirect("rosters:run", pk=run.pk)


@login_required
@require_POST
def run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    run = selectors.roster_import_get(user, pk)
    try:
        roster_import_discard(actor=user, run=run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rosters:run", pk=run.pk)
    messages.success(request, _("The file was discarded; nothing was imported."))
    return redirect("rosters:index")
