"""
Read one CSV table against a column specification, reporting every problem.

Shared by the OneRoster parser and the plain CSV import. Headers are matched
without regard to case; vendor extension columns (``ext_*``, and
``metadata.*`` as OneRoster 1.1 allows) are ignored; an unknown column that
looks like a misspelling of a known one is an error, any other unknown column
is ignored with a warning. Pure Python: no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from peerpath.rosters.report import IssueCollector

__all__ = ["Column", "Row", "TableSpec", "read_table"]

_YEAR = re.compile(r"^\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)

csv.field_size_limit(1024 * 1024)


@dataclass(frozen=True)
class Column:
    """
    One column of a table.

    ``kind`` is ``text``, ``date``, ``datetime``, ``bool``, ``list`` (comma
    separated), ``enum`` (one of ``choices``, any case), ``year``, ``int`` or
    ``secret`` (a known column that is never read, such as ``password``).
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class TableSpec:
    file: str
    columns: tuple[Column, ...]
    #: Ignore vendor extension columns (``ext_*``, ``metadata.*``) silently.
    allow_extensions: bool = True


class _BadValueError(Exception):
    pass


def _parse_date(value: str) -> dt.date:
    if not _ISO_DATE.match(value):
        raise _BadValueError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": value}
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadValueError(_("“%(value)s” is not a real date.") % {"value": value}) from None


