"""
Signed links for guardian consent.

The link a guardian receives carries the consent request's id and a random
nonce, signed with the site's secret key and time-stamped. Only a SHA-256 of
the nonce is stored, so a database reader cannot forge a link; the request's
status makes a link single-use; ``max_age`` makes it expire.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing

_GIVE_SALT = "peerpath.recruitment.consent.respond"
_WITHDRAW_SALT = "peerpath.recruitment.consent.withdraw"


class ConsentLinkError(Exception):
    """A consent link that is forged, expired or already used."""

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "invalid", "expired" or "used"
        super().__init__(reason)


def link_lifetime_seconds() -> int:
    return int(getattr(settings, "PEERPATH_CONSENT_LINK_DAYS", 7)) * 24 * 3600


def hash_nonce(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def new_nonce() -> tuple[str, str]:
    """Return ``(nonce, its hash)``."""
    nonce = secrets.token_urlsafe(24)
    return nonce, hash_nonce(nonce)


def respond_token(consent_id: int, nonce: str) -> str:
    return signing.dumps({"c": consent_id, "n": nonce}, salt=_GIVE_SALT, compress=True)


def read_respond_token(token: str) -> tuple[int, str]:
    """Return ``(consent id, nonce hash)``; raise :class:`ConsentLinkError`."""
    try:
        data = signing.loads(token, salt=_GIVE_SALT, max_age=link_lifetime_seconds())
    except signing.SignatureExpired:
        raise ConsentLinkError("expired") from None
    except signing.BadSignature:
        raise ConsentLinkError("invalid") from None
    return int(data["c"]), hash_nonce(str(data["n"]))


def withdraw_token(consent_id: int, nonce_hash: str) -> str:
    return signing.dumps({"c": consent_id, "h": nonce_hash[:16]}, salt=_WITHDRAW_SALT)


def read_withdraw_token(token: str) -> tuple[int, str]:
    """Return ``(consent id, nonce-hash prefix)``; a withdrawal link does not expire."""
    try:
        data = signing.loads(token, salt=_WITHDRAW_SALT)
    except signing.BadSignature:
        raise ConsentLinkError("invalid") from None
    return int(data["c"]), str(data["h"])
