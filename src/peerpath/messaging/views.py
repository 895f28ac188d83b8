"""Message pages: a match's thread, a group's board, the user's threads, moderation, the word list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.messaging import selectors
from peerpath.messaging.detector import EMAIL, HANDLE, PHONE, TERM, URL
from peerpath.messaging.forms import MessageForm, RejectForm, TermForm
from peerpath.messaging.models import Message, ModerationTerm
from peerpath.messaging.rules import (
    group_involves_minor,
    involves_minor,
    member_participant,
    partner_of,
)
from peerpath.messaging.services import (
    message_reject,
    message_release,
    message_send,
    moderation_term_add,
    moderation_term_remove,
    thread_record_staff_read,
)
from peerpath.programs.models import Program

KIND_LABELS = {
    PHONE: gettext_lazy("phone number"),
    EMAIL: gettext_lazy("e-mail address"),
    HANDLE: gettext_lazy("social media"),
    URL: gettext_lazy("link"),
    TERM: gettext_lazy("listed word"),
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "messaging/inbox.html",
        {"rows": selectors.inbox(user), "boards": selectors.board_inbox(user)},
    )


def _conversation(
    request: HttpRequest,
    user: User,
    access: selectors.ThreadAccess | selectors.BoardAccess,
    *,
    target: dict[str, Any],
    url: str,
    thread_messages: object,
    moderated: bool,
    template: str,
    not_member: str,
) -> HttpResponse:
    """
    A pair's thread or a group's board: members write, staff who may read it read
    (and the reading is recorded); htmx gets the list or the thread body alone.
    """
    form = MessageForm(request.POST or None)
    sent_status = ""
    if request.method == "POST":
        if not access.is_member:
            raise PermissionDenied(not_member)
        if form.is_valid():
            try:
                sent = message_send(actor=user, body=form.cleaned_data["body"], **target)
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                sent_status = (
                    _(
                        "Your message is held for review: a safeguarding lead checks it "
                        "before it is delivered."
                    )
                    if sent.status == Message.Status.HELD
                    else _("Sent.")
                )
                if not _is_htmx(request):
                    messages.success(request, sent_status)
                    return redirect(url)
                form = MessageForm()
    elif not access.is_member:
        thread_record_staff_read(actor=user, **target)
    context = {
        "access": access,
        **target,
        "thread_url": url,
        "form": form,
        "thread_messages": thread_messages,
        "sent_status": sent_status,
        "after_send": request.method == "POST",
        "moderated": moderated,
    }
    if _is_htmx(request) and request.method == "GET" and request.GET.get("list"):
        return render(request, "messaging/_message_list.html", context)
    if _is_htmx(request) and request.method == "POST":
        return render(request, "messaging/_thread_body.html", context)
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    access = selectors.thread_access(user, pk)
    return _conversation(
        request,
        user,
        access,
        target={"match": access.match},
        url=reverse("messaging:thread", args=[access.match.pk]),
        thread_messages=selectors.thread_messages(access, user),
        moderated=involves_minor(access.match),
        template="messaging/thread.html",
        not_member=_("Only the two members of a match can write in its thread."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_board(request: HttpRequest, pk: int) -> HttpResponse:
    """A group's message board: its members write; the program's coordinators read."""
    user = _user(request)
    access = selectors.board_access(user, pk)
    return _conversation(
        request,
        user,
        access,
        target={"group": access.group},
        url=reverse("messaging:group-board", args=[access.group.pk]),
        thread_messages=selectors.board_messages(access, user),
        moderated=group_involves_minor(access.group),
        template="messaging/group_board.html",
        not_member=_("Only the members of a group can write on its board."),
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    held = selectors.held_messages(user)
    items = []
    for message in held:
        match = message.thread.match
        author = message.author
        recipient = None
        if match is not None and author is not None:
            side = member_participant(match, author)
            recipient = partner_of(match, side).student.user if side is not None else None
        items.append(
            {
                "message": message,
                "recipient": recipient,
                "segments": selectors.body_segments(message),
                "found": [KIND_LABELS.get(k, k) for k in message.finding_kinds],
                "context": selectors.context_before(message),
            }
        )
    programs = Program.objects.filter(
        school_id__in=selectors.moderated_school_ids(user)
    ).select_related("school")
    return render(
        request,
        "messaging/queue.html",
        {
            "items": items,
            "recent": selectors.recently_moderated(user),
            "programs": programs,
            "kind_labels": KIND_LABELS,
            "reject_form": RejectForm(),
        },
    )


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    message = selectors.message_for_moderation(user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "release":
            message_release(actor=user, message=message)
            messages.success(request, _("The message was delivered."))
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(list(form.errors["reason"]))
            message_reject(actor=user, message=message, reason=form.cleaned_data["reason"])
            messages.success(request, _("The message was not delivered; its author was told."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("messaging:queue")


@login_required
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = selectors.terms_program(user, pk)
    form = TermForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "add":
            if form.is_valid():
                try:
                    entry = moderation_term_add(
                        actor=user, program=program, term=form.cleaned_data["term"]
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("“%(term)s” was added.") % {"term": entry.term})
                    return redirect("messaging:terms", pk=program.pk)
        elif action == "remove":
            term_id = request.POST.get("term", "")
            entry = get_object_or_404(
                ModerationTerm, pk=int(term_id) if term_id.isdigit() else 0, program=program
            )
            moderation_term_remove(actor=user, entry=entry)
            messages.success(request, _("“%(term)s” was removed.") % {"term": entry.term})
            return redirect("messaging:terms", pk=program.pk)
        else:
            raise Http404
    return render(
        request,
        "messaging/terms.html",
        {"program": program, "terms": selectors.terms_of(program), "form": form},
    )