def _parse_datetime(value: str) -> dt.datetime:
    if not _ISO_DATETIME.match(value):
        raise _BadValueError(
            _("“%(value)s” is not an ISO 8601 date-time (YYYY-MM-DDThh:mm:ssZ).") % {"value": value}
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _BadValueError(_("“%(value)s” is not a real date-time.") % {"value": value}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _converter(column: Column) -> Callable[[str], Any]:
    kind = column.kind
    if kind == "date":
        return _parse_date
    if kind == "datetime":
        return _parse_datetime
    if kind == "bool":

        def to_bool(value: str) -> bool:
            low = value.lower()
            if low == "true":
                return True
            if low == "false":
                return False
            raise _BadValueError(_("“%(value)s” must be true or false.") % {"value": value})

        return to_bool
    if kind == "list":
        return lambda value: [part.strip() for part in value.split(",") if part.strip()]
    if kind == "enum":
        lookup = {choice.lower(): choice for choice in column.choices}
        allowed = ", ".join(column.choices)

        def to_choice(value: str) -> str:
            try:
                return lookup[value.lower()]
            except KeyError:
                raise _BadValueError(
                    _("“%(value)s” is not one of: %(allowed)s.")
                    % {"value": value, "allowed": allowed}
                ) from None

        return to_choice
    if kind == "year":

        def to_year(value: str) -> int:
            if not _YEAR.match(value):
                raise _BadValueError(_("“%(value)s” is not a four-digit year.") % {"value": value})
            return int(value)

        return to_year
    if kind == "int":

        def to_int(value: str) -> int:
            try:
                return int(value)
            except ValueError:
                raise _BadValueError(
                    _("“%(value)s” is not a whole number.") % {"value": value}
                ) from None

        return to_int
    max_length = column.max_length
    if max_length:

        def to_text(value: str) -> str:
            if len(value) > max_length:
                raise _BadValueError(
                    _("The value is %(length)d characters long; at most %(limit)d are allowed.")
                    % {"length": len(value), "limit": max_length}
                )
            return value

        return to_text
    return str


@dataclass(slots=True)
class Row:
    """One data row: its CSV row number and its converted values by column name."""

    number: int
    values: dict[str, Any]


def _is_extension(header: str) -> bool:
    low = header.lower()
    return low.startswith(("ext_", "ext.", "metadata."))


def read_table(
    handle: IO[str],
    spec: TableSpec,
    issues: IssueCollector,
    *,
    required_override: frozenset[str] = frozenset(),
    on_row: Callable[[int], None] | None = None,
) -> Iterator[Row]:
    """
    Yield the valid rows of the CSV in ``handle``; record problems in ``issues``.

    A row with any problem is reported and not yielded. ``required_override``
    names columns that must have a value in this file even though the spec says
    they are optional (OneRoster's ``status`` and ``dateLastModified`` in delta
    files). Values are stripped; an empty value of an optional column is
    ``None`` (``[]`` for lists, ``""`` for text).
    """
    file = spec.file
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        issues.error(file, None, None, _("The file is empty: it has no header row."), "empty_file")
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        issues.error(
            file, 1, None, _("The header cannot be read: %(error)s") % {"error": exc}, "csv"
        )
        return

    known = {c.name.lower(): c for c in spec.columns}
    positions: list[tuple[int, Column, Callable[[str], Any], bool]] = []
    nameless: list[int] = []
    seen: dict[str, int] = {}
    header_ok = True
    unknown: list[tuple[int, str]] = []
    for index, raw_name in enumerate(header):
        name = raw_name.strip()
        if not name:
            nameless.append(index)
            continue
        low = name.lower()
        if low in seen:
            issues.error(
                file, 1, name,
                _("The column appears twice (columns %(first)d and %(second)d).")
                % {"first": seen[low] + 1, "second": index + 1},
                "duplicate_column",
            )  # fmt: skip
            header_ok = False
            continue
        seen[low] = index
        column = known.get(low)
        if column is None:
            if not (spec.allow_extensions and _is_extension(name)):
                unknown.append((index, name))
            continue
        required = column.required or column.name in required_override
        positions.append((index, column, _converter(column), required))

    present = {c.name.lower() for _i, c, _f, _r in positions}
    missing = [
        c for c in spec.columns
        if c.name.lower() not in present and (c.required or c.name in required_override)
    ]  # fmt: skip
    missing_names = {c.name.lower(): c.name for c in missing}
    absent_optional = {
        c.name.lower(): c.name for c in spec.columns if c.name.lower() not in present
    }
    for _index, name in unknown:
        guess = difflib.get_close_matches(name.lower(), list(absent_optional), n=1, cutoff=0.75)
        if guess:
            intended = absent_optional[guess[0]]
            issues.error(
                file, 1, name,
                _("Unknown column; did you mean “%(intended)s”?") % {"intended": intended},
                "misspelt_column",
            )  # fmt: skip
            if guess[0] in missing_names:
                # A misspelt required column: the rows cannot be read without it.
                missing_names.pop(guess[0])
                header_ok = False
        else:
            issues.warning(
                file, 1, name, _("Unknown column; its values are ignored."), "unknown_column"
            )
    for name in missing_names.values():
        issues.error(file, 1, name, _("This required column is missing."), "missing_column")
        header_ok = False
    if not header_ok:
        return

    positioned = {c.name for _i, c, _f, _r in positions}
    defaults: dict[str, Any] = {
        c.name: [] if c.kind == "list" else "" if c.kind == "text" else None
        for c in spec.columns
        if c.name not in positioned and c.kind != "secret"
    }
    width = len(header)
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            issues.error(
                file, row_number + 1, None,
                _("The row cannot be read: %(error)s") % {"error": exc}, "csv",
            )  # fmt: skip
            return
        row_number += 1
        if on_row is not None:
            on_row(row_number)
        if not cells:
            continue  # a blank line
        if len(cells) != width:
            # Spreadsheets drop or add empty trailing cells; only values matter.
            extra = cells[width:]
            if any(cell.strip() for cell in extra):
                issues.error(
                    file, row_number, None,
                    _("The row has %(count)d values but the header has %(width)d columns.")
                    % {"count": len(cells), "width": width},
                    "row_width",
                )  # fmt: skip
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
        if nameless and any(cells[i].strip() for i in nameless):
            issues.error(
                file, row_number, None,
                _("The row has a value in a column without a header."), "row_width",
            )  # fmt: skip
            continue
        values: dict[str, Any] = dict(defaults)
        ok = True
        for index, column, convert, required in positions:
            if column.kind == "secret":
                continue  # never read, never kept
            raw = cells[index].strip()
            if not raw:
                if required:
                    issues.error(
                        file, row_number, column.name, _("A value is required."), "required"
                    )
                    ok = False
                values[column.name] = (
                    [] if column.kind == "list" else "" if column.kind == "text" else None
                )
                continue
            try:
                values[column.name] = convert(raw)
            except _BadValueError as exc:
                issues.error(file, row_number, column.name, str(exc), f"bad_{column.kind}")
                ok = False
        if ok:
            yield Row(row_number, values)
