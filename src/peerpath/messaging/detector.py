"""
Find contact details and listed words in a chat message.

:func:`detect` is pure (no Django, no database) so that it can be measured on
a labelled set of messages and reused anywhere. It looks for

``phone``
    seven to fifteen digits written as a phone number: ``555-123-4567``,
    ``(555) 123 4567``, ``+1 555.123.4567``, ``5 5 5 1 2 3 4``, or spelled out
    (``five five five one two three four``, ``cinco cinco cinco ...``);
``email``
    addresses, also disguised: ``name at gmail dot com``,
    ``name (at) gmail (dot) com``, ``name@gmail``, ``my email is sam.g22``;
``handle``
    social media handles: ``@handle``, ``snap: handle``, ``insta handle_22``,
    ``discord name#1234``, ``my tiktok is ...``, and invitations such as
    ``add me on snap``;
``url``
    links: ``https://...``, ``www.``, ``bit.ly/x``, ``example dot com``;
``term``
    any of ``extra_terms`` (a program's own list), whole words, case-blind,
    also when spaced out (``s e c r e t``) or written with look-alike digits
    (``s3cr3t``).

How it works: the text is first *normalised* (Unicode NFKC, lower case,
invisible characters dropped, spaced-out single letters joined, number words
turned into digits), keeping a map from every normalised character back to
the original, so that each :class:`Finding` carries the span of the original
text that gave it away. Then regular expressions run over the normalised
text. Harmless numbers (``page 42``, ``at 3:30``, ``room 204``, ``2x+3=7``,
``2024-2025``, dates, decimals) are kept apart from phone numbers by the
*shape* of the digit groups rather than by their count alone.

The detector errs on the side of holding a message: a false alarm costs a
safeguarding lead one click, a miss can cost a child's safety.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["EMAIL", "HANDLE", "KINDS", "PHONE", "TERM", "URL", "Finding", "detect"]

PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
URL = "url"
TERM = "term"

#: Every kind of finding, in the order they are reported.
KINDS = (PHONE, EMAIL, HANDLE, URL, TERM)


@dataclass(frozen=True, order=True)
class Finding:
    """Something found in a message: what kind, and where (``text[start:end]``)."""

    start: int
    end: int
    kind: str
    text: str


# --- Normalisation ---------------------------------------------------------------------------


@dataclass
class _Normalised:
    """Normalised text, with the original span of every character."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> None:
        """Replace every match of ``pattern``; the new text maps onto the matched span."""
        text, starts, ends = [], [], []
        position = 0
        for found in pattern.finditer(self.text):
            new = replace(found)
            if new == found.group(0):
                continue
            text.append(self.text[position : found.start()])
            starts.extend(self.starts[position : found.start()])
            ends.extend(self.ends[position : found.start()])
            if found.end() > found.start():
                first, last = self.starts[found.start()], self.ends[found.end() - 1]
                text.append(new)
                starts.extend([first] * len(new))
                ends.extend([last] * len(new))
            position = found.end()
        text.append(self.text[position:])
        starts.extend(self.starts[position:])
        ends.extend(self.ends[position:])
        self.text = "".join(text)
        self.starts, self.ends = starts, ends


_UNITS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
    "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5",
    "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_ZERO_WORDS = {"oh", "o"}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS, *_ZERO_WORDS], key=len, reverse=True))
_NUMBER_WORDS_RE = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))*\b")
_SPACED_LETTERS_RE = re.compile(r"(?<![\w])[a-z](?:[ .\-_*][a-z]){2,}(?![\w])")
_WORD_SPLIT_RE = re.compile(r"[\s-]+")


def _number_words_to_digits(found: re.Match[str]) -> str:
    words = _WORD_SPLIT_RE.split(found.group(0))
    if all(w in _ZERO_WORDS for w in words) or (len(words) == 1 and words[0] in _UNITS):
        # "oh" alone is an exclamation; a single "two" is not part of a phone number.
        return found.group(0)
    digits: list[str] = []
    pending_tens = ""
    for word in words:
        if pending_tens and word in _UNITS and word not in ("zero", "cero"):
            digits.append(pending_tens + _UNITS[word])
            pending_tens = ""
            continue
        if pending_tens:
            digits.append(pending_tens + "0")
            pending_tens = ""
        if word in _TENS:
            pending_tens = _TENS[word]
        elif word in _TEENS:
            digits.append(_TEENS[word])
        elif word in _ZERO_WORDS:
            digits.append("0")
        else:
            digits.append(_UNITS[word])
    if pending_tens:
        digits.append(pending_tens + "0")
    return "".join(digits)


