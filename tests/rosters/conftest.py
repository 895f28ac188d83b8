"""
Fixtures of the roster tests; helpers are in ``roster_helpers``.

With ``--import-mode=importlib`` test folders are not on ``sys.path``; this
folder is added so that the tests can ``import roster_helpers``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from factories import make_organization
from peerpath.core.models import Organization

FIXTURES = Path(__file__).parent / "fixtures"
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def org(db: Any) -> Organization:
    return make_organization("Lakeside District", slug="lakeside")


@pytest.fixture
def roster_dir(tmp_path: Path) -> Any:
    """Return a function copying a fixture set to a fresh folder the test may edit."""

    def copy(name: str = "district_v1p1") -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy
