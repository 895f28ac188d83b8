"""
Settings shared by the whole test suite.

``tests/`` is not a package; putting it on ``sys.path`` lets every test,
whatever its directory, ``import factories`` (see ``tests/factories.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)