# Cyrillic and Greek letters that look like Latin ones ("gmаil" with a Cyrillic а).
_LOOKALIKE_LETTERS = str.maketrans("аеорсхуіјѕԁһкмтвнωοαερτυικνχ", "aeopcxyijsdhkmtbhwoaeptuikvx")


def _normalise(text: str) -> _Normalised:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":  # zero-width spaces and joiners, soft hyphens
            continue
        for out in unicodedata.normalize("NFKC", char).lower().translate(_LOOKALIKE_LETTERS):
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
    normalised = _Normalised("".join(chars), starts, ends)
    normalised.rewrite(_SPACED_LETTERS_RE, lambda m: re.sub(r"[ .\-_*]", "", m.group(0)))
    normalised.rewrite(_NUMBER_WORDS_RE, _number_words_to_digits)
    return normalised


# --- Phone numbers ---------------------------------------------------------------------------

# A run of digit groups joined by the separators people put in phone numbers.
_DIGIT_RUN_RE = re.compile(
    r"(?<![\w.,/:])\+?\(?\d+(?:(?:[ .\-/()]{1,3}|, ?)\d+)*\)?(?![\w:]|[.,]\d)"
)
_DATE_RE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}[-/.]\d{4})$"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _merge_single_digits(groups: list[str], separators: list[str]) -> list[str]:
    """Join digits written one at a time ("5 5 5 1 2 3 4") into one group."""
    merged: list[str] = []
    for index, group in enumerate(groups):
        if (
            index > 0
            and len(group) == 1
            and len(groups[index - 1]) == 1
            and "," not in separators[index - 1]
        ):
            merged[-1] += group
        else:
            merged.append(group)
    return merged


def _uniform_dashes(separators: list[str]) -> bool:
    return len(set(separators)) == 1 and separators[0] in {"-", "."}


def _is_phone(run: str) -> bool:
    groups = re.findall(r"\d+", run)
    separators = re.split(r"\d+", run)[1:-1]
    digits = sum(len(g) for g in groups)
    if not 7 <= digits <= 15:
        return False
    bare = run.strip("+() ")
    if _DATE_RE.match(bare):
        return False
    if len(groups) > 1 and all(_YEAR.match(g) for g in groups):
        return False  # "2024-2025", "2023 2024"
    if "," in run:
        # Lists of numbers ("85, 90, 92") are not phone numbers; "555, 123, 4567" is.
        return len(groups) in (2, 3) and all(len(g) >= 3 for g in groups)
    if len(groups) == 2 and separators[0] == "." and [len(g) for g in groups] != [3, 4]:
        return False  # a decimal number
    if run.startswith("+") or "(" in run:
        return True
    merged = _merge_single_digits(groups, separators)
    if len(merged) == 1:
        return True
    lengths = [len(g) for g in merged]
    if merged[0].startswith("0") and digits >= 9:
        return True  # national numbers abroad: "06 12 34 56 78", "07700 900123"
    if lengths[0] <= 3 and lengths[-1] >= 3 and all(n >= 3 for n in lengths[1:]):
        return True  # "555 1234", "555-123-4567", "1 800 555 1234"
    if lengths[0] >= 3 and min(lengths) >= 2 and (digits >= 9 or _uniform_dashes(separators)):
        return True  # "555 123 45 67", "555-12-34"
    return bool(any(s.strip() in {"-", "."} for s in separators) and min(lengths) >= 3)


