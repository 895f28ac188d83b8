"""Backups restore every row: SQLite always, PostgreSQL when the tests run on it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from factories import make_coordinator, make_program, make_school, make_student
from peerpath.core.models import AuditEntry, Organization, User
from peerpath.privacy.backup import BackupError, database_backup, database_restore


def build_some_rows() -> None:
    school = make_school("Backup High")
    coordinator = make_coordinator(school)
    make_program(school, coordinator, name="Backup Tutoring")
    for n in range(5):
        make_student(school, given_name=f"Student{n}")


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        found = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            found[table] = cursor.fetchone()[0]
    return found


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_then_restore_finds_every_row(tmp_path: Path):
    if connection.vendor != "sqlite":
        pytest.skip("The SQLite backup is tested when the tests run on SQLite.")
    build_some_rows()
    before = table_counts()
    assert before["core_user"] >= 6
    path = tmp_path / "peerpath.sqlite3"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "Backed up (sqlite)" in out.getvalue()

    # Change and delete rows after the backup.
    AuditEntry.objects.all().delete()
    User.objects.filter(given_name="Student0").update(given_name="Changed")
    make_student(make_school("After High"), given_name="Later")
    assert table_counts() != before

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), stdout=io.StringIO())
    call_command("restore", str(path), "--force", stdout=io.StringIO())
    assert table_counts() == before
    assert User.objects.filter(given_name="Student0").exists()
    assert not User.objects.filter(given_name="Later").exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, db):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        database_restore(
            junk,
            force=True,
            database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.sqlite3")},
        )
    with pytest.raises(BackupError, match="does not exist"):
        database_restore(tmp_path / "missing.dump", force=True)


def test_sqlite_file_backup_and_restore_into_an_empty_file(tmp_path: Path, db):
    """The same code path with two database files (what a production SQLite has)."""
    import sqlite3

    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO person (name) VALUES (?)", [("a",), ("b",), ("c",)])
    live = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)}
    database_backup(tmp_path / "backup.sqlite3", database=live)
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "new.sqlite3")}
    database_restore(tmp_path / "backup.sqlite3", database=target)  # empty: no --force needed
    with sqlite3.connect(target["NAME"]) as conn:
        assert conn.execute("SELECT name FROM person ORDER BY id").fetchall() == [
            ("a",),
            ("b",),
            ("c",),
        ]
    with pytest.raises(BackupError, match="not empty"):
        database_restore(tmp_path / "backup.sqlite3", database=target)


@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_every_row_into_a_scratch_database(tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip("Runs when DATABASE_URL is PostgreSQL.")
    import psycopg

    build_some_rows()
    before = table_counts()
    path = tmp_path / "peerpath.dump"
    database_backup(path)
    assert path.stat().st_size > 0

    live = connection.settings_dict
    scratch_name = f"{live['NAME']}_scratch_{os.getpid()}"
    params = {
        "host": live.get("HOST") or None,
        "port": live.get("PORT") or None,
        "user": live.get("USER") or None,
        "password": live.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
        admin.execute(f'CREATE DATABASE "{scratch_name}"')
    scratch = {**live, "NAME": scratch_name}

    def scratch_counts() -> dict[str, int]:
        with psycopg.connect(dbname=scratch_name, autocommit=True, **params) as conn:
            return {
                table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in before
            }

    try:
        database_restore(path, database=scratch)
        assert scratch_counts() == before
        with psycopg.connect(dbname=scratch_name, autocommit=True, **params) as conn:
            conn.execute("DELETE FROM core_auditentry")
            conn.execute("UPDATE core_organization SET name = 'changed'")
        assert scratch_counts() != before
        with pytest.raises(BackupError, match="not empty"):
            database_restore(path, database=scratch)
        database_restore(path, database=scratch, force=True)
        assert scratch_counts() == before
        with psycopg.connect(dbname=scratch_name, autocommit=True, **params) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM core_organization")}
        assert names == set(Organization.objects.values_list("name", flat=True))
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
