from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEERPATH = Path(sys.executable).with_name("peerpath")


def run(args, **env):
    full_env = {**os.environ, **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests
    return subprocess.run(
        [str(PEERPATH), *args], capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=120
    )


def test_peerpath_runs_django_commands_with_its_settings(tmp_path):
    result = run(["check"], PEERPATH_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_passes_deploy_checks(tmp_path):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        PEERPATH_ENV="production",
        PEERPATH_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-for-tests-0123456789",
        PEERPATH_ALLOWED_HOSTS="peerpath.example.org",
        PEERPATH_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(
        ["check"],
        PEERPATH_ENV="production",
        PEERPATH_ALLOWED_HOSTS="peerpath.example.org",
        PEERPATH_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "Set PEERPATH_SECRET_KEY in production." in result.stderr


def test_unknown_environment_is_refused(tmp_path):
    result = run(["check"], PEERPATH_ENV="staging", PEERPATH_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "PEERPATH_ENV must be" in result.stderr


def test_static_assets_are_served_by_the_app_itself(settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True  # as under runserver; production uses collectstatic
    client = Client()
    for path in ["/static/peerpath/vendor/htmx-2.0.11.min.js", "/static/peerpath/peerpath.css"]:
        response = client.get(path)
        assert response.status_code == 200, path


def test_no_template_loads_assets_from_another_host():
    offenders = []
    for template in (ROOT / "src" / "peerpath").rglob("templates/**/*.html"):
        text = template.read_text()
        for marker in ('src="http', "src='http", 'href="http', "href='http", "url(http", "//cdn"):
            if marker in text:
                offenders.append(f"{template.relative_to(ROOT)}: {marker}")
    assert offenders == []


def test_production_hashes_passwords_with_argon2():
    from peerpath.config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