def _find_phones(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _DIGIT_RUN_RE.finditer(text):
        run = match.group(0).rstrip(" -./(")
        if _is_phone(run):
            found.append((match.start(), match.start() + len(run), PHONE))
    return found


# --- E-mail addresses, links and handles -----------------------------------------------------

_TLDS = (
    "com|net|org|edu|gov|io|co|us|uk|ca|de|fr|es|mx|info|biz|app|dev|xyz|tv|gg|ly|"
    "me|ai|online|site|link|page|live|club|store|shop|au|in|nl|br|ar|cl|co\\.uk"
)
_STRICT_TLDS = (
    "com|net|org|edu|gov|io|info|biz|app|dev|xyz|tv|gg|online|site|link|club|store|shop|"
    "co\\.uk|ca|de|fr|es|mx|uk|nl|br|ai"
)
_MAIL_PROVIDERS = (
    "gmail|googlemail|yahoo|hotmail|outlook|icloud|aol|protonmail|proton|live|msn|ymail|"
    "gmx|mail\\.com|zoho|yandex|comcast|verizon|att\\.net|me\\.com"
)
_AT = r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|@)\s*[)\]}>]\s*|\s+at\s+|\s*-at-\s*|\s+arroba\s+|\s*\(a\)\s*)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{<]\s*(?:dot|\.|punto)\s*[)\]}>]\s*|\s+dot\s+|\s*-dot-\s*|\s+punto\s+)"
_LOCAL = r"[a-z0-9][a-z0-9._+\-]{0,63}"
_EMAIL_RES = [
    # name@school.org, name at gmail dot com, name (at) gmail (dot) com
    re.compile(
        rf"(?<![\w.+-]){_LOCAL}{_AT}[a-z0-9][a-z0-9\-]{{0,62}}(?:{_DOT}[a-z0-9\-]+)*{_DOT}(?:{_TLDS})\b"
    ),
    # name@gmail, sam at hotmail
    re.compile(rf"(?<![\w.+-]){_LOCAL}{_AT}(?:{_MAIL_PROVIDERS})\b"),
    # gmail.com / gmail dot com without a name in front
    re.compile(rf"\b(?:{_MAIL_PROVIDERS}){_DOT}(?:com|net|co\.uk|es|fr|de)\b"),
]
# "my email is sam.g22", "email me: sam_rivera2010"
_EMAIL_CUE_RE = re.compile(
    r"\b(?:e-?mail|gmail|hotmail|outlook|yahoo|icloud)(?:\s+(?:address|addy))?"
    r"(?:\s+(?:is|es)\b|\s*[:=\-]|\s+me(?:\s+at)?\b)\s*@?([a-z0-9][a-z0-9._+\-]{2,63})"
)

