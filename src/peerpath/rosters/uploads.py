"""
The import page's runs: upload → (map columns →) check → confirm → import.

A run is a :class:`~peerpath.rosters.models.RosterImport` that moves through
its statuses (see the model). The uploaded file is written to a private folder
(``PEERPATH_ROSTER_UPLOAD_DIR``, under the data directory, never served) in
a folder of its own, under its own name, and deleted as soon as the run is
over. The check is a dry run of the real import (:func:`roster_import` or
:func:`students_import` with ``dry_run=True``), so the preview's counts and
errors are exactly what the import would do, as of that moment.

Files of up to ``PEERPATH_ROSTER_INLINE_BYTES`` of CSV are checked and
imported during the request; larger ones by ``peerpath worker`` (django-tasks,
see :mod:`peerpath.rosters.tasks`), while the page polls
:func:`live_progress`. The import itself is one transaction, so its progress
is not in the database: it is a small JSON file beside the upload, which the
web process reads.

Every step claims the run with a conditional UPDATE on its status, so a
double click, two browser tabs or two workers never check or import a file
twice. Nothing here raises for a bad file: every problem ends in the run's
report, and the run is marked failed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from peerpath.core.access import scope_for
from peerpath.core.audit import audit_record
from peerpath.core.models import Organization, School, User
from peerpath.rosters.models import RosterImport
from peerpath.rosters.report import Issue
from peerpath.rosters.services import STUDENT_FIELDS, roster_import, students_import
from peerpath.rosters.sources import Limits, SourceError, open_roster_source

__all__ = [
    "LiveProgress",
    "ProgressFile",
    "csv_sample",
    "guess_mapping",
    "inline_limit",
    "live_progress",
    "roster_import_check",
    "roster_import_confirm",
    "roster_import_discard",
    "roster_import_execute",
    "roster_upload",
    "roster_uploads_tidy",
    "students_mapping_set",
    "students_upload",
    "upload_dir",
    "upload_max_bytes",
]

logger = logging.getLogger(__name__)

Status = RosterImport.Status
_MIB = 1024 * 1024
_PROGRESS_FILE = "progress.json"
#: Runs waiting for a person (mapping, confirmation) are discarded after this long.
ABANDONED_AFTER = 24 * 60 * 60
#: A check or import whose progress has not moved for this long was interrupted.
STALLED_AFTER = 60 * 60


# --- Settings ----------------------------------------------------------------------------


def upload_dir() -> Path:
    """The private folder of uploads (``PEERPATH_ROSTER_UPLOAD_DIR``)."""
    configured = getattr(settings, "PEERPATH_ROSTER_UPLOAD_DIR", None)
    return Path(configured or Path(settings.DATA_DIR) / "private" / "roster-uploads")


def inline_limit() -> int:
    """Files with more CSV bytes than this are checked and imported by the worker."""
    return int(getattr(settings, "PEERPATH_ROSTER_INLINE_BYTES", 2_000_000))


def upload_max_bytes() -> int:
    """The largest file the import page accepts (``PEERPATH_ROSTER_UPLOAD_MAX_BYTES``)."""
    return int(getattr(settings, "PEERPATH_ROSTER_UPLOAD_MAX_BYTES", 256 * _MIB))


def _limits() -> Limits:
    """The importer's archive limits (entries, sizes, compression ratio)."""
    return Limits()


# --- Access --------------------------------------------------------------------------------


def _require_oneroster_importer(actor: User, organization: Organization) -> None:
    if not (actor.is_superuser or scope_for(actor).is_org_admin(organization.pk)):
        raise PermissionDenied(
            _("Only the organization's administrators can import a OneRoster roster.")
        )


def _require_students_importer(actor: User, school: School) -> None:
    if not (actor.is_superuser or scope_for(actor).can_manage_school(school)):
        raise PermissionDenied(_("Only the school's coordinators can import its students."))


def _require_importer(actor: User, run: RosterImport) -> None:
    if run.kind == RosterImport.Kind.ONEROSTER:
        _require_oneroster_importer(actor, run.organization)
    else:
        assert run.school is not None
        _require_students_importer(actor, run.school)


# --- Files and progress ------------------------------------------------------------------


def _upload_path(run: RosterImport) -> Path | None:
    if not run.upload_path:
        return None
    return upload_dir() / run.upload_path


