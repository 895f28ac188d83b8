"""
Two-factor authentication (TOTP, with one-time backup codes) for the people
who see the most: organization admins, coordinators (of a school or of a
program), safeguarding leads, and platform operators.

Devices are django-otp's: an authenticator app is a ``TOTPDevice``, the backup
codes are one ``StaticDevice``. ``PEERPATH_REQUIRE_2FA`` (default on) decides
whether those people must use them; ``peerpath.web.middleware`` enforces it.
Wrong codes are throttled by django-otp (each failure doubles the wait).
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from peerpath.core.access import scope_for
from peerpath.core.audit import audit_record
from peerpath.core.models import Role, User

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
_CACHE_ATTR = "_peerpath_two_factor_required"


def two_factor_required(user: User | AnonymousUser) -> bool:
    """Whether ``user`` must confirm a second factor after the password."""
    if not getattr(settings, "PEERPATH_REQUIRE_2FA", True):
        return False
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return bool(cached)
    assert isinstance(user, User)
    scope = scope_for(user)
    required = (
        user.is_superuser
        or scope.is_org_admin()
        or bool(scope.schools_with(Role.COORDINATOR, Role.SAFEGUARDING_LEAD))
        # Staff who run a program (Program.coordinators) see its students too.
        or (
            scope.is_staff_member
            and User.objects.filter(pk=user.pk, coordinated_programs__isnull=False).exists()
        )
    )
    setattr(user, _CACHE_ATTR, required)
    return required


def has_confirmed_device(user: User) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def totp_device_pending(*, user: User) -> TOTPDevice:
    """
    Return the authenticator-app device being set up for ``user`` (unconfirmed),
    making one with a new random key if there is none.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, as authenticator apps ask for it when typed by hand."""
    return b32encode(unhexlify(device.key)).decode().rstrip("=")


def totp_provisioning_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    label = quote(f"Peerpath:{device.user.email}")
    query = urlencode(
        {
            "secret": totp_secret(device),
            "issuer": "Peerpath",
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{label}?{query}"


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """
    Confirm ``device`` with a code from the app; return new backup codes, or
    ``None`` if the code is wrong. Earlier devices and backup codes of the
    user are replaced.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_replace(user)
    audit_record(
        actor=user,
        action="user.two_factor.enable",
        target=user,
        organization=user.organization,
        after={"device": device.name, "backup_codes": len(codes)},
    )
    return codes


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_check(*, user: User, token: str) -> Device | None:
    """
    Return the confirmed device that accepts ``token`` (an app code or an
    unused backup code, which is then used up), or ``None``.
    """
    device = match_token(user, token.strip().replace(" ", "").lower())
    if device is not None and isinstance(device, StaticDevice):
        audit_record(
            actor=user,
            action="user.two_factor.backup_code_used",
            target=user,
            organization=user.organization,
            after={"left": device.token_set.count()},
        )
    return device


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> int:
    """Remove every device of ``user`` (a lost phone); they set up a new one at next login."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _by_model = model.objects.filter(user=user).delete()
        removed += count
    audit_record(
        actor=actor,
        action="user.two_factor.reset",
        target=user,
        organization=user.organization,
        after={"removed": removed},
    )
    return removed
