from __future__ import annotations

import io
from importlib import import_module

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from privacy_testlib import GUARDIAN_EMAIL, PERSON_EMAIL, find_everywhere

from peerpath.core.models import AuditEntry, User
from peerpath.meetings.models import CalendarFeed, Session, SessionNote
from peerpath.messaging.models import Message
from peerpath.privacy.services import person_erase
from peerpath.recruitment.models import Application, GuardianConsent
from peerpath.support.models import CheckInResponse, Concern


def web_sessions() -> list[dict]:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model = store.get_model_class()
    return [store().decode(s.session_data) for s in model.objects.all()]


def test_after_erasure_no_text_column_of_any_table_holds_the_name_or_email(world):
    needles = ("Zephyrine", "Quillfeather", PERSON_EMAIL)
    assert len(find_everywhere(*needles)) >= 15  # the scan does find them before
    audit_before = set(AuditEntry.objects.values_list("pk", flat=True))
    sessions_before = Session.objects.count()

    report = person_erase(actor=world.admin, person=world.person)

    assert find_everywhere(*needles) == []
    person = User.objects.get(pk=world.person.pk)
    assert person.display_name == report.pseudonym
    assert person.email == report.email
    assert not person.is_active
    assert not person.has_usable_password()
    # Audit entries are kept (and one more says what happened), under the pseudonym.
    assert audit_before < set(AuditEntry.objects.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(actor=person).exists()
    erase_entry = AuditEntry.objects.get(action="privacy.erase")
    assert erase_entry.actor == world.admin
    assert erase_entry.after["pseudonym"] == report.pseudonym
    # What they wrote is blank; the partner's shared record stays, with the name replaced.
    assert set(Message.objects.filter(author=person).values_list("body", flat=True)) == {""}
    partner_message = Message.objects.get(author=world.partner)
    assert partner_message.body == f"Hello {report.pseudonym}, see you Tuesday"
    assert SessionNote.objects.get(author=world.partner).body == "ottoline-private-note"
    assert not SessionNote.objects.filter(author=person).exclude(body="").exists()
    assert Session.objects.count() == sessions_before
    assert Application.objects.get(participant=world.mentee).motivation == ""
    assert Concern.objects.get(raised_by=person).description == ""
    mine = CheckInResponse.objects.get(participant=world.mentee)
    assert mine.custom_answers == {}
    assert mine.answers == {}
    assert mine.scores
    profile = person.student_profile
    assert profile.birth_date is None
    assert profile.interests == []
    assert profile.background == {}
    assert profile.directory_opt_out
    # Logged out everywhere; the calendar feed no longer works.
    assert not CalendarFeed.objects.filter(user=person).exists()
    assert not [s for s in web_sessions() if s.get("_auth_user_id") == str(person.pk)]
    # Other people keep their names.
    assert User.objects.get(pk=world.partner.pk).given_name == "Ottoline"


def test_erasure_is_refused_twice_and_for_oneself(world):
    with pytest.raises(ValidationError):
        person_erase(actor=world.admin, person=world.admin)
    person_erase(actor=world.admin, person=world.person)
    with pytest.raises(ValidationError):
        person_erase(actor=world.admin, person=User.objects.get(pk=world.person.pk))


def test_erasure_is_one_transaction(world, monkeypatch):
    from peerpath.privacy import erasure

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "_scrub", fail)
    with pytest.raises(RuntimeError):
        person_erase(actor=world.admin, person=world.person)
    person = User.objects.get(pk=world.person.pk)
    assert person.email == PERSON_EMAIL
    assert person.is_active
    assert Message.objects.filter(author=person).exclude(body="").count() == 1
    assert CalendarFeed.objects.filter(user=person).exists()


def test_erase_command(world):
    out = io.StringIO()
    call_command("erase_person", email=PERSON_EMAIL, yes=True, stdout=out)
    assert "Erased: now Erased person" in out.getvalue()
    assert not User.objects.filter(email=PERSON_EMAIL).exists()


def test_erasing_a_guardian_removes_their_address_from_the_childs_consent(world):
    person_erase(actor=world.admin, person=world.guardian)
    assert find_everywhere("Okonkwo", GUARDIAN_EMAIL) == []
    consent = GuardianConsent.objects.get(participant=world.mentee)
    assert consent.guardian_email.endswith("@erased.invalid")
    assert consent.status == GuardianConsent.Status.GIVEN  # the consent itself still counts
    assert User.objects.get(pk=world.person.pk).given_name == "Zephyrine"


def test_erasing_a_coordinator_keeps_their_programs_and_what_they_recorded(world):
    coordinator = world.coordinator
    full_name = coordinator.get_full_name()
    recorded = AuditEntry.objects.filter(actor=coordinator).count()
    person_erase(actor=world.admin, person=coordinator)
    assert find_everywhere("coord@birch-privacy.test", full_name) == []
    coordinator.refresh_from_db()
    assert not coordinator.role_assignments.exists()
    assert AuditEntry.objects.filter(actor=coordinator).count() == recorded
    world.program.refresh_from_db()
    assert world.program.created_by == coordinator
    # The students' records they touched are untouched.
    assert Application.objects.get(participant=world.mentee).motivation.startswith("Zephyrine")