def _safe_name(name: str, suffix: str) -> str:
    """
    The upload's own name, made safe to store in its private folder.

    Folders, control characters and leading dots are dropped, the length is
    bounded, and the name ends with ``suffix`` (``.zip``, ``.csv``), so that
    the page and every error message show the name the person knows.
    """
    base = Path((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '/:*?"<>|').strip()
    base = base.lstrip(".").strip()
    if not base.lower().endswith(suffix):
        base = f"{base or 'roster'}{suffix}"
    while len(base.encode("utf-8")) > 200:  # file systems allow 255 bytes
        base = base[: -len(suffix) - 1] + suffix
    return base


def _store(upload: UploadedFile, suffix: str) -> tuple[str, Path]:
    """Copy the upload into a new private folder; return (relative path, absolute path)."""
    folder = f"{timezone.now():%Y%m%d}-{get_random_string(24)}"
    root = upload_dir()
    if not root.is_dir():
        root.mkdir(parents=True, mode=0o700)
    target_dir = root / folder
    target_dir.mkdir(mode=0o700)
    name = _safe_name(upload.name or "", suffix)
    target = target_dir / name
    with open(target, "xb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    target.chmod(0o600)
    return f"{folder}/{name}", target


def _delete_upload(run: RosterImport) -> None:
    """Delete the run's upload folder (if any) and forget its path."""
    path = _upload_path(run)
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)
    if run.upload_path:
        run.upload_path = ""
        RosterImport.objects.filter(pk=run.pk).update(upload_path="")


class ProgressFile:
    """
    Write an import's progress beside its upload, at most twice a second.

    The import runs in one transaction, so the database cannot tell the
    polling page how far it is; this small JSON file (replaced atomically)
    can. ``(label, done, total)`` as the importer reports it; ``total`` is 0
    while files are read (rows so far) and the number of steps while writing.
    """

    def __init__(self, path: Path, phase: str) -> None:
        self.path = path
        self.phase = phase
        self._last = 0.0
        self._label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label == self._label and now - self._last < 0.5:
            return
        self._last, self._label = now, label
        data = {"phase": self.phase, "label": str(label), "done": done, "total": total}
        temporary = self.path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:  # progress is a courtesy; the import goes on without it
            logger.warning("Cannot write roster import progress to %s", self.path)


@dataclass(frozen=True)
class LiveProgress:
    """What the page shows while a run is checked or imported."""

    label: str
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        """0–100 while writing; ``None`` while reading (the total is not known)."""
        if self.total <= 0:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))


