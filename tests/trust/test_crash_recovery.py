"""
Kill Peerpath's processes in the middle of a match publish, a roster import, a reminder
run and a match round's solve.

Issue 11 ("Trust"): after a restart nothing is half-written and no reminder
is sent twice. Each test runs the real code in separate OS processes against
a scratch database of its own (a SQLite file, or a PostgreSQL database created
for it when ``DATABASE_URL`` is PostgreSQL; the pytest test database would be
invisible to a child process), kills them with SIGKILL at chosen points and
then reads the database directly, as a restarted server would find it:

* match publish (``match_round_publish``, the service behind the review page's
  Publish button, run in a child process standing in for the web server; one
  transaction): killed after the matches are inserted, halfway through the
  participants' status changes and after the last write before the commit,
  nothing of it is there and nobody got an e-mail (the announcements are
  outbox rows, ``core.OutboundEmail``, written in the same transaction, so
  they are rolled back with it). Killed after the commit, while the
  announcements go out (ten sent, the eleventh claimed but not sent, the rest
  not claimed yet), the round is whole and every announcement is in the
  outbox. Publishing again is refused and changes nothing; once the claims'
  lease has run out, ``peerpath worker --once`` sends every announcement still
  pending, and the SMTP server has received exactly one message per
  recipient and match, each with its own ``Message-ID``, none twice
  (``peerpath.core.emails``).
* roster import (``peerpath import-roster``, one transaction): killed at
  three points, the database is exactly as before; the restart imports all of
  it, and a second run changes nothing.
* reminder run (``peerpath worker``) against a slow SMTP server, killed twice
  while a message is in the server's hands: every reminder reaches the server
  once, except the one in flight at each kill, which is sent again with the
  same ``Message-ID`` once its claim's lease has run out (at-least-once with a
  stable id, as ``peerpath.meetings.reminders`` promises; the SMTP conversation
  and the database commit cannot be one atomic step).
* match round (``peerpath worker``) killed while the engine solves a round of
  thousands: the round is left running with nothing saved; the first worker
  started after the round's lease has run out queues it again and solves it
  to the proposal (``peerpath.matching.rounds``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.message
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.apps import apps
from django_tasks_db.models import DBTaskResult

from peerpath.core.emails import BATCH as OUTBOX_BATCH
from peerpath.core.emails import LEASE as OUTBOX_LEASE
from peerpath.core.models import AuditEntry, OutboundEmail, User
from peerpath.matching.models import Match, MatchRound, Proposal
from peerpath.matching.rounds import LEASE as ROUND_LEASE
from peerpath.meetings.models import ReminderDelivery
from peerpath.meetings.reminders import LEASE
from peerpath.people.models import GuardianLink, StudentProfile
from peerpath.programs.models import Participant, ParticipantStatusChange
from peerpath.rosters.models import Enrollment, RosterImport
from smtp_testlib import smtp_server  # noqa: F401  (the fixture of the publish test)

pytestmark = [pytest.mark.xdist_group("crash_recovery"), pytest.mark.smtp]

ROOT = Path(__file__).resolve().parents[2]
STEPS = Path(__file__).resolve().parent / "crash_steps.py"
PEERPATH = Path(sys.executable).parent / "peerpath"
#: Seconds any one child may take before the test gives up on it (a loaded machine is slow).
PATIENCE = 180.0


def _t(model: Any) -> str:
    return str(model._meta.db_table)


def _c(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).column)


# -- scratch databases ---------------------------------------------------------------------


@dataclass
class Scratch:
    """A database of the test's own that child processes can share, read with plain DB-API."""

    url: str
    path: Path | None = None  # SQLite

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A plain DB-API connection (autocommit), closed afterwards."""
        if self.path is not None:
            with closing(sqlite3.connect(self.path)) as conn:
                yield conn
        else:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                yield conn

    def rows(self, sql: str, conn: Any = None) -> list[tuple[Any, ...]]:
        if conn is not None:
            return list(conn.execute(sql).fetchall())
        with self.connect() as own:
            return list(own.execute(sql).fetchall())

    def value(self, sql: str) -> Any:
        [(found,)] = self.rows(sql)
        return found

    def fingerprint(self, *, leave_out: tuple[type, ...] = ()) -> dict[str, str]:
        """Every table's rows, hashed: two equal fingerprints are two equal databases."""
        prints = {}
        with self.connect() as conn:
            for model in apps.get_models(include_auto_created=True):
                if model._meta.proxy or not model._meta.managed or model in leave_out:
                    continue
                table, pk = _t(model), model._meta.pk.column
                rows = self.rows(f'SELECT * FROM "{table}" ORDER BY "{pk}"', conn)
                prints[table] = f"{len(rows)}:" + hashlib.sha256(repr(rows).encode()).hexdigest()
        return prints


