"""
``peerpath worker``: the one process that runs Peerpath's background work.

Each turn of its loop

1. runs queued match rounds (:func:`match_rounds_run_queued`) and group
   formation rounds (:func:`group_rounds_run_queued`), after queuing again
   the rounds a stopped worker left running once their lease has expired
   (:mod:`peerpath.matching.rounds`);
2. every ``--schedule-every`` seconds, calls the periodic steps that apps
   declare as dotted paths in ``periodic_steps`` on their ``AppConfig``
   (meetings enqueues due reminders this way; matching does not import
   the apps above it);
3. runs every ready task of the django-tasks database backend, as
   ``django_tasks_db``'s own ``db_worker`` does, then sleeps ``--interval``.

Several workers may run at once: rounds, tasks and reminders are each
claimed in the database before they run. A worker killed mid-round loses
nothing: the round is run again from the start by the next pass after its
lease (``peerpath.matching.rounds.LEASE``) has run out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from peerpath.matching.groups import group_rounds_run_queued
from peerpath.matching.services import match_rounds_run_queued

logger = logging.getLogger(__name__)


def periodic_steps() -> list[tuple[str, Callable[[], object]]]:
    """The periodic steps declared by installed apps, as ``(dotted path, callable)``."""
    found = []
    for config in apps.get_app_configs():
        for path in getattr(config, "periodic_steps", ()):
            found.append((path, import_string(path)))
    return found


def run_ready_tasks(*, worker_id: str, backend: str = "default") -> int:
    """Run every ready task of the database task backend once; return how many ran."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.management.commands.db_worker import Worker

    if not isinstance(task_backends[backend], DatabaseBackend):
        return 0  # an immediate or dummy backend runs (or drops) tasks when enqueued
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


class Command(BaseCommand):
    help = (
        "Run background work: queued match rounds, periodic steps (reminders) and queued "
        "tasks; with --once, do one turn and stop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Do one turn and exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between turns.")
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=60.0,
            help="Seconds between periodic steps (reminders).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = get_random_string(32)
        steps = periodic_steps()
        last_schedule = float("-inf")
        while True:
            ran = match_rounds_run_queued()
            if ran:
                self.stdout.write(f"Ran {ran} match round(s).")
            formed = group_rounds_run_queued()
            if formed:
                self.stdout.write(f"Ran {formed} group formation round(s).")
            if time.monotonic() - last_schedule >= options["schedule_every"]:
                last_schedule = time.monotonic()
                for path, step in steps:
                    try:
                        result = step()
                    except Exception:  # one failing step must not stop the others
                        logger.exception("Periodic step %s failed", path)
                    else:
                        if result:
                            self.stdout.write(f"{path}: {result}")
            done = run_ready_tasks(worker_id=worker_id)
            if done:
                self.stdout.write(f"Ran {done} task(s).")
            if options["once"]:
                return
            time.sleep(options["interval"])
