"""The trust tests: their helpers (access_world, url_walk) and the meetings helpers they build on."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent / "meetings"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
