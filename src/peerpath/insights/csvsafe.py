"""
CSV files that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return can be read as a formula by Excel, LibreOffice or Google Sheets
("CSV injection", OWASP). :func:`neutralise` prefixes such a cell with an
apostrophe, which the spreadsheet shows as text; every cell of every export
goes through it, numbers included (a negative number becomes ``'-3``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "neutralise", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Return ``value`` as text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[bytes, int]:
    """Return the UTF-8 (with BOM, for Excel) CSV of ``rows`` and the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count
