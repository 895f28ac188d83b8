"""Messages between a match's members, holding for minors, moderation, and who sees what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from messaging_testlib import build_school, give_consent, years_ago

from factories import PASSWORD, make_coordinator, make_staff
from peerpath.core.models import AuditEntry, Role
from peerpath.matching.services import match_close
from peerpath.messaging.models import Message, ModerationTerm
from peerpath.messaging.selectors import thread_access, thread_messages
from peerpath.messaging.services import (
    message_reject,
    message_release,
    message_send,
    moderation_term_add,
    moderation_term_remove,
)
from peerpath.recruitment.models import GuardianConsent
from peerpath.recruitment.services import consent_withdraw

PHONE_MESSAGE = "text me at 555-123-4567 after school"


def send(birch, author, body, match=None, capture=None):
    match = match or birch.minor_match
    if capture is None:
        return message_send(actor=author, match=match, body=body)
    with capture(execute=True):
        return message_send(actor=author, match=match, body=body)


def visible_to(user, match):
    return [m.body for m in thread_messages(thread_access(user, match.pk), user)]


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def thread_url(match):
    return reverse("messaging:thread", args=[match.pk])


# --- Sending and holding ----------------------------------------------------------------------


def test_harmless_message_to_a_minor_is_delivered_and_the_recipient_told(
    birch, django_capture_on_commit_callbacks
):
    message = send(
        birch, birch.ada, "See you at 3:30 in room 204", capture=django_capture_on_commit_callbacks
    )
    assert message.status == "delivered"
    assert message.delivered_at is not None
    assert message.findings == []
    assert visible_to(birch.dee, birch.minor_match) == ["See you at 3:30 in room 204"]
    [email] = mail.outbox
    assert email.to == [birch.dee.email]
    assert email.subject == "Ada sent you a message in Peerpath"
    assert "room 204" not in email.body  # the text stays inside Peerpath
    assert thread_url(birch.minor_match) in email.body


def test_contact_details_to_a_minor_are_held_and_only_the_school_leads_told(
    birch, django_capture_on_commit_callbacks
):
    message = send(birch, birch.ada, PHONE_MESSAGE, capture=django_capture_on_commit_callbacks)
    assert message.status == "held"
    assert message.delivered_at is None
    assert message.findings == [{"kind": "phone", "start": 11, "end": 23}]
    [email] = mail.outbox
    assert email.to == ["lead@birch.test"]
    assert email.subject == "A message in Birch Tutoring is held for review"
    assert "555" not in email.body
    entry = AuditEntry.objects.get(action="message.send", target_id=str(message.pk))
    assert entry.after == {"match": birch.minor_match.pk, "status": "held", "found": ["phone"]}
    assert "555" not in str(entry.before) + str(entry.after)


def test_a_minor_sending_contact_details_is_held_too(birch):
    assert send(birch, birch.dee, "my snap is dee_2010").status == "held"


def test_a_held_message_is_not_visible_to_the_recipient(birch, client):
    send(birch, birch.ada, PHONE_MESSAGE)
    assert visible_to(birch.dee, birch.minor_match) == []
    assert visible_to(birch.ada, birch.minor_match) == [PHONE_MESSAGE]
    page = login(client, birch.dee).get(thread_url(birch.minor_match))
    assert page.status_code == 200
    assert "555-123-4567" not in page.text
    assert "Held for review" not in page.text


def test_the_author_sees_held_for_review(birch, client):
    send(birch, birch.ada, PHONE_MESSAGE)
    page = login(client, birch.ada).get(thread_url(birch.minor_match))
    assert "555-123-4567" in page.text
    assert "Held for review" in page.text


def test_between_adults_contact_details_are_delivered(birch):
    message = send(birch, birch.ben, PHONE_MESSAGE, match=birch.adult_match)
    assert message.status == "delivered"
    assert message.findings == [{"kind": "phone", "start": 11, "end": 23}]
    assert visible_to(birch.eve, birch.adult_match) == [PHONE_MESSAGE]


def test_a_word_from_the_programs_list_holds_a_minors_message(birch):
    moderation_term_add(actor=birch.coordinator, program=birch.program, term="  Home   ALONE ")
    assert ModerationTerm.objects.get().term == "home alone"
    message = send(birch, birch.ada, "are you h0me alone tonight?")
    assert message.status == "held"
    assert message.finding_kinds == ["term"]
    assert send(birch, birch.ada, "home work first").status == "delivered"


def test_empty_and_overlong_messages_are_refused(birch):
    with pytest.raises(ValidationError):
        send(birch, birch.ada, "   ")
    with pytest.raises(ValidationError):
        send(birch, birch.ada, "x" * 2001)
    assert not Message.objects.exists()


def test_minors_without_consent_cannot_message_or_be_messaged(birch, client):
    consent = GuardianConsent.objects.get(participant=birch.minor_match.mentee, status="given")
    consent_withdraw(consent=consent, actor=None)
    with pytest.raises(PermissionDenied, match="Your partner can receive messages once"):
        send(birch, birch.ada, "hi")
    with pytest.raises(PermissionDenied, match="You can send messages once a guardian"):
        send(birch, birch.dee, "hi")
    page = login(client, birch.dee).get(thread_url(birch.minor_match))
    assert "You can send messages once a guardian has given consent." in page.text
    assert 'name="body"' not in page.text
    response = client.post(thread_url(birch.minor_match), {"body": "hi"})
    assert response.status_code == 200
    assert "You can send messages once a guardian has given consent." in response.text
    assert not Message.objects.exists()
    assert not AuditEntry.objects.filter(action="message.send").exists()


def test_a_closed_match_can_be_read_but_not_written(birch):
    send(birch, birch.ada, "Good luck on the final!")
    match_close(actor=birch.coordinator, match=birch.minor_match, reason="term_ended", note="")
    with pytest.raises(PermissionDenied, match="closed"):
        send(birch, birch.ada, "one more thing")
    assert visible_to(birch.dee, birch.minor_match) == ["Good luck on the final!"]


def test_a_minor_of_unknown_age_counts_as_a_minor(birch):
    mentee = birch.adult_match.mentee.student
    mentee.birth_date = None
    mentee.age_band = ""
    mentee.save(update_fields=["birth_date", "age_band"])
    # Unknown age needs consent in this program; give it so that Eve may still write.
    give_consent(birch.adult_match.mentee, birch.guardian)
    assert send(birch, birch.ben, PHONE_MESSAGE, match=birch.adult_match).status == "held"
    mentee.birth_date = years_ago(30)
    mentee.save(update_fields=["birth_date"])
    assert send(birch, birch.ben, PHONE_MESSAGE, match=birch.adult_match).status == "delivered"


# --- Who sees a thread ------------------------------------------------------------------------


def test_another_pairs_member_gets_404(birch, client):
    send(birch, birch.ada, "hello Dee")
    login(client, birch.eve)
    assert client.get(thread_url(birch.minor_match)).status_code == 404
    assert client.post(thread_url(birch.minor_match), {"body": "hi"}).status_code == 404
    assert Message.objects.count() == 1
    with pytest.raises(PermissionDenied):
        send(birch, birch.eve, "hi")


def test_a_coordinator_reads_delivered_messages_only_and_the_read_is_audited(birch, client):
    send(birch, birch.ada, "See you Tuesday")
    send(birch, birch.ada, PHONE_MESSAGE)
    login(client, birch.coordinator)
    page = client.get(thread_url(birch.minor_match))
    assert page.status_code == 200
    assert "See you Tuesday" in page.text
    assert "555-123-4567" not in page.text
    assert AuditEntry.objects.filter(
        action="message.thread_view",
        actor=birch.coordinator,
        target_id=str(birch.minor_match.pk),
    ).exists()
    assert client.post(thread_url(birch.minor_match), {"body": "hi"}).status_code == 403
    assert Message.objects.count() == 2


def test_a_safeguarding_lead_who_is_not_a_coordinator_cannot_open_the_thread(birch, client):
    login(client, birch.lead)
    assert client.get(thread_url(birch.minor_match)).status_code == 404


def test_inbox_lists_the_users_threads(birch, client):
    send(birch, birch.ada, "hello Dee")
    page = login(client, birch.dee).get(reverse("messaging:inbox"))
    assert "hello Dee" in page.text
    assert thread_url(birch.minor_match) in page.text
    assert thread_url(birch.adult_match) not in page.text


def test_message_text_is_escaped(birch, client):
    send(birch, birch.ada, "<script>alert(1)</script>")
    page = login(client, birch.dee).get(thread_url(birch.minor_match))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# --- Posting over HTTP ------------------------------------------------------------------------


def test_posting_with_htmx_returns_the_thread_with_held_for_review(birch, client):
    login(client, birch.ada)
    response = client.post(
        thread_url(birch.minor_match), {"body": PHONE_MESSAGE}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert '<div id="thread-body">' in response.text
    assert "Held for review" in response.text
    assert 'hx-swap-oob="innerHTML"' in response.text
    assert "Your message is held for review" in response.text
    assert "<html" not in response.text
    assert Message.objects.get().status == "held"


def test_posting_without_javascript_redirects_back(birch, client):
    login(client, birch.ada)
    response = client.post(thread_url(birch.minor_match), {"body": "hello"}, follow=True)
    assert response.redirect_chain == [(thread_url(birch.minor_match), 302)]
    assert "Sent." in response.text
    assert Message.objects.get().body == "hello"


def test_polling_returns_only_the_list(birch, client):
    send(birch, birch.ada, "hello Dee")
    login(client, birch.dee)
    response = client.get(thread_url(birch.minor_match) + "?list=1", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<ol id="message-list"')
    assert "hello Dee" in response.text


# --- Moderation -------------------------------------------------------------------------------


def test_the_lead_releases_a_held_message_and_the_recipient_then_sees_it(
    birch, client, django_capture_on_commit_callbacks
):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    login(client, birch.lead)
    queue = client.get(reverse("messaging:queue"))
    assert "<mark>555-123-4567</mark>" in queue.text
    assert "From Ada" in queue.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("messaging:moderate", args=[message.pk]), {"action": "release"}
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.moderated_by == birch.lead
    assert message.delivered_at is not None
    assert visible_to(birch.dee, birch.minor_match) == [PHONE_MESSAGE]
    [email] = mail.outbox
    assert email.to == [birch.dee.email]
    entry = AuditEntry.objects.get(action="message.release")
    assert (entry.actor, entry.before, entry.after) == (
        birch.lead,
        {"status": "held"},
        {"status": "delivered"},
    )


def test_the_lead_rejects_with_a_reason_and_the_author_is_told(
    birch, client, django_capture_on_commit_callbacks
):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    with django_capture_on_commit_callbacks(execute=True):
        message_reject(actor=birch.lead, message=message, reason="Please keep to Peerpath.")
    message.refresh_from_db()
    assert message.status == "rejected"
    assert message.rejection_reason == "Please keep to Peerpath."
    [email] = mail.outbox
    assert email.to == [birch.ada.email]
    assert email.subject == "Your message in Birch Tutoring was not delivered"
    assert "Please keep to Peerpath." in email.body
    assert visible_to(birch.dee, birch.minor_match) == []
    page = login(client, birch.ada).get(thread_url(birch.minor_match))
    assert "Not delivered." in page.text
    assert "Please keep to Peerpath." in page.text
    entry = AuditEntry.objects.get(action="message.reject")
    assert entry.after == {"status": "rejected", "reason": "Please keep to Peerpath."}


def test_rejecting_needs_a_reason_and_nothing_changes_without_one(birch, client):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    with pytest.raises(ValidationError):
        message_reject(actor=birch.lead, message=message, reason="  ")
    login(client, birch.lead)
    response = client.post(
        reverse("messaging:moderate", args=[message.pk]),
        {"action": "reject", "reason": ""},
        follow=True,
    )
    assert "Say why the message is not delivered." in response.text
    message.refresh_from_db()
    assert message.status == "held"
    assert not AuditEntry.objects.filter(action__in=["message.reject", "message.release"]).exists()


def test_a_message_is_moderated_once(birch):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    message_release(actor=birch.lead, message=message)
    with pytest.raises(ValidationError, match="already been moderated"):
        message_reject(actor=birch.lead, message=message, reason="too late")
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_held_message_is_not_released_once_consent_is_withdrawn(birch, client):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    consent = GuardianConsent.objects.get(participant=birch.minor_match.mentee, status="given")
    consent_withdraw(consent=consent, actor=None)
    login(client, birch.lead)
    response = client.post(
        reverse("messaging:moderate", args=[message.pk]), {"action": "release"}, follow=True
    )
    assert "consent is missing now" in response.text
    message.refresh_from_db()
    assert message.status == "held"
    assert visible_to(birch.dee, birch.minor_match) == []
    message_reject(actor=birch.lead, message=message, reason="Consent was withdrawn.")
    message.refresh_from_db()
    assert message.status == "rejected"


def test_a_coordinator_without_the_safeguarding_role_cannot_moderate(birch, client):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    with pytest.raises(PermissionDenied):
        message_release(actor=birch.coordinator, message=message)
    login(client, birch.coordinator)
    assert client.get(reverse("messaging:queue")).status_code == 403
    url = reverse("messaging:moderate", args=[message.pk])
    assert client.post(url, {"action": "release"}).status_code == 403
    assert client.post(url, {"action": "reject", "reason": "no"}).status_code == 403
    message.refresh_from_db()
    assert (message.status, message.moderated_by, message.delivered_at) == ("held", None, None)
    assert not AuditEntry.objects.filter(action__in=["message.reject", "message.release"]).exists()
    assert visible_to(birch.dee, birch.minor_match) == []


def test_another_schools_safeguarding_lead_sees_nothing(birch, client):
    message = send(birch, birch.ada, PHONE_MESSAGE)
    login(client, birch.other_lead)
    queue = client.get(reverse("messaging:queue"))
    assert queue.status_code == 200
    assert "555-123-4567" not in queue.text
    assert "No message is waiting for review." in queue.text
    url = reverse("messaging:moderate", args=[message.pk])
    assert client.post(url, {"action": "release"}).status_code == 404
    with pytest.raises(PermissionDenied):
        message_release(actor=birch.other_lead, message=message)
    message.refresh_from_db()
    assert message.status == "held"


def test_a_student_cannot_open_the_queue(birch, client):
    login(client, birch.ada)
    assert client.get(reverse("messaging:queue")).status_code == 403


def test_without_a_safeguarding_lead_the_coordinators_are_warned(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school = build_school("oak")
    school.lead.role_assignments.all().delete()
    send(school, school.ada, PHONE_MESSAGE, capture=django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert email.to == ["coord@oak.test"]
    assert "has no safeguarding lead" in email.body


def test_a_held_message_reaches_each_lead_in_the_language_they_read(
    birch, django_capture_on_commit_callbacks
):
    birch.lead.preferred_language = "es"
    birch.lead.save(update_fields=["preferred_language"])
    make_staff(birch.school, role=Role.SAFEGUARDING_LEAD, email="second@birch.test")  # English
    with translation.override("es"):  # the author writes in Spanish; neither lead reads it for that
        send(birch, birch.ada, PHONE_MESSAGE, capture=django_capture_on_commit_callbacks)
    assert {tuple(m.to): m.subject for m in mail.outbox} == {
        ("lead@birch.test",): "Un mensaje en Birch Tutoring está retenido para revisión",
        ("second@birch.test",): "A message in Birch Tutoring is held for review",
    }


def test_without_a_lead_each_coordinator_is_warned_in_the_language_they_read(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school = build_school("oak")
    school.lead.role_assignments.all().delete()
    school.coordinator.preferred_language = "es"
    school.coordinator.save(update_fields=["preferred_language"])
    make_coordinator(school.school, email="second@oak.test")  # reads English
    send(school, school.ada, PHONE_MESSAGE, capture=django_capture_on_commit_callbacks)
    bodies = {tuple(m.to): m.body for m in mail.outbox}
    assert bodies.keys() == {("coord@oak.test",), ("second@oak.test",)}
    assert "no tiene en Peerpath ningún responsable de protección" in bodies["coord@oak.test",]
    assert "has no safeguarding lead" in bodies["second@oak.test",]


# --- The program's word list ------------------------------------------------------------------


def test_coordinators_and_leads_edit_the_word_list_and_it_is_audited(birch, client):
    url = reverse("messaging:terms", args=[birch.program.pk])
    login(client, birch.coordinator)
    assert client.post(url, {"action": "add", "term": "Vape"}).status_code == 302
    response = client.post(url, {"action": "add", "term": "vape"})
    assert "“vape” is already on the list." in response.text
    client.logout()
    login(client, birch.lead)
    client.post(url, {"action": "add", "term": "secret"})
    assert sorted(ModerationTerm.objects.values_list("term", flat=True)) == ["secret", "vape"]
    entry = ModerationTerm.objects.get(term="vape")
    client.post(url, {"action": "remove", "term": entry.pk})
    assert list(ModerationTerm.objects.values_list("term", flat=True)) == ["secret"]
    assert list(
        AuditEntry.objects.filter(action__startswith="message.term")
        .order_by("created_at", "pk")
        .values_list("action", "actor__email")
    ) == [
        ("message.term_add", "coord@birch.test"),
        ("message.term_add", "lead@birch.test"),
        ("message.term_remove", "lead@birch.test"),
    ]


def test_students_and_other_schools_cannot_edit_the_word_list(birch, client):
    entry = moderation_term_add(actor=birch.lead, program=birch.program, term="secret")
    url = reverse("messaging:terms", args=[birch.program.pk])
    login(client, birch.dee)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "remove", "term": entry.pk}).status_code == 403
    client.logout()
    elm_coordinator = make_coordinator(birch.other_lead.role_assignments.get().school)
    login(client, elm_coordinator)
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        moderation_term_remove(actor=birch.dee, entry=entry)
    with pytest.raises(PermissionDenied):
        moderation_term_add(actor=birch.other_lead, program=birch.program, term="alone")
    assert list(ModerationTerm.objects.values_list("term", flat=True)) == ["secret"]


def test_pages_render_for_everyone_who_may_see_them(birch, client):
    send(birch, birch.ada, PHONE_MESSAGE)
    login(client, birch.lead)
    assert client.get(reverse("messaging:terms", args=[birch.program.pk])).status_code == 200
    client.logout()
    login(client, birch.dee)
    assert client.get(reverse("messaging:inbox")).status_code == 200
