"""
Training pages: a student's own training, the module reader and quiz, and a
coordinator's training page for each program they run.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from peerpath.core.models import User
from peerpath.programs.selectors import program_get_managed, program_list_managed
from peerpath.training.content import render_markdown
from peerpath.training.forms import QuizForm, RequirementsForm
from peerpath.training.models import Audience, ModuleProgress, TrainingModule
from peerpath.training.selectors import (
    ModuleState,
    module_get_for_user,
    module_questions,
    modules_available,
    program_requirements,
    program_training_progress,
    progress_for,
    required_roles,
    student_participations,
    student_profile_for,
    training_statuses,
)
from peerpath.training.services import (
    QuizResult,
    module_complete,
    module_start,
    program_requirements_set,
    quiz_submit,
    training_reminders_send,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    """A student's training: what each of their programs requires, then other modules."""
    user = _user(request)
    student = student_profile_for(user)
    if student is None:
        programs = list(program_list_managed(user).order_by("school__name", "name"))
        return render(request, "training/staff_index.html", {"programs": programs})
    participations = student_participations(student)
    statuses = training_statuses(participations)
    rows = [(p, statuses[p.pk]) for p in participations]
    required_ids = {state.module.pk for s in statuses.values() for state in s.modules}
    audiences = {Audience.ALL.value}
    for participant in participations:
        audiences.update(required_roles(participant.role))
    available = modules_available(student.school.organization_id)
    if participations:
        available = available.filter(audience__in=audiences)
    others = [m for m in available if m.pk not in required_ids]
    progress = progress_for(student, others)
    other_states = [ModuleState(module=m, progress=progress.get(m.pk)) for m in others]
    return render(
        request,
        "training/my_training.html",
        {"rows": rows, "other_states": other_states, "student": student},
    )


def _module_context(
    module: TrainingModule,
    progress: ModuleProgress | None,
    form: QuizForm | None,
    result: QuizResult | None = None,
    *,
    can_take: bool,
) -> dict[str, object]:
    return {
        "module": module,
        "content_html": render_markdown(module.content),
        "progress": progress,
        "form": form,
        "result": result,
        "can_take": can_take,
        "has_quiz": form is not None,
    }


@login_required
def module_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Read a module and take its quiz.

    Opening a module records when a student first started it (an idempotent
    write, like a read receipt). Staff can preview modules but not take quizzes.
    """
    user = _user(request)
    module = module_get_for_user(user, pk)
    student = student_profile_for(user)
    progress = module_start(actor=user, student=student, module=module) if student else None
    questions = module_questions(module)
    form = QuizForm(questions=questions) if questions else None
    return render(
        request,
        "training/module.html",
        _module_context(module, progress, form, can_take=student is not None),
    )


@login_required
@require_POST
def module_quiz(request: HttpRequest, pk: int) -> HttpResponse:
    """Score a quiz attempt and show the result with every question's explanation."""
    user = _user(request)
    module = module_get_for_user(user, pk)
    student = student_profile_for(user)
    if student is None:
        raise PermissionDenied(_("Only students take training quizzes."))
    questions = module_questions(module)
    form = QuizForm(request.POST, questions=questions)
    result = None
    if form.is_valid():
        try:
            result = quiz_submit(actor=user, student=student, module=module, answers=form.answers())
        except ValidationError as error:
            form.add_error(None, error)
    progress = result.progress if result else progress_for(student, [module]).get(module.pk)
    if result is not None:
        form = QuizForm(questions=questions)
    context = _module_context(module, progress, form, result, can_take=True)
    template = "training/_quiz.html" if getattr(request, "htmx", False) else "training/module.html"
    return render(request, template, context)


@login_required
@require_POST
def module_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a module without a quiz as read."""
    user = _user(request)
    module = module_get_for_user(user, pk)
    student = student_profile_for(user)
    if student is None:
        raise PermissionDenied(_("Only students complete training modules."))
    try:
        module_complete(actor=user, student=student, module=module)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(title)s” is completed.") % {"title": module.title})
    return redirect("training:module", pk=module.pk)


@login_required
def program_training(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator's view of a program's training: requirements, progress, reminders."""
    user = _user(request)
    program = program_get_managed(user, pk)
    statuses = program_training_progress(user=user, program=program)
    current = program_requirements(program)
    form = RequirementsForm(
        modules=modules_available(program.school.organization_id), current=current
    )
    return render(
        request,
        "training/program_training.html",
        {
            "program": program,
            "form": form,
            "statuses": statuses,
            "current": current,
            "mentor_minutes_required": sum(m.estimated_minutes for m in current["mentor"]),
            "incomplete": sum(not s.complete for s in statuses),
        },
    )


@login_required
@require_POST
def program_requirements_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    form = RequirementsForm(
        request.POST,
        modules=modules_available(program.school.organization_id),
        current=program_requirements(program),
    )
    if form.is_valid():
        try:
            program_requirements_set(actor=user, program=program, required=form.required_modules())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The required modules were saved."))
    else:
        messages.error(request, _("A chosen module is not offered to this program."))
    return redirect("training:program", pk=program.pk)


@login_required
@require_POST
def program_reminders_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    sent = training_reminders_send(actor=user, program=program)
    if sent:
        messages.success(
            request,
            ngettext(
                "A reminder was sent to %(count)d participant.",
                "Reminders were sent to %(count)d participants.",
                sent,
            )
            % {"count": sent},
        )
    else:
        messages.success(request, _("Everyone has completed their training; nothing was sent."))
    return redirect("training:program", pk=program.pk)