def _server_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


class Databases:
    """A migrated template database and fresh copies of it, one per test; all dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.base = os.environ.get("DATABASE_URL", "")
        self.postgres = self.base.startswith(("postgres://", "postgresql://"))
        self.tag = f"crash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        if self.postgres:
            name = f"{self.tag}_template"
            _pg_admin(self.base, f'CREATE DATABASE "{name}"')
            self.created.append(name)
            self.template = Scratch(_server_url(self.base, name))
        else:
            path = folder / "template.sqlite3"
            self.template = Scratch(f"sqlite:///{path}", path)
        run_child([str(PEERPATH), "migrate", "--noinput", "-v", "0"], self.template, folder)

    def fresh(self, name: str) -> Scratch:
        if self.postgres:
            full = f"{self.tag}_{name}"
            _pg_admin(
                self.base,
                f'CREATE DATABASE "{full}" TEMPLATE "{self.template.url.rsplit("/", 1)[1]}"',
            )
            self.created.append(full)
            return Scratch(_server_url(self.base, full))
        assert self.template.path is not None
        path = self.folder / f"{name}.sqlite3"
        shutil.copyfile(self.template.path, path)
        return Scratch(f"sqlite:///{path}", path)

    def drop_all(self) -> None:
        for name in reversed(self.created):
            _pg_admin(self.base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("crash"))
    try:
        yield found
    finally:
        found.drop_all()


# -- child processes ---------------------------------------------------------------------


def _env(db: Scratch, folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERPATH_")}
    env.update(
        DJANGO_SETTINGS_MODULE="peerpath.config.settings",
        DATABASE_URL=db.url,
        PEERPATH_DATA_DIR=str(folder),
        PEERPATH_LOG_LEVEL="WARNING",
        PEERPATH_SITE_URL="http://peerpath.test",
        PEERPATH_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def smtp_env(port: int) -> dict[str, str]:
    return {
        "PEERPATH_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "PEERPATH_EMAIL_HOST": "127.0.0.1",
        "PEERPATH_EMAIL_PORT": str(port),
    }


class Child:
    """One OS process of Peerpath; its output goes to files the test polls."""

    counter = 0

    def __init__(self, args: list[str], db: Scratch, folder: Path, **env: str) -> None:
        Child.counter += 1
        stem = folder / f"child-{Child.counter}"
        self.out, self.err = stem.with_suffix(".out"), stem.with_suffix(".err")
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=_env(db, folder, **env), stdout=out, stderr=err
            )

    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not ready():
            if self.process.poll() is not None:
                raise AssertionError(f"the child ended before {what}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"timed out waiting for {what}:\n{self.output()[-3000:]}")
            time.sleep(0.01)

    def wait_for_text(self, text: str) -> None:
        self.wait_until(lambda: text in self.output(), repr(text))

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction is closed, no buffer is flushed."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)

    def finish(self) -> str:
        try:
            code = self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        assert code == 0, self.output()[-3000:]
        return self.out.read_text()


def run_child(args: list[str], db: Scratch, folder: Path, **env: str) -> str:
    return Child(args, db, folder, **env).finish()


def step(db: Scratch, folder: Path, name: str, *args: object, **env: str) -> Child:
    return Child([sys.executable, str(STEPS), name, *map(str, args)], db, folder, **env)


def step_result(child: Child) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(child.finish().strip().splitlines()[-1])
    return result


# -- a slow SMTP server ------------------------------------------------------------------


@dataclass
class SlowInbox:
    """
    An SMTP server that takes each message at once but answers 250 only ``delay`` seconds later.

    That is the window in which a sender killed by SIGKILL leaves a message with
    the server (which will deliver it) without ever learning that it was taken.
    """

    delay: float
    received: list[email.message.Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content))
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def slow_smtp() -> Iterator[Callable[[float], tuple[int, SlowInbox]]]:
    from aiosmtpd.controller import Controller

    controllers = []

    def start(delay: float) -> tuple[int, SlowInbox]:
        inbox = SlowInbox(delay)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return port, inbox

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


# -- 1. match publish --------------------------------------------------------------------


def _round_emails(db: Scratch, round_id: int) -> Counter[str]:
    """Who the announcements of a published round go to: both partners and their guardians."""
    users = []
    for side in ("mentor", "mentee"):
        users += db.rows(
            f'SELECT u."{_c(User, "email")}", s."{StudentProfile._meta.pk.column}"'
            f' FROM "{_t(Match)}" m'
            f' JOIN "{_t(Participant)}" p ON p."{Participant._meta.pk.column}" = m."{_c(Match, side)}"'
            f' JOIN "{_t(StudentProfile)}" s ON s."{StudentProfile._meta.pk.column}" = p."{_c(Participant, "student")}"'
            f' JOIN "{_t(User)}" u ON u."{User._meta.pk.column}" = s."{_c(StudentProfile, "user")}"'
            f' WHERE m."{_c(Match, "round")}" = {round_id}'
        )
    guardians: dict[int, list[str]] = {}
    for student_id, address in db.rows(
        f'SELECT g."{_c(GuardianLink, "student")}", u."{_c(User, "email")}" FROM "{_t(GuardianLink)}" g'
        f' JOIN "{_t(User)}" u ON u."{User._meta.pk.column}" = g."{_c(GuardianLink, "guardian")}"'
    ):
        guardians.setdefault(student_id, []).append(address)
    expected: Counter[str] = Counter()
    for address, student_id in users:
        expected[address] += 1
        expected.update(guardians.get(student_id, []))
    return expected


def _publish_state(db: Scratch, round_id: int, people: list[int]) -> dict[str, Any]:
    ids = ", ".join(map(str, people))
    return {
        "round": db.value(
            f'SELECT "{_c(MatchRound, "status")}" FROM "{_t(MatchRound)}"'
            f' WHERE "{MatchRound._meta.pk.column}" = {round_id}'
        ),
        "matches": sorted(
            db.rows(
                f'SELECT "{_c(Match, "mentee")}", "{_c(Match, "mentor")}", "{_c(Match, "status")}"'
                f' FROM "{_t(Match)}" WHERE "{_c(Match, "round")}" = {round_id}'
            )
        ),
        "all_matches": db.value(f'SELECT COUNT(*) FROM "{_t(Match)}"'),
        "statuses": Counter(
            s
            for (s,) in db.rows(
                f'SELECT "{_c(Participant, "status")}" FROM "{_t(Participant)}"'
                f' WHERE "{Participant._meta.pk.column}" IN ({ids})'
            )
        ),
        "status_changes": db.value(
            f'SELECT COUNT(*) FROM "{_t(ParticipantStatusChange)}"'
            f" WHERE \"{_c(ParticipantStatusChange, 'to_status')}\" = 'matched'"
        ),
        "publish_audits": db.value(
            f'SELECT COUNT(*) FROM "{_t(AuditEntry)}"'
            f" WHERE \"{_c(AuditEntry, 'action')}\" = 'matching.round.publish'"
        ),
    }


def _outbox(db: Scratch) -> list[tuple[Any, ...]]:
    """Every outbox row: its ``Message-ID``, status, attempts and who claimed it last."""
    return db.rows(
        f'SELECT "{_c(OutboundEmail, "message_id")}", "{_c(OutboundEmail, "status")}",'
        f' "{_c(OutboundEmail, "attempts")}", "{_c(OutboundEmail, "claimed_by")}"'
        f' FROM "{_t(OutboundEmail)}" ORDER BY "{OutboundEmail._meta.pk.column}"'
    )


def _end_outbox_leases(db: Scratch) -> int:
    """
    Move ``next_attempt_at`` of every pending outbox row a minute into the past; return how many.

    This stands in for waiting out the lease (``peerpath.core.emails.LEASE``, ten
    minutes) that a new row is born with: to a worker the rows now look as they
    would ten minutes after the publishing process died.
    """
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    when = past.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if db.is_sqlite else "+00:00")
    with db.connect() as conn:
        moved = conn.execute(
            f'UPDATE "{_t(OutboundEmail)}" SET "{_c(OutboundEmail, "next_attempt_at")}" = \'{when}\''
            f" WHERE \"{_c(OutboundEmail, 'status')}\" = 'pending'"
        ).rowcount
        if db.is_sqlite:
            conn.commit()
    return int(moved)


def test_a_killed_match_publish_is_all_or_nothing_and_publishes_once(
    databases: Databases,
    tmp_path: Path,
    smtp_server: tuple[int, list[email.message.Message]],  # noqa: F811
) -> None:
    db = databases.fresh("publish")
    # 80 mentees: enough to kill the publish at many points, few enough that all their
    # announcements fit in one worker turn (OUTBOX_BATCH e-mails) at the end.
    made = step_result(step(db, tmp_path, "publish-setup", 80, 40))
    round_id, actor = made["round"], made["actor"]
    pairs = sorted(
        db.rows(
            f'SELECT "{_c(Proposal, "mentee")}", "{_c(Proposal, "mentor")}" FROM "{_t(Proposal)}"'
            f' WHERE "{_c(Proposal, "round")}" = {round_id} AND "{_c(Proposal, "mentor")}" IS NOT NULL'
        )
    )
    assert len(pairs) == made["pairs"] >= 70
    people = sorted({p for pair in pairs for p in pair})
    before = db.fingerprint()
    nothing = _publish_state(db, round_id, people)
    assert nothing["round"] == "proposed"
    assert nothing["matches"] == []
    assert nothing["statuses"] == {"ready": len(people)}
    assert _outbox(db) == []
    port, received = smtp_server
    mail = smtp_env(port)

    # Killed inside the transaction: after the INSERT of every match, halfway through the
    # participants' status changes, and after the last write (the audit entry) before COMMIT.
    for pattern, nth in [
        (f'INSERT INTO "{_t(Match)}"', 1),
        (f'UPDATE "{_t(Participant)}"', len(people) // 2),
        (f'INSERT INTO "{_t(AuditEntry)}"', len(people) + 1),
    ]:
        child = step(db, tmp_path, "publish", round_id, actor, pattern, nth, **mail)
        child.wait_for_text("PAUSED")
        child.kill()
        assert db.fingerprint() == before, f"half-written after a kill at {pattern} #{nth}"
        assert received == []  # e-mail goes out only after the commit

    # Restarted, the publish commits; this time it is killed while the announcements go out.
    # After the commit, each announcement is two UPDATEs of its outbox row: the claim, then
    # "sent" once the SMTP server has taken it. Killed right after the 21st: ten announcements
    # sent and recorded, the eleventh claimed but not sent, the others not even claimed.
    sent_first = 10
    outbox_update = f'UPDATE "{_t(OutboundEmail)}"'
    child = step(
        db, tmp_path, "publish", round_id, actor, outbox_update, 2 * sent_first + 1, **mail
    )
    child.wait_for_text("PAUSED")
    child.kill()
    published = _publish_state(db, round_id, people)
    assert published["round"] == "published"
    assert published["matches"] == sorted((*pair, "active") for pair in pairs)
    assert published["all_matches"] == len(pairs)
    assert published["statuses"] == {"matched": len(people)}
    assert published["status_changes"] == len(people)
    assert published["publish_audits"] == 1
    expected = _round_emails(db, round_id)
    announcements = sum(expected.values())
    assert 2 * sent_first < announcements <= OUTBOX_BATCH
    # Every announcement was stored with the round, the unsent ones included.
    outbox = _outbox(db)
    assert len(outbox) == announcements
    assert len(received) == sent_first
    assert Counter((status, attempts) for _, status, attempts, _ in outbox) == {
        ("sent", 1): sent_first,
        ("pending", 1): 1,  # claimed by the killed process, never sent
        ("pending", 0): announcements - sent_first - 1,
    }
    assert {m["Message-ID"] for m in received} == {
        message_id for message_id, status, _, _ in outbox if status == "sent"
    }

    # Publishing again (a retry after the crash) is refused and changes nothing.
    after = db.fingerprint()
    again = step_result(step(db, tmp_path, "publish", round_id, actor, **mail))
    assert again == {"refused": ["This round can no longer be changed."]}
    assert db.fingerprint() == after
    assert len(received) == sent_first

    # Ten minutes later the worker sends what the killed process did not. Rather than wait
    # out the lease (OUTBOX_LEASE, ten minutes), the pending rows' next_attempt_at is moved
    # into the past directly in the database: the rows look as they would after the lease.
    assert dt.timedelta(minutes=10) == OUTBOX_LEASE
    assert _end_outbox_leases(db) == announcements - sent_first
    run_child(ROUND_WORKER, db, tmp_path, **mail)
    outbox = _outbox(db)
    assert {status for _, status, _, _ in outbox} == {"sent"}
    assert sum(attempts for _, _, attempts, _ in outbox) == announcements + 1  # the 11th: twice
    # Exactly one message per announcement: a Message-ID of its own, each received once...
    per_id = Counter(m["Message-ID"] for m in received)
    assert per_id == dict.fromkeys((message_id for message_id, _, _, _ in outbox), 1)
    # ...as many per address as the address has announcements, and never the same one twice.
    assert Counter(m["To"] for m in received) == expected
    assert len({(m["To"], m.get_payload(0).get_payload()) for m in received}) == announcements


# -- 2. roster import --------------------------------------------------------------------


def _roster_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "roster_bench", ROOT / "bench" / "roster_bench.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def test_a_killed_roster_import_leaves_nothing_and_the_rerun_is_idempotent(
    databases: Databases, tmp_path: Path
) -> None:
    db = databases.fresh("roster")
    roster = tmp_path / "district"
    roster.mkdir()
    counts = _roster_generator()(roster, 2000, seed=11)
    step_result(step(db, tmp_path, "organization", "lakeside"))
    before = db.fingerprint()
    command = [str(PEERPATH), "import-roster", str(roster), "--organization", "lakeside"]

    # The progress lines on stderr say which table the import is writing (one transaction):
    # killed while it writes the users, the guardians' links, and the enrollments (the last
    # and largest step before the commit).
    for stage in ("Users (4/9)", "Guardians (7/9)", "Enrollments (9/9)"):
        child = Child(command, db, tmp_path)
        child.wait_for_text(stage)
        child.kill()
        assert "Imported" not in child.output()
        assert db.fingerprint() == before, f"half-written after a kill at {stage}"

    run_child(command, db, tmp_path)
    users = db.value(f'SELECT COUNT(*) FROM "{_t(User)}" WHERE "{_c(User, "sourced_id")}" <> \'\'')
    assert users == counts["users.csv"]
    assert db.value(f'SELECT COUNT(*) FROM "{_t(Enrollment)}"') == counts["enrollments.csv"]
    assert db.value(f'SELECT COUNT(*) FROM "{_t(RosterImport)}"') == 1
    imported = db.fingerprint(leave_out=(RosterImport, AuditEntry))

    again = run_child(command, db, tmp_path)
    assert "users: unchanged 2000" in again
    assert db.fingerprint(leave_out=(RosterImport, AuditEntry)) == imported
    assert db.value(f'SELECT COUNT(*) FROM "{_t(RosterImport)}"') == 2


# -- 3. reminder run ---------------------------------------------------------------------


def _deliveries(db: Scratch) -> dict[int, tuple[str, int, str]]:
    """Delivery id -> (recipient e-mail, session id, status)."""
    return {
        pk: (address, session, status)
        for pk, address, session, status in db.rows(
            f'SELECT d."{ReminderDelivery._meta.pk.column}", u."{_c(User, "email")}",'
            f' d."{_c(ReminderDelivery, "object_id")}", d."{_c(ReminderDelivery, "status")}"'
            f' FROM "{_t(ReminderDelivery)}" d'
            f' JOIN "{_t(User)}" u ON u."{User._meta.pk.column}" = d."{_c(ReminderDelivery, "recipient")}"'
        )
    }


def _delivery_id(message: email.message.Message) -> int:
    # <reminder-{pk}-{kind}@host>
    return int(str(message["Message-ID"]).split("-")[1])


def test_a_killed_reminder_run_delivers_every_reminder_and_repeats_only_the_one_in_flight(
    databases: Databases, tmp_path: Path, slow_smtp: Callable[[float], tuple[int, SlowInbox]]
) -> None:
    db = databases.fresh("reminders")
    made = step_result(step(db, tmp_path, "reminder-setup", 6))
    port, inbox = slow_smtp(0.1)
    mail = smtp_env(port)
    worker = [str(PEERPATH), "worker", "--once", "--interval", "0"]

    # Two runs, each killed while a message is in the SMTP server's hands.
    in_flight = []
    for kill_at in (5, 12):
        child = Child(worker, db, tmp_path, **mail)
        child.wait_until(lambda n=kill_at: inbox.count >= n, f"message {kill_at}")
        child.kill()
        in_flight.append(_delivery_id(inbox.received[-1]))
        assert _deliveries(db)[in_flight[-1]][2] == "sending"

    # A restart sends everything else at once; the two in flight wait for their lease.
    run_child(worker, db, tmp_path, **mail)
    deliveries = _deliveries(db)
    assert len(deliveries) == 2 * len(made["sessions"]) == 24
    assert len({(a, s) for a, s, _ in deliveries.values()}) == len(deliveries)
    assert {s for _, s, _ in deliveries.values()} == set(made["sessions"])
    assert Counter(status for _, _, status in deliveries.values()) == {
        "sent": len(deliveries) - 2,
        "sending": 2,
    }
    assert Counter(_delivery_id(m) for m in inbox.received) == dict.fromkeys(deliveries, 1)

    # Once the lease is over (a worker started 11 minutes later), the two are sent again,
    # with the same Message-ID: one message for the recipient's mail system.
    later = dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(minutes=1)
    run_child(
        [
            sys.executable,
            "-c",
            "import sys, time_machine;"
            f"time_machine.travel({later.timestamp()!r}, tick=True).start();"
            "from peerpath.config.cli import main; sys.exit(main())",
            *worker[1:],
        ],
        db,
        tmp_path,
        **mail,
    )
    deliveries = _deliveries(db)
    assert {status for _, _, status in deliveries.values()} == {"sent"}
    per_delivery = Counter(_delivery_id(m) for m in inbox.received)
    assert per_delivery == {pk: 2 if pk in in_flight else 1 for pk in deliveries}
    per_reminder = Counter(
        (m["To"], deliveries[_delivery_id(m)][1], m["Message-ID"]) for m in inbox.received
    )
    assert len({(to, session) for to, session, _ in per_reminder}) == len(deliveries)
    assert len(per_reminder) == len(deliveries)  # one Message-ID per recipient and session
    assert all(m["To"] == deliveries[_delivery_id(m)][0] for m in inbox.received)
    # One successful task per reminder (the two in flight by a second task); the killed
    # workers' tasks stay "running" in django-tasks' table, harmless leftovers. None failed.
    tasks = Counter(
        status
        for (status,) in db.rows(f'SELECT "{_c(DBTaskResult, "status")}" FROM "{_t(DBTaskResult)}"')
    )
    assert tasks == {"SUCCESSFUL": len(deliveries), "RUNNING": len(in_flight)}


# -- 4. match round solve ----------------------------------------------------------------


def _round_state(db: Scratch, round_id: int) -> tuple[str, str, int, int]:
    """A round's status, progress, attempts and how many proposals it has."""
    [(status, progress, attempts)] = db.rows(
        f'SELECT "{_c(MatchRound, "status")}", "{_c(MatchRound, "progress")}",'
        f' "{_c(MatchRound, "attempts")}" FROM "{_t(MatchRound)}"'
        f' WHERE "{MatchRound._meta.pk.column}" = {round_id}'
    )
    proposals = db.value(
        f'SELECT COUNT(*) FROM "{_t(Proposal)}" WHERE "{_c(Proposal, "round")}" = {round_id}'
    )
    return status, progress, attempts, proposals


