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
- A group's message board follows the same rules: its members write while
  the group is active and every member may take part (a minor without
  consent blocks the board, since they would be sent every message); a
  message is held when any member is a minor.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.core.access import scope_for
from peerpath.core.models import Role, User
from peerpath.matching.models import Match
from peerpath.meetings.models import Group, GroupMember
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


def group_members_of(group: Group) -> list[GroupMember]:
    return list(group.members.select_related("participant__student__user", "participant__program"))


def group_member_participant(group: Group, user: User) -> Participant | None:
    """The user's participation in the group, or ``None``."""
    found = (
        GroupMember.objects.filter(group=group, participant__student__user_id=user.pk)
        .select_related("participant__student__user", "participant__program")
        .first()
    )
    return found.participant if found is not None else None


def group_send_refusal(group: Group, user: User) -> str:
    """Why ``user`` may not write on the group's board now; empty if they may."""
    me = group_member_participant(group, user)
    if me is None:
        return _("Only the members of a group can write on its board.")
    if group.status != Group.Status.ACTIVE:
        return _("This group has closed; its messages can still be read.")
    if not has_consent(me):
        return _("You can send messages once a guardian has given consent.")
    if any(not has_consent(m.participant) for m in group_members_of(group)):
        return _("A member of your group can receive messages once a guardian has given consent.")
    return ""


def group_involves_minor(group: Group) -> bool:
    """Whether any member is a minor for the group's program."""
    return any(needs_guardian_consent(m.participant) for m in group_members_of(group))
