"""Make the engine test helpers and the benchmark cohort generator importable.

The suite runs with ``--import-mode=importlib``, which does not put test
directories on ``sys.path``.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1] / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