_URL_RES = [
    re.compile(r"\b(?:https?|hxxps?|ftp)\s*(?::|colon)\s*(?://|slash\s*slash)\s*\S+"),
    re.compile(r"\bwww\s*(?:\.|dot)\s*[a-z0-9\-]+\S*"),
    re.compile(
        rf"(?<![\w@.\-])[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:{_STRICT_TLDS})\b(?:/\S*)?"
    ),
    # shorteners and domains whose TLD is also a word need a path: bit.ly/x, t.co/x, x.me/y
    re.compile(r"(?<![\w@.\-])[a-z0-9][a-z0-9\-]*\.(?:ly|co|me|be|to|us|gl|so|is|it|in|at)/\S+"),
    re.compile(r"\b(?:bit\.ly|tinyurl|youtu\.be|discord\.gg|t\.me|wa\.me|linktr\.ee|goo\.gl)\b\S*"),
    # example dot com, example (dot) com
    re.compile(
        rf"(?<![\w@])[a-z0-9][a-z0-9\-]{{1,62}}(?:\s*[(\[{{<]\s*(?:dot|\.)\s*[)\]}}>]\s*|\s+dot\s+|\s*-dot-\s*)"
        rf"(?:{_TLDS})(?![\w-])(?:\s*(?:/|slash)\s*\S+)?"
    ),
]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STRONG_PLATFORMS = (
    "snapchat|snap|insta|instagram|tiktok|tik\\s*tok|discord|twitter|facebook|fb|kik|"
    "whatsapp|whats\\s*app|telegram|wechat|reddit|twitch|youtube|roblox|xbox|psn|"
    "playstation|skype|bereal|vsco|pinterest|tumblr|venmo|cash\\s*app|imessage|facetime|"
    "fortnite|minecraft|spotify"
)
# Abbreviations that are only a platform when followed by a name: "sc: jdoe", "ig - ada.art".
_SHORT_PLATFORMS = "ig|sc|tt|wa|tg|yt|dc|twt|whatsap|snp|gram"
# Words that are only a platform in "add me on ..." or "my ... is ...".
_WORD_PLATFORMS = "x|line|signal|messenger|zoom|threads|steam|epic"
_NAMED_PLATFORM = f"{_STRONG_PLATFORMS}|{_SHORT_PLATFORMS}"
_ANY_PLATFORM = f"{_NAMED_PLATFORM}|{_WORD_PLATFORMS}"
_NOT_A_HANDLE = _word_set(
    """a an the is are was it its it's me my on and or but so too to of for in at with this that
    down broken dead fun cool boring private blocked gone deleted banned new old not really very
    like full lagging glitching acting weird messed out off working bugged hacked good bad great
    fine ok okay lol lmao haha yeah yes no nope just also kinda sorta pretty super funny down
    where when what why how who all there here now later tonight today tomorrow again
    account app video videos page feed story stories post posts streak streaks filter filters
    trend trends dance live stream server game games chat group friends friend school class
    homework project math science english history"""
)
_HANDLE_TOKEN = r"@?[a-z0-9_][a-z0-9_.\-]{1,31}(?:#\d{4})?"
_HANDLE_RES: list[tuple[re.Pattern[str], int | None]] = [
    # add me on snap / hmu on insta / dm me on discord: an invitation to talk elsewhere
    (
        re.compile(
            r"\b(?:add|follow|dm|pm|msg|message|text|hmu|hit\s+me\s+up|find|friend|call|"
            r"facetime|ft|talk\s+to|chat\s+with|reach|contact|sub(?:scribe)?\s+to)"
            rf"(?:\s+me)?(?:\s+up)?\s+(?:on|at|in|via|through|thru)\s+(?:the\s+)?(?:{_ANY_PLATFORM})\b"
        ),
        None,
    ),
    # snap: handle, insta - handle, ig=handle, discord handle#1234
    (re.compile(rf"\b(?:{_NAMED_PLATFORM})(?:\s+me)?\s*(?:[:=]|\s-)\s*({_HANDLE_TOKEN})"), 1),
    # insta is moonlight_09 (without "my", only a handle-looking name counts)
    (
        re.compile(
            rf"\b(?:{_STRONG_PLATFORMS})\s+(?:is|es)\s+(@?[a-z0-9_.]*[a-z][a-z0-9_.]*[0-9_.][a-z0-9_.]*)"
        ),
        1,
    ),
    # my tiktok is handle, my snap username is handle
    (
        re.compile(
            rf"\b(?:my|mi)\s+(?:{_ANY_PLATFORM})(?:\s+(?:username|user\s*name|user|name|handle|"
            rf"id|tag|account|acc|@))?\s+(?:is|es|=|->)\s+({_HANDLE_TOKEN})"
        ),
        1,
    ),
    # snap username handle, insta @handle, discord tag name#1234
    (
        re.compile(
            rf"\b(?:{_NAMED_PLATFORM})\s+(?:username|user\s*name|user|name|handle|id|tag|account|acc)"
            rf"(?:\s+(?:is|es))?\s*:?\s*({_HANDLE_TOKEN})"
        ),
        1,
    ),
    # insta handle_22, snap jdoe.09, tiktok @dancer (a handle with a digit, _, . or @)
    (
        re.compile(
            rf"\b(?:{_STRONG_PLATFORMS})\s+(@[a-z0-9_.]{{2,31}}|(?=[a-z0-9_.]*[a-z])[a-z0-9_.]*[0-9_.][a-z0-9_.]*[a-z0-9_])(?!\s*(?:am|pm)\b)"
        ),
        1,
    ),
    # discord name#1234
    (re.compile(r"(?<![\w#])[a-z0-9_.]{2,32}#\d{4}\b"), None),
    # ada_l on snap, jdoe09 is my snap (a handle-looking name before the platform)
    (
        re.compile(
            r"(@?(?=[a-z0-9_.]*[a-z])[a-z0-9_.]*[0-9_.][a-z0-9_.]*[a-z0-9_])"
            rf"\s+(?:on|is\s+my|es\s+mi)\s+(?:the\s+)?(?:{_NAMED_PLATFORM})\b"
        ),
        1,
    ),
    # my @ is ada_l
    (re.compile(rf"\bmy\s+@\s*(?:is|:|=)\s*({_HANDLE_TOKEN})"), 1),
]
# @handle on its own (not "@ the library", "@3pm", "@lunch")
_AT_HANDLE_RE = re.compile(r"(?<![\w@.])@([a-z_][a-z0-9_.]{1,29})")
_AT_NOT_HANDLES = _word_set(
    """lunch school library home noon recess break class gym the practice everyone here all
    channel night nite midnight my your his her their our after before end start front back
    office cafeteria cafe caf park field court bus mall work church mosque temple game
    tutoring homeroom period study hall room table desk locker math science english art music
    first second third last beginning"""
)


