"""Validation of what people type: a message, a reason, a word for the list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.messaging.models import MESSAGE_MAX_LENGTH
from peerpath.messaging.services import REASON_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message first.")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not delivered (the author will read this)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the message is not delivered.")},
    )


class TermForm(forms.Form):
    term = forms.CharField(label=_("Word or phrase"), max_length=60)
