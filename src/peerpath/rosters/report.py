"""
What an import found and did: issues (with file, row and column) and counts.

Pure Python, no database: the parsers and the services share these classes,
and the CLI and the ``RosterImport`` record serialise them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_STORED_ISSUES", "ImportReport", "Issue", "IssueCollector"]

#: Issues kept per kind (errors, warnings); further ones are only counted.
MAX_STORED_ISSUES = 1000


@dataclass(slots=True, frozen=True)
class Issue:
    """
    One problem in the input.

    ``row`` counts CSV records the way a spreadsheet does: the header is row 1,
    the first data row is row 2. ``row`` and ``column`` are ``None`` when the
    problem concerns a whole file or the whole archive.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    code: str

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class IssueCollector:
    """Errors and warnings, capped at :data:`MAX_STORED_ISSUES` each."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0

    def error(
        self, file: str, row: int | None, column: str | None, message: str, code: str
    ) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ISSUES:
            self.errors.append(Issue(file, row, column, message, code))

    def warning(
        self, file: str, row: int | None, column: str | None, message: str, code: str
    ) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_STORED_ISSUES:
            self.warnings.append(Issue(file, row, column, message, code))

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0


@dataclass
class ImportReport:
    """
    The outcome of one import, committed, rolled back or dry run.

    ``counts`` maps a kind of record (``"users"``) to how many were
    ``created``, ``updated``, ``unchanged`` and ``deleted`` (marked deleted or
    deactivated). On a dry run the counts say what a real run would have done.
    """

    source_name: str
    dry_run: bool
    issues: IssueCollector = field(default_factory=IssueCollector)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    version: str = ""
    committed: bool = False
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.issues.has_errors

    @property
    def errors(self) -> list[Issue]:
        return self.issues.errors

    @property
    def warnings(self) -> list[Issue]:
        return self.issues.warnings

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(
            kind, {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        )
        bucket[outcome] = bucket.get(outcome, 0) + n

    def total(self, kind: str) -> int:
        """Rows of ``kind`` in the input (created + updated + unchanged)."""
        bucket = self.counts.get(kind, {})
        return sum(bucket.get(k, 0) for k in ("created", "updated", "unchanged"))
