"""Student privacy: every script, style, font and image is served by Peerpath itself."""

from __future__ import annotations

import re
from pathlib import Path

import peerpath

ROOT = Path(peerpath.__file__).resolve().parent
#: Ways a page or script loads something: src attributes (HTML or JS objects),
#: CSS url() and @import, and <link href> (stylesheets, icons, preloads).
LOADS = re.compile(
    r"""src\s*[:=]\s*["']https?://"""
    r"""|url\(\s*["']?https?://"""
    r"""|@import\s+(?:url\()?["']?https?://"""
    r"""|<link[^>]+href=["']https?://"""
)  # case-sensitive: JavaScript's new URL("https://…") parses an address, it loads nothing


def _assets() -> list[Path]:
    found = []
    for pattern in ("*/static/**/*", "*/templates/**/*.html"):
        found += [p for p in ROOT.glob(pattern) if p.suffix in {".js", ".css", ".html", ".svg"}]
    return found


def test_no_asset_is_loaded_from_another_host() -> None:
    files = _assets()
    assert any(p.name.startswith("redoc") for p in files)  # the vendored bundles are scanned
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in LOADS.finditer(text):
            start = max(match.start() - 40, 0)
            offenders.append(f"{path.relative_to(ROOT)}: …{text[start : match.end() + 40]}…")
    assert not offenders, "\n".join(offenders)
