"""
Find user-visible text in Django templates that is not marked for translation.

Each template is split with Django's own template ``Lexer``; text inside
``{% blocktranslate %}``, ``{% comment %}`` and ``{% verbatim %}`` and every
variable or tag is replaced by a placeholder, and what is left is read with
``html.parser``. A finding is a word (a run of letters) that a person would
see: element text outside ``<script>`` and ``<style>``, the user-visible
attributes (``aria-label``, ``placeholder``, ``title``, ``alt``, ``label``,
``hx-confirm``, ``hx-prompt``, the ``value`` of a button-like ``<input>``,
``content`` of a description ``<meta>``), and literal strings given to the
``default``, ``default_if_none`` and ``yesno`` filters. ``pluralize`` is
flagged wherever it is used: it only knows English plurals (use
``{% blocktranslate count %}``). Class names, URLs and other attributes are
not user-visible and are never flagged.

Run it by hand: ``python tests/web/i18n_check.py [TEMPLATE ...]``.

:func:`extract_messages` is the other half: the messages ``makemessages``
would put in the catalogue today (Python, templates and e-mail text), read
from a temporary copy of the tree so the committed ``.po`` is never touched.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterable
from contextlib import chdir
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings

#: Where the templates live: every ``templates`` directory of every app.
SRC = Path(__file__).resolve().parents[2] / "src" / "peerpath"

#: Words that are the same in every language.
ALLOWED_WORDS = frozenset({"Peerpath"})

#: Attributes whose value people see or hear (screen readers, tooltips).
VISIBLE_ATTRS = frozenset(
    {
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-placeholder",
        "aria-valuetext",
        "placeholder",
        "title",
        "alt",
        "label",
        "hx-confirm",
        "hx-prompt",
        # Shown by CSS (``content: attr(data-label)``) in tables on small screens.
        "data-label",
    }
)
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
#: Elements whose content is not prose: scripts, styles, and literal machine
#: text such as a code sample or a key to press.
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp"})
#: Literal filter arguments that are not words, e.g. ``lang="{{ code|default:'en' }}"``.
ALLOWED_FILTER_LITERALS = frozenset({"en"})
#: Tags whose whole body is either translated as one message or never shown.
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}

#: Stands for a tag or variable; the spaces keep ``<details{% if x %} open{% endif %}>``
#: an element for ``html.parser``.
PLACEHOLDER = " \x01 "
WORD = re.compile(r"[^\W\d_]+")
LITERAL_FILTER = re.compile(r"\|\s*(default|default_if_none|yesno)\s*:\s*([\"'])(.*?)\2")
PLURALIZE = re.compile(r"\|\s*pluralize\b")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    where: str
    text: str

    def __str__(self) -> str:
        try:
            name = self.path.relative_to(SRC)
        except ValueError:
            name = self.path
        return f"{name}:{self.line}: {self.where}: {self.text!r}"


def template_files(root: Path = SRC) -> list[Path]:
    """Every file under any ``templates`` directory below ``root``."""
    return sorted(p for p in root.glob("**/templates/**/*") if p.is_file())


def visible_words(text: str) -> list[str]:
    """The words in ``text`` (placeholders removed) that are not allowed as they are."""
    return [w for w in WORD.findall(text.replace(PLACEHOLDER, " ")) if w not in ALLOWED_WORDS]


def _skeleton(source: str) -> tuple[str, list[tuple[int, str]]]:
    """
    The template's text with every tag and variable replaced by a placeholder
    (line breaks kept, so that line numbers still match), and the tags and
    variables themselves with their line numbers.
    """
    parts: list[str] = []
    code: list[tuple[int, str]] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        kind, contents = token.token_type, token.contents
        if closing is not None:
            parts.append("\n" * contents.count("\n"))
            if kind is TokenType.BLOCK and contents.split()[:1] == [closing]:
                closing = None
                parts.append(PLACEHOLDER)
            continue
        if kind is TokenType.TEXT:
            parts.append(contents)
            continue
        parts.append(PLACEHOLDER)
        if kind is TokenType.COMMENT:
            continue
        code.append((token.lineno, contents))
        name = contents.split()[0] if contents.split() else ""
        if kind is TokenType.BLOCK and name in SKIPPED_BLOCKS:
            closing = SKIPPED_BLOCKS[name]
    return "".join(parts), code


class _TextFinder(HTMLParser):
    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.findings: list[Finding] = []
        self._skipping: list[str] = []

    def _check(self, where: str, text: str) -> None:
        if visible_words(text):
            cleaned = " ".join(text.replace("\x01", "{…}").split())
            self.findings.append(Finding(self.path, self.getpos()[0], where, cleaned))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in VISIBLE_ATTRS:
                self._check(f"<{tag} {name}>", value)
        if tag == "input" and values.get("type", "").lower() in BUTTON_INPUT_TYPES:
            self._check(f"<{tag} value>", values.get("value", ""))
        if tag == "meta" and values.get("name", "").lower() == "description":
            self._check(f"<{tag} content>", values.get("content", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._check("text", data)


def check_template(path: Path) -> list[Finding]:
    """Every piece of user-visible text in one template that is not marked for translation."""
    skeleton, code = _skeleton(path.read_text(encoding="utf-8"))
    finder = _TextFinder(path)
    finder.feed(skeleton)
    finder.close()
    findings = finder.findings
    for line, contents in code:
        for match in LITERAL_FILTER.finditer(contents):
            literal = match.group(3)
            if literal not in ALLOWED_FILTER_LITERALS and visible_words(literal):
                findings.append(Finding(path, line, f"|{match.group(1)} literal", literal))
        if PLURALIZE.search(contents):
            findings.append(Finding(path, line, "|pluralize (English only)", contents))
    return sorted(findings, key=lambda f: f.line)


def check_templates(paths: Iterable[Path]) -> list[Finding]:
    return [finding for path in paths for finding in check_template(path)]


#: What ``makemessages`` skips, as the catalogue's header says it is regenerated
#: (``--ignore "engine/*"``: the engine is pure and has no translations).
MAKEMESSAGES_IGNORE = ["engine/*"]


def extract_messages(workdir: Path, root: Path = SRC) -> Path:
    """
    Run ``makemessages -l es`` on a copy of ``root`` made in ``workdir`` and
    return the path of the ``.pot`` it extracted.

    The copy holds only what ``makemessages`` reads (``.py``, ``.html``,
    ``.txt``) and an empty ``locale`` directory, which is where the command
    writes (``LOCALE_PATHS`` points there too), so the committed catalogue
    stays as it is. Needs GNU gettext (``xgettext``, ``msguniq``).
    """
    tree = workdir / root.name
    shutil.copytree(
        root,
        tree,
        ignore=shutil.ignore_patterns("__pycache__", "static", "locale", "*.mo", "*.po"),
    )
    locale = tree / "locale"
    locale.mkdir()
    with override_settings(LOCALE_PATHS=[str(locale)]), chdir(tree):
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=MAKEMESSAGES_IGNORE,
            keep_pot=True,
            verbosity=0,
        )
    return locale / "django.pot"


if __name__ == "__main__":
    targets = [Path(arg).resolve() for arg in sys.argv[1:]] or template_files()
    results = check_templates(targets)
    for result in results:
        print(result)  # noqa: T201
    sys.exit(1 if results else 0)
