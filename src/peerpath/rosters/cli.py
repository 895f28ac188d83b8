"""Shared output of the import commands: a progress line and the report."""

from __future__ import annotations

from typing import Any, Protocol, TextIO

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from peerpath.core.models import User
from peerpath.rosters.report import ImportReport

WARNINGS_SHOWN = 20


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class ProgressLine:
    """A one-line progress bar on a terminal; plain lines otherwise (logs, CI)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.tty:
            if total:
                width = 30
                filled = int(width * done / total)
                bar = "#" * filled + "." * (width - filled)
                text = f"\r[{bar}] {label} ({done}/{total})"
            else:
                text = f"\r{label}: {done} " + _("rows")
            self.stream.write(text.ljust(len(self._last)))
            self.stream.flush()
            self._last = text
        elif total and label != self._last:
            self.stream.write(f"{label} ({done + 1 if done < total else done}/{total})\n")
            self._last = label

    def close(self) -> None:
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()


def find_actor(email: str | None) -> User | None:
    if not email:
        return None
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        raise CommandError(
            _("No user with e-mail %(email)s.") % {"email": email}, returncode=2
        ) from None


def write_report(report: ImportReport, out: Writable, err: Writable) -> None:
    """Print counts, warnings and errors; raise CommandError (exit 2) when it failed."""
    for issue in report.errors:
        err.write(f"ERROR {issue}\n")
    hidden = report.issues.error_count - len(report.errors)
    if hidden:
        err.write(_("… and %(n)d more errors.") % {"n": hidden} + "\n")
    for issue in report.warnings[:WARNINGS_SHOWN]:
        out.write(f"warning {issue}\n")
    hidden = report.issues.warning_count - min(len(report.warnings), WARNINGS_SHOWN)
    if hidden > 0:
        out.write(
            _("… and %(n)d more warnings (see roster import #%(id)s in the admin).")
            % {"n": hidden, "id": report.import_id}
            + "\n"
        )
    if report.ok:
        for kind, counts in sorted(report.counts.items()):
            parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            out.write(f"{kind}: {parts or '0'}\n")
        if report.dry_run:
            out.write(_("Dry run: the roster is valid; nothing was changed.") + "\n")
        else:
            out.write(_("Imported %(name)s.") % {"name": report.source_name} + "\n")
        return
    raise CommandError(
        _("Nothing was imported: %(n)d error(s) in %(name)s.")
        % {"n": report.issues.error_count, "name": report.source_name},
        returncode=2,
    )
