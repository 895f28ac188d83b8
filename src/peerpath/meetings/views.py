"""Meetings pages: sessions, logs and notes, goals, groups, calendars, hours, overviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm, Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.meetings import selectors, services
from peerpath.meetings.calendar import build_calendar
from peerpath.meetings.forms import (
    CancelForm,
    GoalForm,
    LogForm,
    MeetingSettingsForm,
    MilestoneForm,
    NoteForm,
    ProgressForm,
    RecordHeldForm,
    RescheduleForm,
    ScheduleForm,
)
from peerpath.meetings.models import Attendance, CalendarFeed, Goal, Milestone, Session
from peerpath.people.directory import peer_visible
from peerpath.programs.selectors import program_get_managed

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _split(sessions: list[Session]) -> tuple[list[Session], list[Session]]:
    now = timezone.now()
    upcoming = [s for s in sessions if s.ends_at > now and not s.is_cancelled]
    past = [s for s in sessions if s not in upcoming]
    past.reverse()
    return upcoming, past


# --- A pair's sessions ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def match_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The pair's sessions, and scheduling from times both are free."""
    user = _user(request)
    match, relation = selectors.match_get_for_meetings(user, pk)
    program = match.program
    tz = program.school.time_zone
    people = [match.mentor, match.mentee]
    suggestions = selectors.session_suggestions(
        participants=people, program=program, now=timezone.now()
    )
    form = ScheduleForm(
        request.POST if request.POST.get("action") == "schedule" else None,
        suggestions=suggestions,
        time_zone=tz,
        initial={"duration_minutes": program.session_minutes, "weeks": 1},
    )
    held_form = RecordHeldForm(
        request.POST if request.POST.get("action") == "record" else None,
        time_zone=tz,
        initial={"duration_minutes": program.session_minutes},
    )
    if request.method == "POST":
        if relation not in {"mentor", "mentee", "coordinator"}:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "schedule" and form.is_valid():
            data = form.cleaned_data
            try:
                created = services.session_schedule(
                    actor=user,
                    match=match,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                    online_url=data["online_url"],
                    weeks=data["weeks"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Scheduled. Everyone was told by e-mail.")
                    if len(created) == 1
                    else _("%(n)s weekly sessions scheduled. Everyone was told by e-mail.")
                    % {"n": len(created)},
                )
                return redirect("meetings:session", pk=created[0].pk)
        elif action == "record" and held_form.is_valid():
            data = held_form.cleaned_data
            try:
                session = services.session_record_held(
                    actor=user,
                    match=match,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                )
            except ValidationError as error:
                _apply_errors(held_form, error)
            else:
                messages.success(request, _("Recorded. Add a log of what you worked on."))
                return redirect("meetings:session", pk=session.pk)
        elif action not in {"schedule", "record"}:
            raise PermissionDenied
    upcoming, past = _split(list(selectors.sessions_for_match(match)))
    partner = match.mentee if relation == "mentor" else match.mentor
    return render(
        request,
        "meetings/match.html",
        {
            "match": match,
            "relation": relation,
            "partner": partner,
            "tz": tz,
            "form": form,
            "held_form": held_form,
            "suggestions": suggestions,
            "upcoming": upcoming,
            "past": past,
            "can_schedule": match.status == "active",
            "now_": timezone.now(),
        },
    )


# --- One session ----------------------------------------------------------------------


def _session_context(request: HttpRequest, session: Session, relation: str) -> dict[str, Any]:
    user = _user(request)
    tz = session.program.school.time_zone
    now = timezone.now()
    people = services.session_people(session)
    if relation == "member":
        # A group member does not see members who opted out of peer directories.
        people, _hidden = peer_visible(
            people, viewer_id=user.pk, profile_of=lambda p: p.participant.student
        )
    attendance = {a.participant_id: a for a in session.attendance.select_related("recorded_by")}
    started = session.starts_at <= now and not session.is_cancelled
    log = getattr(session, "log", None)
    is_side = relation in {"mentor", "mentee", "leader", "member"}
    return {
        "session": session,
        "relation": relation,
        "title": services.session_title(session),
        "tz": tz,
        "people": [(p, attendance.get(p.participant.pk)) for p in people],
        "partner": next((p for p in people if p.user.pk != user.pk), None)
        if session.match
        else None,
        "started": started,
        "upcoming": session.starts_at > now and not session.is_cancelled,
        "log": log,
        "notes": list(selectors.notes_visible(session, user))
        if is_side or relation == "coordinator"
        else [],
        "can_change": relation in {"mentor", "mentee", "leader", "coordinator"},
        "can_log": started and relation in {"mentor", "mentee", "leader"},
        "can_note": is_side,
        "log_form": LogForm(
            initial={
                "duration_minutes": log.duration_minutes if log else session.duration_minutes,
                "topics": log.topics if log else "",
                "went_well": log.went_well if log else "",
                "next_steps": log.next_steps if log else "",
            }
        ),
        "note_form": NoteForm(),
        "cancel_form": CancelForm(),
        "reschedule_form": RescheduleForm(time_zone=tz),
        "ATTENDED": Attendance.Status.PRESENT,
    }


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session, relation = selectors.session_get_for_user(_user(request), pk)
    return render(request, "meetings/session.html", _session_context(request, session, relation))


def _rerender(request: HttpRequest, session: Session, relation: str, **forms: Form) -> HttpResponse:
    context = _session_context(request, session, relation)
    context.update(forms)
    return render(request, "meetings/session.html", context, status=400)


@login_required
@require_POST
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session, relation = selectors.session_get_for_user(user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            cancelled = services.session_cancel(
                actor=user,
                session=session,
                reason=form.cleaned_data["reason"],
                whole_series=form.cleaned_data["whole_series"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Cancelled %(n)s session(s). Everyone was told by e-mail.")
                % {"n": len(cancelled)},
            )
            return redirect("meetings:session", pk=session.pk)
    return _rerender(request, session, relation, cancel_form=form)


@login_required
@require_POST
def session_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session, relation = selectors.session_get_for_user(user, pk)
    form = RescheduleForm(request.POST, time_zone=session.program.school.time_zone)
    if form.is_valid():
        try:
            services.session_reschedule(
                actor=user,
                session=session,
                starts_at=form.cleaned_data["starts_at"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Moved. Everyone was told by e-mail."))
            return redirect("meetings:session", pk=session.pk)
    return _rerender(request, session, relation, reschedule_form=form)


@login_required
@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session, _relation = selectors.session_get_for_user(user, pk)
    try:
        if session.group is not None:
            present = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
            services.group_attendance_record(actor=user, session=session, present=present)
        else:
            held = request.POST.get("outcome") == "held"
            services.attendance_confirm(actor=user, session=session, held=held)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Attendance saved."))
    return redirect("meetings:session", pk=session.pk)


@login_required
@require_POST
def session_log(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session, relation = selectors.session_get_for_user(user, pk)
    form = LogForm(request.POST)
    if form.is_valid():
        try:
            services.session_log_save(actor=user, session=session, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Session log saved."))
            return redirect("meetings:session", pk=session.pk)
    return _rerender(request, session, relation, log_form=form)


@login_required
@require_POST
def session_notes(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session, relation = selectors.session_get_for_user(user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.session_note_add(
                actor=user,
                session=session,
                body=form.cleaned_data["body"],
                private=form.cleaned_data["visibility"] == "private",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Note saved."))
            return redirect("meetings:session", pk=session.pk)
    return _rerender(request, session, relation, note_form=form)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session, _relation = selectors.session_get_for_user(_user(request), pk)
    return _ics_response(build_calendar([session]), f"peerpath-session-{session.pk}.ics")


# --- My sessions, hours, calendar feed ---------------------------------------------


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sessions = list(selectors.sessions_for_user(user))
    upcoming, past = _split(sessions)
    return render(
        request,
        "meetings/mine.html",
        {
            "upcoming": upcoming,
            "past": past[:30],
            "groups": list(selectors.groups_for_user(user)),
            "now_": timezone.now(),
        },
    )


@login_required
@require_GET
def my_hours(request: HttpRequest) -> HttpResponse:
    terms, total = selectors.mentor_hours_for_user(_user(request))
    return render(request, "meetings/hours.html", {"terms": terms, "total": total})


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=user)
            messages.success(request, _("Your calendar link is turned off; it no longer works."))
            return redirect("meetings:calendar")
        _feed, token = services.calendar_feed_create(actor=user)
        new_url = request.build_absolute_uri(reverse("meetings:feed", args=[token]))
    live = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
    return render(request, "meetings/calendar.html", {"feed": live, "new_url": new_url})


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the secret in the URL is the only key; a revoked one is 404."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=services.feed_digest(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    since = timezone.now() - dt.timedelta(days=90)
    sessions = selectors.sessions_for_user(feed.user).filter(starts_at__gte=since)
    body = build_calendar(sessions, name="Peerpath")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Goals ---------------------------------------------------------------------------


def _goals_context(match: Any, relation: str) -> dict[str, Any]:
    tz = match.program.school.time_zone
    sessions = list(
        selectors.sessions_for_match(match).filter(
            starts_at__lte=timezone.now(), status=Session.Status.SCHEDULED
        )
    )[-10:]
    goals = list(selectors.goals_for_match(match))
    return {
        "match": match,
        "relation": relation,
        "goals": goals,
        "tz": tz,
        "can_edit": relation in {"mentor", "mentee"} and match.status == "active",
        "statuses": Goal.Status.choices,
        "sessions": sessions,
    }


@login_required
@require_http_methods(["GET", "POST"])
def match_goals(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match, relation = selectors.match_get_for_meetings(user, pk)
    form = GoalForm(request.POST or None)
    if request.method == "POST":
        if relation not in {"mentor", "mentee"}:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.goal_create(
                    actor=user,
                    match=match,
                    what=form.cleaned_data["what"],
                    measure=form.cleaned_data["measure"],
                    due_on=form.cleaned_data["due_on"],
                    milestones=form.milestone_titles(),
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Goal added."))
                return redirect("meetings:goals", pk=match.pk)
    context = _goals_context(match, relation)
    context["form"] = form
    return render(request, "meetings/goals.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def goal_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress, milestones: a full page, or the goal's card when htmx asks."""
    user = _user(request)
    goal, relation = selectors.goal_get_for_user(user, pk)
    if relation not in {"mentor", "mentee"}:
        raise PermissionDenied
    match = goal.match
    context = _goals_context(match, relation)
    action = request.POST.get("action")
    error_text = ""
    try:
        if action == "progress":
            form = ProgressForm(request.POST, sessions=context["sessions"], time_zone=context["tz"])
            if form.is_valid():
                session_id = form.cleaned_data["session"]
                session = next((s for s in context["sessions"] if s.pk == session_id), None)
                services.goal_update_progress(
                    actor=user,
                    goal=goal,
                    progress=form.cleaned_data["progress"],
                    note=form.cleaned_data["note"],
                    session=session,
                    status=form.cleaned_data["status"] or None,
                )
            else:
                error_text = " ".join(str(e) for errs in form.errors.values() for e in errs)
        elif action in {"done", "undone"}:
            milestone_id = request.POST.get("milestone", "")
            milestone = (
                Milestone.objects.filter(goal=goal, pk=int(milestone_id)).first()
                if milestone_id.isdigit()
                else None
            )
            if milestone is None:
                raise Http404
            services.milestone_set_done(actor=user, milestone=milestone, done=action == "done")
        elif action == "milestone":
            milestone_form = MilestoneForm(request.POST)
            if milestone_form.is_valid():
                services.milestone_add(
                    actor=user, goal=goal, title=milestone_form.cleaned_data["title"]
                )
            else:
                error_text = _("Name the milestone.")
        else:
            raise PermissionDenied
    except ValidationError as error:
        error_text = " ".join(error.messages)
    if getattr(request, "htmx", False):
        context = _goals_context(match, relation)
        fresh = next(g for g in context["goals"] if g.pk == goal.pk)
        return render(
            request,
            "meetings/_goal.html",
            {**context, "goal": fresh, "error": error_text, "announce": not error_text},
        )
    if error_text:
        messages.error(request, error_text)
    else:
        messages.success(request, _("Goal updated."))
    return redirect("meetings:goals", pk=match.pk)


# --- Groups ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group, relation = selectors.group_get_for_user(user, pk)
    program = group.program
    tz = program.school.time_zone
    members = selectors.group_members(group)
    suggestions = selectors.session_suggestions(
        participants=[m.participant for m in members], program=program, now=timezone.now()
    )
    form = ScheduleForm(
        request.POST or None,
        suggestions=suggestions,
        time_zone=tz,
        initial={"duration_minutes": program.session_minutes, "weeks": 1},
    )
    if request.method == "POST":
        if relation not in {"leader", "coordinator"}:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.session_schedule(
                    actor=user,
                    group=group,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                    online_url=data["online_url"],
                    weeks=data["weeks"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Scheduled. Everyone was told by e-mail."))
                return redirect("meetings:session", pk=created[0].pk)
    upcoming, past = _split(list(selectors.sessions_for_group(group)))
    shown, hidden_members = (
        peer_visible(members, viewer_id=user.pk, profile_of=lambda m: m.participant.student)
        if relation == "member"
        else (members, 0)
    )
    return render(
        request,
        "meetings/group.html",
        {
            "group": group,
            "relation": relation,
            "members": shown,
            "hidden_members": hidden_members,
            "form": form,
            "suggestions": suggestions,
            "tz": tz,
            "upcoming": upcoming,
            "past": past,
            "can_schedule": relation in {"leader", "coordinator"} and group.status == "active",
            "now_": timezone.now(),
        },
    )


# --- Coordinator overviews ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def program_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    found = selectors.meeting_settings_for(program)
    form = MeetingSettingsForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_settings_update(actor=user, program=program, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Reminder settings saved."))
            return redirect("meetings:program-sessions", pk=program.pk)
    status = request.GET.get("status", "")
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    sessions, counts = selectors.program_sessions_page(
        program, status=status, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    has_next = len(sessions) > PAGE_SIZE
    return render(
        request,
        "meetings/program_sessions.html",
        {
            "program": program,
            "sessions": sessions[:PAGE_SIZE],
            "counts": counts,
            "status": status,
            "page": page,
            "has_next": has_next,
            "form": form,
            "tz": program.school.time_zone,
            "statuses": Session.Status.choices,
            "section": "sessions",
        },
    )


@login_required
@require_GET
def program_goals(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_managed(_user(request), pk)
    rows = selectors.program_goal_rows(program)
    return render(
        request,
        "meetings/program_goals.html",
        {
            "program": program,
            "rows": rows,
            "summary": selectors.goal_progress_summary(rows),
            "section": "goals",
        },
    )


@login_required
@require_GET
def program_hours(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_managed(_user(request), pk)
    rows = selectors.program_mentor_hours(program)
    return render(
        request,
        "meetings/program_hours.html",
        {
            "program": program,
            "rows": rows,
            "term_total": round(sum(r.term_minutes for r in rows) / 60, 1),
            "section": "hours",
        },
    )
