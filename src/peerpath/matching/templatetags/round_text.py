"""
What a match or group round says about itself, in the reader's language.

``{% load round_text %}`` then ``{{ round.progress|round_progress }}`` and
``{{ round.error|round_error }}``: a round stores Peerpath's own messages in
English (:mod:`peerpath.matching.rounds`), as whichever process ran it wrote
them, and these filters translate them for the page.
"""

from __future__ import annotations

from django import template

from peerpath.matching.rounds import round_error_text, round_progress_text

register = template.Library()


@register.filter
def round_progress(progress: str) -> str:
    """The round's ``progress`` in the active language."""
    return round_progress_text(progress or "")


@register.filter
def round_error(error: str) -> str:
    """The round's ``error`` in the active language (text Peerpath did not write as it is)."""
    return round_error_text(error or "")
