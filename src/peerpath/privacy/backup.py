"""
Backups of the whole database, and restoring them.

SQLite is copied with its online backup API (:meth:`sqlite3.Connection.backup`),
page by page, while the server and the worker go on reading and writing;
PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore``, which must be
on ``PATH`` (the client of the same major version as the server, or newer).

A restore refuses to overwrite a database that already holds tables unless
told to (``force``): restoring is how data is lost when the wrong file or the
wrong database is named.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

__all__ = ["BackupError", "BackupResult", "database_backup", "database_restore"]


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    size_bytes: int
    seconds: float


def _vendor(database: Mapping[str, Any]) -> str:
    engine = str(database.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups of {engine or 'this database'} are not supported.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH; install the PostgreSQL client.")
    return found


def _pg_env(database: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if database.get(key):
            env[var] = str(database[key])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _sqlite_tables(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchone()
    return int(row[0])


def _pg_tables(database: Mapping[str, Any]) -> int:
    import psycopg

    with psycopg.connect(
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    return int(row[0]) if row else 0


def database_backup(
    path: str | Path, *, using: str = "default", database: Mapping[str, Any] | None = None
) -> BackupResult:
    """
    Write a backup of the database ``using`` (or the one described by the
    settings dict ``database``) to ``path``; return its size and duration.

    The file is written next to ``path`` first and renamed when complete, so a
    backup that fails halfway never leaves a truncated file under its name.
    """
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    settings_dict = database if database is not None else connections[using].settings_dict
    vendor = _vendor(settings_dict)
    started = time.monotonic()
    partial.unlink(missing_ok=True)
    try:
        if vendor == "sqlite":
            if database is None:
                connection = connections[using]
                connection.ensure_connection()
                source = connection.connection
                close_source = False
            else:
                source = sqlite3.connect(settings_dict["NAME"])
                close_source = True
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest, pages=1024)
            finally:
                dest.close()
                if close_source:
                    source.close()
        else:
            _run(
                [_tool("pg_dump"), "--format=custom", f"--file={partial}", settings_dict["NAME"]],
                _pg_env(settings_dict),
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, vendor, target.stat().st_size, time.monotonic() - started)


def database_restore(
    path: str | Path,
    *,
    force: bool = False,
    using: str = "default",
    database: Mapping[str, Any] | None = None,
) -> BackupResult:
    """
    Replace the database ``using`` (or ``database``) by the backup at ``path``.

    Refuse (:class:`BackupError`) if the database already holds tables, unless
    ``force``. Stop the server and the worker first: the restore replaces every
    table under them.
    """
    source_path = Path(path).resolve()
    if not source_path.is_file():
        raise BackupError(f"{source_path} does not exist.")
    settings_dict = database if database is not None else connections[using].settings_dict
    vendor = _vendor(settings_dict)
    started = time.monotonic()
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            try:
                _sqlite_tables(source)
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"{source_path} is not an SQLite backup: {exc}") from exc
            if database is None:
                connection = connections[using]
                connection.ensure_connection()
                if connection.in_atomic_block:
                    raise BackupError("Cannot restore inside a transaction.")
                target = connection.connection
                close_target = False
            else:
                target = sqlite3.connect(settings_dict["NAME"])
                close_target = True
            try:
                if _sqlite_tables(target) and not force:
                    raise BackupError(
                        "The database is not empty; restore with --force to replace it."
                    )
                source.backup(target)
            finally:
                if close_target:
                    target.close()
        finally:
            source.close()
    else:
        if _pg_tables(settings_dict) and not force:
            raise BackupError("The database is not empty; restore with --force to replace it.")
        if database is None:
            connections[using].close()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={settings_dict['NAME']}",
                str(source_path),
            ],
            _pg_env(settings_dict),
        )
    return BackupResult(source_path, vendor, source_path.stat().st_size, time.monotonic() - started)
