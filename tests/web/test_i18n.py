"""
Every template string is marked for translation, and the Spanish catalogue is
complete and compiled.

The template check finds every file under any ``templates`` directory of
``src/peerpath`` (new apps and templates are covered without listing them);
``i18n_check.py`` says what counts as user-visible text. The catalogue check
extracts the messages from the source as ``makemessages`` does, so a new
string in a template or in Python fails it until it is translated.
"""

from __future__ import annotations

import gettext
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from i18n_check import SRC, check_template, extract_messages, template_files

LOCALE = SRC / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = template_files()


def _bad_template(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "t.html"
    path.write_text("{% load i18n %}\n" + body, encoding="utf-8")
    return [f"{f.where}: {f.text}" for f in check_template(path)]


def test_templates_are_found():
    assert len(TEMPLATES) > 50
    assert SRC / "web" / "templates" / "web" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_template_text_is_marked_for_translation(template):
    findings = check_template(template)
    assert not findings, "Text not marked for translation:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize(
    "body",
    [
        "<h1>Hello {{ name }}</h1>",
        '<a href="{% url \'home\' %}" class="button" title="Open it">{% translate "Go" %}</a>',
        '<img src="a.png" alt="A cat">',
        '<input type="submit" value="Send">',
        '<input type="search" name="q" placeholder="Search">',
        '<nav aria-label="Main">…</nav>',
        '<td data-label="Name">{{ x }}</td>',
        '<button hx-post="." hx-confirm="Really delete?">{% translate "Delete" %}</button>',
        '{{ value|default:"Not set" }}',
        "{{ flag|yesno:'yes,no' }}",
        "{{ n }} item{{ n|pluralize }}",
        "<p>{% if late %}Late{% endif %}</p>",
    ],
)
def test_checker_finds_unmarked_text(tmp_path, body):
    assert _bad_template(tmp_path, body)


@pytest.mark.parametrize(
    "body",
    [
        '<h1>{% translate "Hello" %}</h1>',
        "<p>{% blocktranslate with name=x %}Hello {{ name }}{% endblocktranslate %}</p>",
        '<a href="/x/" class="secondary outline" id="go" hx-target="#main">{{ label }}</a>',
        '<details{% if open %} open{% endif %} class="card"><summary>{{ t }}</summary></details>',
        "<strong>Peerpath</strong> · — – … {{ a }}: {{ b }} (3) 12%",
        '<script>const label = "Not user text";</script><style>p::after { content: "x"; }</style>',
        "<code>Authorization: Bearer {{ key }}</code>",
        "{# A comment #}{% comment %}Notes for developers{% endcomment %}",
        "<nav aria-label=\"{% translate 'Main' %}\"></nav>",
        '{{ value|default:_("Not set") }} {{ value|default:"–" }} {{ flag|yesno:_("yes,no") }}',
    ],
)
def test_checker_ignores_marked_and_invisible_text(tmp_path, body):
    assert _bad_template(tmp_path, body) == []


# --- The Spanish catalogue ---------------------------------------------------------------


def _po_entries(path: Path) -> list[dict[str, object]]:
    """Read a .po file: each entry's flags, places, msgid, plural and msgstr(s), unescaped."""

    def unquote(text: str) -> str:
        return text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")

    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {}, ""
            continue
        if line.startswith("#,"):
            entry["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#:"):
            entry["where"] = f"{entry.get('where', '')} {line[2:].strip()}".strip()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] = str(entry[field]) + unquote(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = unquote(value)
    return entries


PO_ENTRIES = [e for e in _po_entries(PO) if not e.get("obsolete")] if PO.exists() else []
MESSAGES = [e for e in PO_ENTRIES if e["msgid"]]


def test_catalogue_is_there_and_large():
    assert PO.exists()
    assert MO.exists()
    assert len(MESSAGES) > 1000


def test_header_has_spanish_plural_forms():
    header = str(next(e for e in PO_ENTRIES if e["msgid"] == "")["msgstr"])
    assert "Language: es\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "charset=UTF-8" in header


def test_every_message_is_translated_and_none_is_fuzzy():
    fuzzy = [e["msgid"] for e in MESSAGES if "fuzzy" in e.get("flags", set())]  # type: ignore[operator]
    missing = [
        e["msgid"] for e in MESSAGES if not all(e[k] for k in e if str(k).startswith("msgstr"))
    ]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"
    assert not missing, f"{len(missing)} untranslated: {missing[:10]}"


def _key(entry: dict[str, object]) -> tuple[str, str]:
    return (str(entry.get("msgctxt", "")), str(entry["msgid"]))


def _where(entry: dict[str, object]) -> str:
    return str(entry.get("where", "")).split(" ")[0]


def test_every_message_in_the_source_is_translated_in_the_catalogue(tmp_path):
    """
    Extract the messages as ``makemessages -l es`` would today (on a copy of
    the tree) and check each against the committed catalogue: it must be
    there, translated (every plural form) and not fuzzy.
    """
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        pytest.skip("GNU gettext (xgettext, msguniq) is not installed: cannot extract messages")
    current = [e for e in _po_entries(extract_messages(tmp_path)) if e["msgid"]]
    assert len(current) > 1000
    catalogue = {_key(e): e for e in MESSAGES}
    problems = []
    for entry in current:
        found = catalogue.get(_key(entry))
        if found is None:
            problem = "missing"
        elif "fuzzy" in found.get("flags", set()):  # type: ignore[operator]
            problem = "fuzzy"
        elif not all(found[k] for k in found if str(k).startswith("msgstr")):
            problem = "untranslated"
        else:
            continue
        context = f" (context {entry['msgctxt']!r})" if entry.get("msgctxt") else ""
        problems.append(f"{problem}: {entry['msgid']!r}{context} at {_where(entry)}")
    assert not problems, (
        f"{len(problems)} messages of the source are not translated in {PO.relative_to(SRC)}; "
        "run `peerpath makemessages -l es --ignore 'engine/*'` in src/peerpath, translate, "
        "then `peerpath compilemessages`:\n" + "\n".join(problems)
    )


_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def test_placeholders_are_kept():
    wrong = []
    for e in MESSAGES:
        sources = [str(e["msgid"])] + ([str(e["msgid_plural"])] if "msgid_plural" in e else [])
        wanted = set().union(*(_PLACEHOLDER.findall(s) for s in sources))
        for key in [k for k in e if str(k).startswith("msgstr")]:
            if set(_PLACEHOLDER.findall(str(e[key]))) - wanted:
                wrong.append((e["msgid"], e[key]))
            # A singular may drop a count it spells out ("un mensaje"); the plural may not.
            if key != "msgstr[0]" and wanted - set(_PLACEHOLDER.findall(str(e[key]))):
                wrong.append((e["msgid"], e[key]))
    assert not wrong, wrong[:10]


def test_plural_messages_have_both_forms():
    plurals = [e for e in MESSAGES if "msgid_plural" in e]
    assert plurals
    for e in plurals:
        assert e.get("msgstr[0]"), e["msgid"]
        assert e.get("msgstr[1]"), e["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo holds exactly the .po's translations: run compilemessages after editing."""
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    compiled: dict[object, str] = {k: v for k, v in catalogue.items() if k != ""}
    expected: dict[object, str] = {}
    for e in MESSAGES:
        msgid = str(e["msgid"])
        if "msgctxt" in e:
            msgid = f"{e['msgctxt']}\x04{msgid}"
        if "msgid_plural" in e:
            for index in (0, 1):
                expected[(msgid, index)] = str(e[f"msgstr[{index}]"])
        else:
            expected[msgid] = str(e["msgstr"])
    assert compiled == expected
