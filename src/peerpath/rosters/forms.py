"""Validation of what people upload and choose on the roster import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import Organization, School
from peerpath.rosters.services import STUDENT_FIELDS
from peerpath.rosters.uploads import upload_max_bytes

#: What each field of the plain CSV import means, for the mapping form.
FIELD_LABELS = {
    "student_id": _("Student id"),
    "given_name": _("Given (first) name"),
    "family_name": _("Family (last) name"),
    "grade": _("Grade"),
    "email": _("E-mail address"),
    "preferred_name": _("Preferred name"),
    "birth_date": _("Birth date"),
    "directory_opt_out": _("Left out of student directories"),
}
FIELD_HELP = {
    "student_id": _("The school's id of the student; importing the file again updates them."),
    "grade": _("A whole number from 1 to 16."),
    "email": _("Students without one get an address that is never written to."),
    "birth_date": _("YYYY-MM-DD."),
    "directory_opt_out": _("true or false; an empty cell keeps the student's current choice."),
}


class _UploadForm(forms.Form):
    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = upload_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
            )
        return upload


class OneRosterUploadForm(_UploadForm):
    """An organization admin's OneRoster 1.1 or 1.2 CSV bulk or delta export."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Organization"), empty_label=None
    )
    file = forms.FileField(
        label=_("OneRoster file (.zip)"),
        help_text=_(
            "The .zip your student information system exports: manifest.csv, orgs.csv, "
            "users.csv and the other OneRoster 1.1 or 1.2 CSV files."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        kwargs["prefix"] = "oneroster"
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            field.initial = organizations[0].pk


class StudentsUploadForm(_UploadForm):
    """A coordinator's plain CSV of students, one row each, for one school."""

    school = forms.ModelChoiceField(
        queryset=School.objects.none(), label=_("School"), empty_label=None
    )
    file = forms.FileField(
        label=_("Student file (.csv)"),
        help_text=_(
            "UTF-8 CSV with a header row; you choose which column holds what on the next page."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, schools: list[School], **kwargs: Any) -> None:
        kwargs["prefix"] = "students"
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        field.queryset = School.objects.filter(  # type: ignore[attr-defined]
            pk__in=[s.pk for s in schools]
        ).order_by("name")
        if len(schools) == 1:
            field.initial = schools[0].pk


class MappingForm(forms.Form):
    """Which column of the uploaded CSV holds each field (required fields must be chosen)."""

    def __init__(
        self, *args: Any, columns: list[str], mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *((c, c) for c in columns)]
        for name, column in STUDENT_FIELDS.items():
            label = FIELD_LABELS.get(name, name)
            self.fields[name] = forms.ChoiceField(
                label=format_lazy("{} ({})", label, _("required")) if column.required else label,
                choices=choices,
                required=column.required,
                initial=mapping.get(name, ""),
                help_text=FIELD_HELP.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in STUDENT_FIELDS}
