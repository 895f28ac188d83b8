"""
The second step of logging in: set up an authenticator app (QR code, key,
backup codes) or enter a code from it. ``TwoFactorMiddleware`` sends the
people who need it here after their password.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from peerpath.core.models import User
from peerpath.core.twofactor import (
    has_confirmed_device,
    totp_device_confirm,
    totp_device_pending,
    totp_provisioning_uri,
    totp_secret,
    two_factor_check,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("home")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg: str = image.to_string(encoding="unicode")
    # Our own markup, made from our own data: no script, no style attribute.
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-label" ', 1)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for a code from the authenticator app (or a backup code)."""
    user = _user(request)
    if not has_confirmed_device(user):
        return redirect(f"{resolve_url('two_factor_setup')}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor_check(user=user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _(
                "That code is not right, was already used, or came too soon after a wrong "
                "one. Wait a few seconds and type the newest code."
            ),
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "two_factor_pending": not _is_verified(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, type one code, keep the backup codes."""
    user = _user(request)
    device = totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_device_confirm(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            # never_cache: the page holds secrets, no browser or proxy keeps it.
            return render(
                request,
                "registration/two_factor_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "code",
            _(
                "That code is not right, or came too soon after a wrong one. Check that the "
                "app shows Peerpath, wait a few seconds and type the newest code."
            ),
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": mark_safe(_qr_svg(totp_provisioning_uri(device))),
            "secret": totp_secret(device),
            # The menu's pages would only send an unverified person back here.
            "two_factor_pending": not _is_verified(request),
        },
    )
