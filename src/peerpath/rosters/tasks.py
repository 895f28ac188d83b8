"""
Background tasks of the roster import page, run by ``peerpath worker``
(django-tasks, database backend): checking and importing files larger than
``PEERPATH_ROSTER_INLINE_BYTES``. See :mod:`peerpath.rosters.uploads`.
"""

from __future__ import annotations

from django_tasks import task

from peerpath.rosters.uploads import roster_import_check, roster_import_execute


@task()
def check_roster_import(import_id: int) -> str:
    """Check an uploaded roster (a dry run); return the run's status."""
    run = roster_import_check(import_id=import_id)
    return run.status if run is not None else "not-claimed"


@task()
def run_roster_import(import_id: int) -> str:
    """Import a confirmed roster; return the run's status."""
    run = roster_import_execute(import_id=import_id)
    return run.status if run is not None else "not-claimed"