def _finditer_group(
    pattern: re.Pattern[str], text: str, group: int | None, kind: str
) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in pattern.finditer(text):
        if group is not None:
            token = match.group(group).lstrip("@").rstrip(".-")
            if token in _NOT_A_HANDLE or not re.search(r"[a-z0-9]", token):
                continue
            if not re.search(r"[a-z]", token):
                continue  # "x = 100", "snap: 3": handles have letters
        found.append((match.start(), match.end(), kind))
    return found


def _find_contacts(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for pattern in _EMAIL_RES:
        found.extend((m.start(), m.end(), EMAIL) for m in pattern.finditer(text))
    found.extend(_finditer_group(_EMAIL_CUE_RE, text, 1, EMAIL))
    for pattern in _URL_RES:
        found.extend((m.start(), m.end(), URL) for m in pattern.finditer(text))
    for pattern, group in _HANDLE_RES:
        found.extend(_finditer_group(pattern, text, group, HANDLE))
    for match in _AT_HANDLE_RE.finditer(text):
        name = match.group(1).rstrip(".")
        if name not in _AT_NOT_HANDLES and not re.fullmatch(r"[a-z]{1,2}", name):
            found.append((match.start(), match.end(), HANDLE))
    return found


# --- The program's own words -----------------------------------------------------------------

_LOOKALIKES = {
    "a": "a@4", "b": "b8", "e": "e3", "g": "g9", "i": "i1!|l", "l": "l1|i",
    "o": "o0", "s": "s5$z", "t": "t7+", "z": "z2",
}  # fmt: skip


@lru_cache(maxsize=512)
def _term_pattern(term: str) -> re.Pattern[str] | None:
    # The term goes through the same normalisation as the text ("one on one" → "1 on 1").
    words = re.findall(r"[^\W_]+", _normalise(term).text)
    if not words:
        return None
    letter_patterns = []
    for word in words:
        letters = [
            f"[{re.escape(_LOOKALIKES[c])}]" if c in _LOOKALIKES else re.escape(c) for c in word
        ]
        letter_patterns.append(r"[\s.\-_*]?".join(letters))
    body = r"[\W_]+".join(letter_patterns)
    return re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])")


def _find_terms(text: str, terms: Sequence[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for term in terms:
        pattern = _term_pattern(term.strip())
        if pattern is not None:
            found.extend((m.start(), m.end(), TERM) for m in pattern.finditer(text))
    return found


# --- Putting it together ---------------------------------------------------------------------


def detect(text: str, *, extra_terms: Sequence[str] = ()) -> list[Finding]:
    """
    Return the contact details and listed words found in ``text``, in reading order.

    Each :class:`Finding` gives its ``kind`` (one of :data:`KINDS`) and its
    span in ``text`` as written, even when it was recognised in a disguised
    form (``five five five ...``, ``name (at) gmail (dot) com``). A finding
    that lies inside another (the ``gmail.com`` of an address) is left out.
    """
    if not text:
        return []
    normalised = _normalise(text)
    spans = [
        *_find_phones(normalised.text),
        *_find_contacts(normalised.text),
        *_find_terms(normalised.text, extra_terms),
    ]
    originals = sorted(
        ((*normalised.original_span(s, e), kind) for s, e, kind in spans if e > s),
        key=lambda f: (f[0], -(f[1] - f[0]), KINDS.index(f[2])),
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in originals:
        if not any(s <= start and end <= e for s, e, _kind in kept):
            kept.append((start, end, kind))
    return [Finding(start, end, kind, text[start:end]) for start, end, kind in kept]
