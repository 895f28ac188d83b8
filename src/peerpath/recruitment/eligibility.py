"""Who may apply to a program, checked when an application is submitted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from peerpath.people.models import Course, StudentProfile
from peerpath.programs.models import ParticipantRole, Program, ProgramType


def _grade_problem(low: int | None, high: int | None, grade: int, who: str) -> str | None:
    if (low is not None and grade < low) or (high is not None and grade > high):
        span = f"{low or '…'}–{high or '…'}"
        return _("%(who)s in this program are in grades %(span)s; you are in grade %(grade)s.") % {
            "who": who,
            "span": span,
            "grade": grade,
        }
    return None


def eligibility_problems(
    *,
    program: Program,
    student: StudentProfile,
    role: str,
    subjects: Sequence[Course] = (),
    subject_grades: Mapping[int, int] | None = None,
) -> list[str]:
    """Return every reason ``student`` may not apply as ``role`` (empty: eligible)."""
    problems: list[str] = []
    if program.status != Program.Status.RECRUITING or not program.accepts_applications:
        problems.append(_("This program is not taking applications now."))
    if student.school_id != program.school_id:
        problems.append(_("This program is for students of another school."))
    as_mentor = role in {ParticipantRole.MENTOR, ParticipantRole.BOTH}
    as_mentee = role in {ParticipantRole.MENTEE, ParticipantRole.BOTH}
    if as_mentor:
        problem = _grade_problem(
            program.mentor_grade_min, program.mentor_grade_max, student.grade_level, _("Mentors")
        )
        if problem:
            problems.append(problem)
    if as_mentee:
        problem = _grade_problem(
            program.mentee_grade_min, program.mentee_grade_max, student.grade_level, _("Mentees")
        )
        if problem:
            problems.append(problem)
    if program.program_type == ProgramType.PEER_TUTORING and not subjects:
        problems.append(
            _("Choose at least one subject you can help with.")
            if as_mentor
            else _("Choose at least one subject you need help with.")
        )
    if as_mentor and program.mentor_min_subject_grade is not None:
        grades = subject_grades or {}
        for course in subjects:
            grade = grades.get(course.pk)
            if grade is None:
                problems.append(
                    _("Give your current grade in %(course)s.") % {"course": course.name}
                )
            elif grade < program.mentor_min_subject_grade:
                problems.append(
                    _(
                        "Tutors need at least %(min)s%% in a subject they offer; "
                        "you have %(grade)s%% in %(course)s."
                    )
                    % {
                        "min": program.mentor_min_subject_grade,
                        "grade": grade,
                        "course": course.name,
                    }
                )
    return problems
