"""The contact-detail detector: measured on the labelled set, and its spans and kinds."""

from __future__ import annotations

import pytest
from labelled_messages import CONTACT, HARMLESS, HOLDOUT_CONTACT, HOLDOUT_HARMLESS, TERMS

from peerpath.messaging.detector import EMAIL, HANDLE, PHONE, TERM, URL, Finding, detect

RECALL_AT_LEAST = 0.95
FALSE_POSITIVES_AT_MOST = 0.05


def _measure(harmless: list[str], contact: list[str]) -> tuple[float, float, list[str], list[str]]:
    missed = [m for m in contact if not detect(m, extra_terms=TERMS)]
    flagged = [m for m in harmless if detect(m, extra_terms=TERMS)]
    recall = 1 - len(missed) / len(contact)
    false_positive_rate = len(flagged) / len(harmless)
    return recall, false_positive_rate, missed, flagged


def test_labelled_set_is_large_and_balanced():
    total = len(HARMLESS) + len(CONTACT) + len(HOLDOUT_HARMLESS) + len(HOLDOUT_CONTACT)
    assert total >= 200
    assert len(HARMLESS) + len(HOLDOUT_HARMLESS) >= total / 2
    assert len(set(HARMLESS + CONTACT + HOLDOUT_HARMLESS + HOLDOUT_CONTACT)) == total


def test_recall_and_false_positive_rate(capsys):
    harmless = HARMLESS + HOLDOUT_HARMLESS
    contact = CONTACT + HOLDOUT_CONTACT
    recall, fpr, missed, flagged = _measure(harmless, contact)
    ho_recall, ho_fpr, _, _ = _measure(HOLDOUT_HARMLESS, HOLDOUT_CONTACT)
    with capsys.disabled():  # the figures are part of the test's report
        print(  # noqa: T201
            f"\ncontact-detail detector on {len(harmless) + len(contact)} labelled messages "
            f"({len(contact)} with contact details or listed words, {len(harmless)} harmless): "
            f"recall {recall:.1%}, false positives {fpr:.1%}; "
            f"held-out part ({len(HOLDOUT_CONTACT) + len(HOLDOUT_HARMLESS)}): "
            f"recall {ho_recall:.1%}, false positives {ho_fpr:.1%}"
        )
    assert recall >= RECALL_AT_LEAST, f"missed: {missed}"
    assert fpr <= FALSE_POSITIVES_AT_MOST, f"flagged: {flagged}"


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("call me 555-123-4567 ok", PHONE, "555-123-4567"),
        ("it's five five five one two three four!", PHONE, "five five five one two three four"),
        ("+1 (555) 123 4567", PHONE, "+1 (555) 123 4567"),
        ("mail sam at gmail dot com please", EMAIL, "sam at gmail dot com"),
        ("sam (at) gmail (dot) com", EMAIL, "sam (at) gmail (dot) com"),
        ("write to sam@gmail", EMAIL, "sam@gmail"),
        ("hey @coolkid22", HANDLE, "@coolkid22"),
        ("snap: jdoe", HANDLE, "snap: jdoe"),
        ("add me on discord", HANDLE, "add me on discord"),
        ("see bit.ly/x now", URL, "bit.ly/x"),
        ("go to example dot com", URL, "example dot com"),
        ("keep it a s3cr3t", TERM, "s3cr3t"),
    ],
)
def test_finding_kind_and_span_in_the_original_text(text, kind, found):
    findings = detect(text, extra_terms=TERMS)
    assert [(f.kind, f.text) for f in findings] == [(kind, found)]
    f = findings[0]
    assert text[f.start : f.end] == found


def test_address_and_its_domain_are_one_finding():
    assert detect("ada.l@school.org") == [Finding(0, 16, EMAIL, "ada.l@school.org")]


def test_several_findings_in_reading_order():
    text = "text 555 123 4567 or www.ada.com"
    assert [(f.kind, f.text) for f in detect(text)] == [
        (PHONE, "555 123 4567"),
        (URL, "www.ada.com"),
    ]


def test_listed_words_are_whole_words_only():
    assert detect("the secretary said hi", extra_terms=["secret"]) == []
    assert [f.text for f in detect("secrets!", extra_terms=["secret"])] == ["secrets"]
    assert detect("nothing here", extra_terms=["", "  "]) == []


def test_invisible_characters_do_not_hide_a_number():
    text = "555\u200b-123-\u200b4567"
    assert [f.kind for f in detect(text)] == [PHONE]


def test_empty_text():
    assert detect("") == []
