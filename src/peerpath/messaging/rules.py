"""
Who may send, read and moderate messages, and which messages are held.

- The two members of a match (mentor and mentee) write to each other while
  the match is active, and only when each of them may take part: a minor
  needs a guardian's consent to the program's current terms
  (:func:`peerpath.recruitment.readiness.has_consent`). A minor without
  consent can neither send nor be sent a message.
- A message is *held* when the detector finds contact details or a word of
  the program's list in it and either member is a minor for the program (under
  its consent age, or of unknown age: :func:`needs_guardian_consent`).
  Between adults nothing is held.
- Held messages are released or rejected only by the safeguarding leads of
  the program's school. Coordinators who are not safeguarding leads cannot
  moderate.
- The program's coordinators may *read* a thread's delivered messages (not
  held or rejected ones), to look after the pair; every such read is in the
  audit log, and the thread page tells the members so. They cannot write.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.core.access import scope_for
from peerpath.core.models import Role, User
from peerpath.matching.models import Match
from peerpath.programs.models import Participant
from peerpath.recruitment.readiness import has_consent, needs_guardian_consent


def is_safeguarding_lead(user: User, school_id: int) -> bool:
    """Whether ``user`` is a safeguarding lead of the school."""
    return scope_for(user).has_school_role(school_id, Role.SAFEGUARDING_LEAD)


def member_participant(match: Match, user: User) -> Participant | None:
    """The user's side of the match (mentor or mentee), or ``None``."""
    if match.mentor.student.user_id == user.pk:
        return match.mentor
    if match.mentee.student.user_id == user.pk:
        return match.mentee
    return None


def partner_of(match: Match, participant: Participant) -> Participant:
    return match.mentee if participant.pk == match.mentor_id else match.mentor


def send_refusal(match: Match, user: User) -> str:
    """Why ``user`` may not write in the match's thread now; empty if they may."""
    me = member_participant(match, user)
    if me is None:
        return _("Only the two members of a match can write in its thread.")
    if match.status != Match.Status.ACTIVE:
        return _("This match has closed; its messages can still be read.")
    if not has_consent(me):
        return _("You can send messages once a guardian has given consent.")
    if not has_consent(partner_of(match, me)):
        return _("Your partner can receive messages once a guardian has given consent.")
    return ""


def involves_minor(match: Match) -> bool:
    """Whether either member is a minor for the match's program."""
    return needs_guardian_consent(match.mentor) or needs_guardian_consent(match.mentee)