#: One worker pass; the system checks are skipped (the other tests' workers ran them), which
#: saves seconds at every start.
ROUND_WORKER = [str(PEERPATH), "worker", "--once", "--interval", "0", "--skip-checks"]


def _worker_at(when: dt.datetime) -> list[str]:
    """``peerpath worker --once``, its clock moved to ``when`` (and ticking)."""
    return [
        sys.executable,
        "-c",
        "import sys, time_machine;"
        f"time_machine.travel({when.timestamp()!r}, tick=True).start();"
        "from peerpath.config.cli import main; sys.exit(main())",
        *ROUND_WORKER[1:],
    ]


def test_a_worker_killed_mid_solve_leaves_the_round_for_the_next_worker_to_finish(
    databases: Databases, tmp_path: Path
) -> None:
    db = databases.fresh("round")
    made = step_result(step(db, tmp_path, "round-setup", 4500))  # about 3 s of work
    round_id = made["round"]
    assert _round_state(db, round_id) == ("queued", "Waiting to run", 0, 0)

    # Killed while the engine solves: the round stays running, with nothing of it saved.
    child = Child(ROUND_WORKER, db, tmp_path)
    child.wait_until(lambda: _round_state(db, round_id)[:2] == ("running", "Solving"), "the solve")
    child.kill()
    assert _round_state(db, round_id) == ("running", "Solving", 1, 0)

    # The first worker after the lease (tests/matching/test_round_lease.py shows that one
    # started before it leaves the round alone) queues it again and solves it to the proposal.
    later = dt.datetime.now(dt.UTC) + ROUND_LEASE + dt.timedelta(minutes=1)
    run_child(_worker_at(later), db, tmp_path)
    status, progress, attempts, proposals = _round_state(db, round_id)
    assert (status, progress, attempts) == ("proposed", "", 2)
    assert proposals == made["mentees"]  # one per mentee: paired, or unmatched with a reason
    [(restarted_at, error)] = db.rows(
        f'SELECT "{_c(MatchRound, "restarted_at")}", "{_c(MatchRound, "error")}"'
        f' FROM "{_t(MatchRound)}" WHERE "{MatchRound._meta.pk.column}" = {round_id}'
    )
    assert restarted_at is not None
    assert error == ""
