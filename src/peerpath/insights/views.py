"""Insights pages: dashboards, impact, fairness, exports, outcome import, recognition."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.insights import dashboards, selectors
from peerpath.insights.dashboards import overview_charts
from peerpath.insights.fairness import MIN_CELL, fairness_breakdowns
from peerpath.insights.forms import OutcomeUploadForm, TermsForm, ThankYouForm
from peerpath.insights.impact import default_terms, impact_report, outcome_terms
from peerpath.insights.models import Disclosure, OutcomeImport, ThankYou
from peerpath.insights.outcomes import (
    outcome_import_confirm,
    outcome_import_discard,
    outcomes_import,
)
from peerpath.insights.pdf import certificate_pdf, program_report_pdf
from peerpath.insights.recognition import mentor_badges, mentor_hours, thank_yous_for
from peerpath.insights.selectors import HEALTH_LABELS
from peerpath.insights.services import (
    EXPORT_KINDS,
    export_program_csv,
    record_disclosure,
    thank_you_send,
)
from peerpath.meetings.selectors import program_mentor_hours
from peerpath.programs.models import Participant, Program
from peerpath.rosters.models import Term


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _download(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Program pages -------------------------------------------------------------------


@login_required
def program_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_insights(request.user, pk)
    dashboard = dashboards.program_dashboard(program)
    return render(request, "insights/program.html", {"program": program, "d": dashboard})


def _terms_form(
    request: HttpRequest, program: Program
) -> tuple[TermsForm, Term | None, Term | None, str]:
    choices = outcome_terms(program)
    terms_qs = Term.objects.filter(pk__in=[c.term.pk for c in choices]).order_by("start_date")
    baseline, outcome = default_terms(program, [c.term for c in choices])
    form = TermsForm(request.GET or None, terms=terms_qs)
    role = "mentee"
    if form.is_valid():
        baseline = form.cleaned_data["baseline"] or baseline
        outcome = form.cleaned_data["outcome"] or outcome
        role = form.cleaned_data["role"] or role
    elif not request.GET:
        form = TermsForm(
            initial={"baseline": baseline, "outcome": outcome, "role": role}, terms=terms_qs
        )
    return form, baseline, outcome, role


@login_required
def program_impact(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_insights(request.user, pk)
    form, baseline, outcome, role = _terms_form(request, program)
    report = impact_report(program, baseline=baseline, outcome=outcome, role=role)
    surveys = selectors.survey_pre_post(program)
    return render(
        request,
        "insights/impact.html",
        {"program": program, "form": form, "report": report, "surveys": surveys},
    )


@login_required
def program_fairness(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_insights(request.user, pk)
    form, _baseline, outcome, role = _terms_form(request, program)
    if not request.GET:
        role = "all"
        form.initial["role"] = "all"
    breakdowns = fairness_breakdowns(program, outcome=outcome, role=role)
    return render(
        request,
        "insights/fairness.html",
        {
            "program": program,
            "form": form,
            "breakdowns": breakdowns,
            "outcome": outcome,
            "min_cell": MIN_CELL,
        },
    )


@login_required
def program_exports(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_insights(request.user, pk)
    disclosures = Disclosure.objects.filter(program=program).select_related("actor")[:50]
    kinds = [(k, Disclosure.Kind(k).label) for k in EXPORT_KINDS]
    return render(
        request,
        "insights/exports.html",
        {"program": program, "kinds": kinds, "disclosures": disclosures},
    )


@login_required
@require_POST
def program_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    program = selectors.program_for_insights(request.user, pk)
    if kind not in EXPORT_KINDS:
        raise Http404
    export = export_program_csv(actor=_user(request), program=program, kind=kind)
    return _download(export.content, export.file_name, export.content_type)


@login_required
@require_POST
def program_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = selectors.program_for_insights(user, pk)
    dashboard = dashboards.program_dashboard(program)
    choices = outcome_terms(program)
    baseline, outcome = default_terms(program, [c.term for c in choices])
    report = impact_report(program, baseline=baseline, outcome=outcome)
    content = program_report_pdf(
        program=program,
        funnel=dashboard.funnel,
        weeks=dashboard.weeks,
        health=dashboard.health,
        health_labels={k: str(v) for k, v in HEALTH_LABELS.items()},
        goals=dashboard.goals,
        surveys=dashboard.surveys,
        impact=report,
        generated_by=user.display_name,
    )
    file_name = f"{slugify(program.name) or 'program'}-report-{timezone.localdate()}.pdf"
    record_disclosure(
        actor=user, program=program, kind=Disclosure.Kind.REPORT, file_name=file_name, rows=0
    )
    return _download(content, file_name, "application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def program_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = selectors.program_for_insights(user, pk)
    mentors = (
        Participant.objects.filter(program=program, role__in=["mentor", "both"])
        .select_related("student__user")
        .order_by("student__user__given_name", "student__user__family_name")
    )
    form = ThankYouForm(request.POST or None, mentors=mentors)
    if request.method == "POST" and form.is_valid():
        try:
            thank_you_send(
                actor=user,
                program=program,
                mentor=form.cleaned_data["mentor"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your thank-you to %(name)s is on their recognition page.")
                % {"name": form.cleaned_data["mentor"].student.user.display_name},
            )
            return redirect("insights:thanks", pk=program.pk)
    sent = ThankYou.objects.filter(program=program).select_related(
        "mentor__student__user", "author"
    )[:20]
    hours = program_mentor_hours(program)
    return render(
        request,
        "insights/thanks.html",
        {"program": program, "form": form, "sent": sent, "hours": hours},
    )


# --- Leadership --------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    schools = selectors.insight_schools(request.user)
    organizations = selectors.insight_organizations(request.user)
    if not schools and not organizations:
        raise PermissionDenied(_("Only coordinators and administrators see outcomes."))
    return render(
        request, "insights/overview.html", {"schools": schools, "organizations": organizations}
    )


@login_required
def school_overview(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_for_insights(request.user, pk)
    rows = selectors.programs_overview(selectors.school_programs(school))
    return render(
        request,
        "insights/leadership.html",
        {
            "title": school.name,
            "school": school,
            "rows": rows,
            "charts": overview_charts(rows, by_school=False),
            "by_school": False,
        },
    )


@login_required
def organization_overview(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_for_insights(request.user, pk)
    rows = selectors.programs_overview(selectors.organization_programs(organization))
    return render(
        request,
        "insights/leadership.html",
        {
            "title": organization.name,
            "organization": organization,
            "rows": rows,
            "charts": overview_charts(rows, by_school=True),
            "by_school": True,
        },
    )


# --- Outcome import ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    school = selectors.school_for_insights(user, pk)
    terms = Term.objects.filter(organization_id=school.organization_id).order_by("-start_date")
    form = OutcomeUploadForm(request.POST or None, request.FILES or None, terms=terms)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = outcomes_import(
            actor=user,
            school=school,
            term=form.cleaned_data["term"],
            data=upload.read(),
            file_name=upload.name,
            dry_run=True,
            stage=True,
        )
        assert result.record is not None
        request.session[f"outcome-preview-{result.record.pk}"] = [
            vars(row) for row in result.preview
        ]
        return redirect("insights:outcomes-preview", pk=result.record.pk)
    imports = OutcomeImport.objects.filter(school=school).select_related("term", "actor")[:10]
    return render(
        request,
        "insights/outcomes_upload.html",
        {"school": school, "form": form, "imports": imports, "has_terms": terms.exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_preview(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    staged = get_object_or_404(OutcomeImport.objects.select_related("school", "term"), pk=pk)
    school = selectors.school_for_insights(user, staged.school_id)
    if request.method == "POST":
        if staged.status != OutcomeImport.Status.PREVIEWED:
            messages.error(request, _("This file was already imported or discarded."))
        elif request.POST.get("action") == "discard":
            outcome_import_discard(actor=user, staged=staged)
            messages.success(request, _("The file was discarded; nothing was imported."))
        else:
            result = outcome_import_confirm(actor=user, staged=staged)
            if result.report.ok:
                counts = result.report.counts.get("outcomes", {})
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {
                        "created": counts.get("created", 0),
                        "updated": counts.get("updated", 0),
                        "unchanged": counts.get("unchanged", 0),
                    },
                )
            else:
                messages.error(request, _("Nothing was imported: the file no longer checks out."))
        request.session.pop(f"outcome-preview-{staged.pk}", None)
        return redirect("insights:outcomes", pk=school.pk)
    preview = request.session.get(f"outcome-preview-{staged.pk}", [])
    return render(
        request,
        "insights/outcomes_preview.html",
        {"school": school, "staged": staged, "preview": preview},
    )


# --- Recognition ---------------------------------------------------------------------


@login_required
def recognition(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    terms, total = mentor_hours(user)
    return render(
        request,
        "insights/recognition.html",
        {
            "terms": terms,
            "total": total,
            "badges": mentor_badges(user),
            "thanks": thank_yous_for(user),
        },
    )


@login_required
def certificate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    terms, total = mentor_hours(user)
    if not terms:
        raise Http404(_("There are no mentoring hours to certify yet."))
    content = certificate_pdf(
        name=user.get_full_name(), terms=terms, total_hours=total, issued=timezone.localdate()
    )
    return _download(content, f"certificate-{slugify(user.get_full_name())}.pdf", "application/pdf")