def live_progress(run: RosterImport) -> LiveProgress | None:
    """The latest progress of a run being checked or imported, if it has any yet."""
    if run.status not in {Status.CHECKING, Status.RUNNING}:
        return None
    path = _upload_path(run)
    if path is None:
        return None
    try:
        data = json.loads((path.parent / _PROGRESS_FILE).read_text(encoding="utf-8"))
        return LiveProgress(str(data["label"]), int(data["done"]), int(data["total"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- Upload ------------------------------------------------------------------------------


def _fail(run: RosterImport, issue: Issue) -> RosterImport:
    run.status = Status.FAILED
    run.error_count = 1
    run.errors = [issue.as_dict()]
    run.finished_at = timezone.now()
    run.progress = ""
    run.save(
        update_fields=["status", "error_count", "errors", "finished_at", "progress", "updated_at"]
    )
    _delete_upload(run)
    return run


def _new_run(
    *, actor: User, organization: Organization, school: School | None, kind: str, name: str
) -> RosterImport:
    return RosterImport.objects.create(
        organization=organization,
        school=school,
        actor=actor,
        kind=kind,
        source_name=name[:255],
        dry_run=True,
        status=Status.UPLOADED,
    )


def _check_size(upload: UploadedFile) -> None:
    if (upload.size or 0) > upload_max_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)d MiB; split it or ask for the limit to be raised.")
            % {"limit": upload_max_bytes() // _MIB}
        )


def roster_upload(*, actor: User, organization: Organization, upload: UploadedFile) -> RosterImport:
    """
    Keep a OneRoster ``.zip`` for ``organization`` and check it (now, or by the worker).

    The archive's directory is read at once against the importer's limits
    (entries, sizes, compression ratio, unsafe paths): a file that breaks
    them is refused before anything is decompressed, and the run fails.
    """
    _require_oneroster_importer(actor, organization)
    _check_size(upload)
    run = _new_run(
        actor=actor, organization=organization, school=None,
        kind=RosterImport.Kind.ONEROSTER, name=upload.name or "roster.zip",
    )  # fmt: skip
    try:
        run.upload_path, path = _store(upload, ".zip")
        run.source_name = path.name
        run.save(update_fields=["upload_path", "source_name", "updated_at"])
        files = open_roster_source(path, _limits())
        try:
            run.size_bytes = sum(files.size(name) for name in files.names)
        finally:
            files.close()
    except SourceError as exc:
        return _fail(run, Issue(exc.file or run.source_name, None, None, exc.message, exc.code))
    except OSError:
        logger.exception("Cannot keep the roster upload of import %s", run.pk)
        return _fail(run, _storage_issue(run))
    run.save(update_fields=["size_bytes", "updated_at"])
    audit_record(
        actor=actor, action="roster.upload", target=run, organization=organization,
        after={"file": run.source_name, "bytes": upload.size},
    )  # fmt: skip
    return _schedule(run, Status.UPLOADED)


def _storage_issue(run: RosterImport) -> Issue:
    return Issue(
        run.source_name, None, None,
        _("The file could not be stored on the server; nothing was imported. Try again later."),
        "storage",
    )  # fmt: skip


def _read_header(path: Path) -> list[str]:
    """The column names of a CSV file (raises ValueError with a message to show)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, strict=True))
    except StopIteration:
        raise ValueError(_("The file is empty: it has no header row.")) from None
    except UnicodeDecodeError:
        raise ValueError(
            _("The file is not UTF-8 text; save it as “CSV UTF-8” and upload it again.")
        ) from None
    except csv.Error as exc:
        raise ValueError(_("The header cannot be read: %(error)s") % {"error": exc}) from None
    names: list[str] = []
    for cell in header:
        name = cell.strip()
        if name and name not in names:
            names.append(name)
    if not names:
        raise ValueError(_("The first row has no column names."))
    return names


def students_upload(*, actor: User, school: School, upload: UploadedFile) -> RosterImport:
    """Keep a plain student CSV for ``school``; the run then waits for its column mapping."""
    _require_students_importer(actor, school)
    _check_size(upload)
    run = _new_run(
        actor=actor, organization=school.organization, school=school,
        kind=RosterImport.Kind.CSV, name=upload.name or "students.csv",
    )  # fmt: skip
    try:
        run.upload_path, path = _store(upload, ".csv")
        run.source_name = path.name
        run.size_bytes = path.stat().st_size
        run.columns = _read_header(path)
    except ValueError as exc:
        return _fail(run, Issue(run.source_name, 1, None, str(exc), "csv"))
    except OSError:
        logger.exception("Cannot keep the roster upload of import %s", run.pk)
        return _fail(run, _storage_issue(run))
    run.mapping = guess_mapping(run.columns)
    run.status = Status.MAPPING
    run.save(
        update_fields=[
            "upload_path", "source_name", "size_bytes", "columns", "mapping", "status",
            "updated_at",
        ]
    )  # fmt: skip
    audit_record(
        actor=actor, action="roster.upload", target=run, organization=school.organization,
        after={"file": run.source_name, "bytes": upload.size},
    )  # fmt: skip
    return run


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "student_id": (
        "studentid", "studentnumber", "studentno", "id", "sourcedid", "localid", "pupilid",
        "pupilnumber", "sisid",
    ),
    "given_name": ("givenname", "firstname", "first", "forename", "givennames"),
    "family_name": ("familyname", "lastname", "last", "surname"),
    "grade": ("grade", "gradelevel", "year", "yeargroup", "grades", "class", "form"),
    "email": ("email", "emailaddress", "mail", "studentemail"),
    "preferred_name": ("preferredname", "nickname", "knownas", "preferredgivenname"),
    "birth_date": ("birthdate", "dateofbirth", "dob", "birthday"),
    "directory_opt_out": ("directoryoptout", "optout", "directoryoptedout", "hidefromdirectory"),
}  # fmt: skip


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """The likely column of each field, by name (``First Name`` → ``given_name``); "" if none."""
    squashed = {_squash(c): c for c in reversed(columns)}
    mapping: dict[str, str] = {}
    for field_name in STUDENT_FIELDS:
        candidates = (_squash(field_name), *_SYNONYMS.get(field_name, ()))
        mapping[field_name] = next((squashed[c] for c in candidates if c in squashed), "")
    return mapping


def students_mapping_set(
    *, actor: User, run: RosterImport, mapping: dict[str, str]
) -> RosterImport:
    """Record which column holds each field, and check the file (now, or by the worker)."""
    _require_importer(actor, run)
    unknown = {v for v in mapping.values() if v} - set(run.columns)
    if set(mapping) - set(STUDENT_FIELDS) or unknown:
        raise ValidationError(_("Choose columns of the file only."))
    missing = [f for f, c in STUDENT_FIELDS.items() if c.required and not mapping.get(f)]
    if missing:
        raise ValidationError(
            _("Choose a column for every required field (%(fields)s).")
            % {"fields": ", ".join(missing)}
        )
    full = {name: mapping.get(name, "") for name in STUDENT_FIELDS}
    with transaction.atomic():
        claimed = RosterImport.objects.filter(pk=run.pk, status=Status.MAPPING).update(
            mapping=full, status=Status.UPLOADED, updated_at=timezone.now()
        )
        if not claimed:
            raise ValidationError(_("This file was already checked, imported or discarded."))
        audit_record(
            actor=actor, action="roster.mapping", target=run, organization=run.organization,
            after={"mapping": full},
        )  # fmt: skip
    run.refresh_from_db()
    return _schedule(run, Status.UPLOADED)


# --- Check, confirm, import ----------------------------------------------------------------


def _schedule(run: RosterImport, waiting: str) -> RosterImport:
    """Check (``uploaded``) or import (``queued``) the run: now if small, else via the worker."""
    background = run.size_bytes > inline_limit()
    if not background:
        RosterImport.objects.filter(pk=run.pk).update(background=False)
        if waiting == Status.UPLOADED:
            roster_import_check(import_id=run.pk)
        else:
            roster_import_execute(import_id=run.pk)
        run.refresh_from_db()
        return run
    from peerpath.rosters.tasks import check_roster_import, run_roster_import

    with transaction.atomic():
        RosterImport.objects.filter(pk=run.pk).update(
            background=True, progress=_("Waiting for the worker"), updated_at=timezone.now()
        )
        task = check_roster_import if waiting == Status.UPLOADED else run_roster_import
        task.enqueue(run.pk)
    run.refresh_from_db()
    return run


def _claim(import_id: int, waiting: str, working: str, label: str) -> RosterImport | None:
    claimed = RosterImport.objects.filter(pk=import_id, status=waiting).update(
        status=working, progress=label, updated_at=timezone.now()
    )
    if not claimed:
        return None
    return RosterImport.objects.select_related("organization", "school", "actor").get(pk=import_id)


def _execute(run: RosterImport, *, dry_run: bool) -> RosterImport:
    """Run the importer on the run's upload; the importer records the outcome on ``run``."""
    path = _upload_path(run)
    if path is None or not path.is_file():
        return _fail(
            run,
            Issue(
                run.source_name, None, None,
                _("The uploaded file is no longer on the server; upload it again."), "missing",
            ),
        )  # fmt: skip
    progress = ProgressFile(path.parent / _PROGRESS_FILE, "check" if dry_run else "import")
    try:
        if run.kind == RosterImport.Kind.ONEROSTER:
            roster_import(
                actor=run.actor, organization=run.organization, source=path, dry_run=dry_run,
                limits=_limits(), progress=progress, record=run,
            )  # fmt: skip
        else:
            assert run.school is not None
            students_import(
                actor=run.actor, school=run.school, source=path, mapping=run.mapping,
                dry_run=dry_run, progress=progress, record=run,
            )  # fmt: skip
    except Exception:  # the importers never raise; this is the last line of defence
        logger.exception("Roster import %s failed unexpectedly", run.pk)
        return _fail(
            run,
            Issue(
                "", None, None,
                _("An unexpected error stopped the import; nothing was changed. It has been logged."),
                "internal",
            ),
        )  # fmt: skip
    run.refresh_from_db()
    (path.parent / _PROGRESS_FILE).unlink(missing_ok=True)
    if run.status != Status.PREVIEWED:  # failed, or imported: the file is no longer needed
        _delete_upload(run)
    return run


def roster_import_check(*, import_id: int) -> RosterImport | None:
    """Check an uploaded run (a dry run); ``None`` if it is not waiting to be checked."""
    run = _claim(import_id, Status.UPLOADED, Status.CHECKING, _("Checking the file"))
    if run is None:
        return None
    return _execute(run, dry_run=True)


def roster_import_execute(*, import_id: int) -> RosterImport | None:
    """Import a confirmed run; ``None`` if it is not waiting to be imported."""
    run = _claim(import_id, Status.QUEUED, Status.RUNNING, _("Importing"))
    if run is None:
        return None
    return _execute(run, dry_run=False)


def roster_import_confirm(*, actor: User, run: RosterImport) -> RosterImport:
    """Import a checked run (now, or by the worker); refused unless it waits for confirmation."""
    _require_importer(actor, run)
    with transaction.atomic():
        claimed = RosterImport.objects.filter(pk=run.pk, status=Status.PREVIEWED).update(
            status=Status.QUEUED,
            dry_run=False,
            actor=actor,
            progress=_("Waiting to import"),
            updated_at=timezone.now(),
        )
        if not claimed:
            raise ValidationError(_("This file was already imported or discarded."))
        audit_record(
            actor=actor, action="roster.confirm", target=run, organization=run.organization,
            after={"file": run.source_name},
        )  # fmt: skip
    run.refresh_from_db()
    return _schedule(run, Status.QUEUED)


def roster_import_discard(*, actor: User, run: RosterImport) -> RosterImport:
    """Drop a run that waits for a person (mapping or confirmation) and delete its file."""
    _require_importer(actor, run)
    with transaction.atomic():
        claimed = RosterImport.objects.filter(
            pk=run.pk, status__in=[Status.MAPPING, Status.PREVIEWED]
        ).update(
            status=Status.DISCARDED, progress="", finished_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip
        if not claimed:
            raise ValidationError(_("Only a file waiting for you can be discarded."))
        audit_record(
            actor=actor, action="roster.discard", target=run, organization=run.organization,
            after={"file": run.source_name},
        )  # fmt: skip
    run.refresh_from_db()
    _delete_upload(run)
    return run


# --- Tidying (a periodic step of ``peerpath worker``) ------------------------------------


def _last_progress(run: RosterImport) -> float:
    path = _upload_path(run)
    latest = run.updated_at.timestamp()
    if path is not None:
        with contextlib.suppress(OSError):
            latest = max(latest, (path.parent / _PROGRESS_FILE).stat().st_mtime)
    return latest


def roster_uploads_tidy(*, now: Any = None) -> int:
    """
    Discard runs nobody confirmed within a day, fail runs whose worker died,
    and delete upload folders that belong to no waiting run; return how many
    runs or folders were tidied.
    """
    now = now or timezone.now()
    tidied = 0
    abandoned = RosterImport.objects.filter(
        status__in=[Status.MAPPING, Status.PREVIEWED],
        updated_at__lt=now - dt.timedelta(seconds=ABANDONED_AFTER),
    )
    for run in abandoned:
        if RosterImport.objects.filter(pk=run.pk, status=run.status).update(
            status=Status.DISCARDED,
            progress=_("Discarded: nobody confirmed it within a day"),
            finished_at=now,
        ):
            _delete_upload(run)
            tidied += 1
    for run in RosterImport.objects.filter(status__in=[Status.CHECKING, Status.RUNNING]):
        if now.timestamp() - _last_progress(run) < STALLED_AFTER:
            continue
        stopped = Issue(
            "", None, None,
            _("The import stopped unexpectedly (the worker was interrupted); nothing was changed."),
            "internal",
        )  # fmt: skip
        if RosterImport.objects.filter(pk=run.pk, status=run.status).update(
            status=Status.FAILED, errors=[stopped.as_dict()], error_count=1, progress="",
            finished_at=now,
        ):  # fmt: skip
            _delete_upload(run)
            tidied += 1
    root = upload_dir()
    if root.is_dir():
        kept = {
            p.split("/", 1)[0]
            for p in RosterImport.objects.exclude(upload_path="").values_list(
                "upload_path", flat=True
            )
        }
        for folder in root.iterdir():
            if folder.name in kept or not folder.is_dir():
                continue
            # A folder of an upload still being written has no record yet: leave it an hour.
            if now.timestamp() - folder.stat().st_mtime < STALLED_AFTER:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            tidied += 1
    return tidied


def csv_sample(run: RosterImport, rows: int = 3) -> list[dict[str, str]]:
    """The first data rows of a plain CSV upload, by column (to help choose the mapping)."""
    path = _upload_path(run)
    if path is None or run.kind != RosterImport.Kind.CSV:
        return []
    found: list[dict[str, str]] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = [cell.strip() for cell in next(reader)]
            for cells in reader:
                if len(found) >= rows:
                    break
                if any(cell.strip() for cell in cells):
                    found.append(
                        {
                            name: cell[:100]
                            for name, cell in zip(header, cells, strict=False)
                            if name
                        }
                    )
    except (OSError, StopIteration, UnicodeDecodeError, csv.Error):
        return found
    return found
