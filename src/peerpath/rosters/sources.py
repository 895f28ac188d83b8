"""
Read the CSV files of a roster from a folder or a ``.zip`` archive, safely.

An archive is checked before a byte is decompressed: no more than
``Limits.max_files`` entries, no absolute paths, ``..`` components, backslashes,
symbolic links or encrypted entries, no entry that would expand more than
``Limits.max_ratio`` times, and no more than ``Limits.max_total_bytes`` in all.
Reading also counts the bytes really produced, so an archive whose headers lie
about sizes is stopped as well. Pure Python: no Django, no database.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from django.utils.translation import gettext as _

__all__ = ["Limits", "RosterFiles", "SourceError", "open_roster_source"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upper bounds that protect the server from hostile or broken uploads."""

    max_files: int = 64
    max_file_bytes: int = 512 * _MIB
    max_total_bytes: int = 1024 * _MIB
    max_ratio: int = 100
    #: Ratios are only checked above this size: tiny files compress erratically.
    ratio_floor_bytes: int = 1 * _MIB


class SourceError(Exception):
    """The archive or folder cannot be read at all (the message says why)."""

    def __init__(self, message: str, *, file: str = "", code: str = "archive") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.code = code


class _CountingReader(io.RawIOBase):
    """A binary stream that stops once more than ``budget`` bytes were read."""

    def __init__(self, raw: IO[bytes], name: str, budget: int) -> None:
        self._raw = raw
        self._name = name
        self._budget = budget
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self.consumed += len(data)
        if self.consumed > self._budget:
            raise SourceError(
                _("%(file)s expands beyond the import size limit.") % {"file": self._name},
                file=self._name,
                code="limit",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class RosterFiles:
    """The CSV files of one roster, by their base name, opened as text on demand."""

    def __init__(self, display_name: str, limits: Limits) -> None:
        self.display_name = display_name
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}  # base name -> member name or path
        self._used = 0

    @property
    def names(self) -> list[str]:
        """The base names of the CSV files, as spelled in the source."""
        return sorted(self._members)

    def size(self, name: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(self._members[name]).file_size
        return Path(self._members[name]).stat().st_size

    @contextmanager
    def open_text(self, name: str) -> Iterator[IO[str]]:
        """Open ``name`` as UTF-8 text (a byte-order mark is dropped)."""
        budget = min(self.limits.max_file_bytes, self.limits.max_total_bytes - self._used)
        raw: IO[bytes]
        if self._zip is not None:
            raw = self._zip.open(self._members[name])
        else:
            raw = open(self._members[name], "rb")  # noqa: SIM115 - closed below
        counting = _CountingReader(raw, name, budget)
        text = io.TextIOWrapper(
            io.BufferedReader(counting, buffer_size=256 * 1024),
            encoding="utf-8-sig",
            newline="",
        )
        try:
            yield text
        finally:
            self._used += counting.consumed
            text.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name)
    if (
        "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part == ".." for part in path.parts)
    ):
        raise SourceError(
            _("The archive contains an unsafe path (%(name)s); nothing was imported.")
            % {"name": name},
            code="path_traversal",
        )


def _open_zip(files: RosterFiles, handle: BinaryIO | Path, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(
            _("This is not a readable .zip archive (%(error)s).") % {"error": exc}
        ) from None
    infos = archive.infolist()
    if len(infos) > limits.max_files:
        archive.close()
        raise SourceError(
            _("The archive holds %(count)d entries; at most %(limit)d are allowed.")
            % {"count": len(infos), "limit": limits.max_files},
            code="limit",
        )
    total = 0
    csvs: list[zipfile.ZipInfo] = []
    for info in infos:
        _check_member_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            archive.close()
            raise SourceError(
                _("The archive contains a symbolic link (%(name)s).") % {"name": info.filename},
                code="path_traversal",
            )
        if info.flag_bits & 0x1:
            archive.close()
            raise SourceError(
                _("%(name)s is encrypted; send the roster without a password.")
                % {"name": info.filename}
            )
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        total += info.file_size
        if info.file_size > limits.max_file_bytes or total > limits.max_total_bytes:
            archive.close()
            raise SourceError(
                _("The archive expands to more than the import size limit (%(limit)d MiB).")
                % {"limit": limits.max_total_bytes // _MIB},
                file=info.filename,
                code="limit",
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            archive.close()
            raise SourceError(
                _("%(name)s is compressed more than %(ratio)d to 1; this looks like a zip bomb.")
                % {"name": info.filename, "ratio": limits.max_ratio},
                file=info.filename,
                code="limit",
            )
        if info.filename.lower().endswith(".csv"):
            csvs.append(info)
    # Files at the root, or all inside one top-level folder (a zipped folder).
    parents = {PurePosixPath(i.filename).parent for i in csvs}
    if len(parents) > 1:
        archive.close()
        raise SourceError(
            _("The CSV files must all be in one folder of the archive; found %(folders)s.")
            % {"folders": ", ".join(sorted(str(p) for p in parents))}
        )
    files._zip = archive
    for info in csvs:
        files._members[PurePosixPath(info.filename).name] = info.filename


def _open_folder(files: RosterFiles, folder: Path, limits: Limits) -> None:
    entries = sorted(folder.iterdir())
    if len(entries) > limits.max_files:
        raise SourceError(
            _("The folder holds %(count)d entries; at most %(limit)d are allowed.")
            % {"count": len(entries), "limit": limits.max_files},
            code="limit",
        )
    total = 0
    for entry in entries:
        if not entry.name.lower().endswith(".csv"):
            continue
        if entry.is_symlink():
            raise SourceError(
                _("%(name)s is a symbolic link; copy the file instead.") % {"name": entry.name},
                code="path_traversal",
            )
        if not entry.is_file():
            continue
        total += entry.stat().st_size
        if total > limits.max_total_bytes:
            raise SourceError(
                _("The roster is larger than the import size limit (%(limit)d MiB).")
                % {"limit": limits.max_total_bytes // _MIB},
                file=entry.name,
                code="limit",
            )
        files._members[entry.name] = str(entry)


def open_roster_source(source: str | Path | BinaryIO, limits: Limits | None = None) -> RosterFiles:
    """
    Open a roster given as a folder, a ``.zip`` path or a binary ``.zip`` stream.

    Raise :class:`SourceError` when it cannot be read safely. The caller closes
    the returned :class:`RosterFiles`.
    """
    limits = limits or Limits()
    if isinstance(source, str | Path):
        path = Path(source)
        files = RosterFiles(path.name, limits)
        if path.is_dir():
            _open_folder(files, path, limits)
        elif path.is_file():
            _open_zip(files, path, limits)
        else:
            raise SourceError(_("%(path)s does not exist.") % {"path": path}, code="missing")
        return files
    files = RosterFiles(str(getattr(source, "name", "") or "upload.zip"), limits)
    _open_zip(files, source, limits)
    return files
