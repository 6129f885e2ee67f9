"""Web forms for signing in, passwords, users and role grants. Forms only parse and check input;
the changes themselves are made by :mod:`gridgov.accounts.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import selectors
from gridgov.accounts.models import Department
from gridgov.accounts.roles import Perm, Role
from gridgov.areas.codes import Level, normalise
from gridgov.areas.selectors import area_list_for

# How many areas the grant form offers in its drop-down; others are picked by code.
AREA_CHOICES_LIMIT = 500


class LoginForm(forms.Form):
    login = forms.CharField(
        label=_("User name or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class _NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class PasswordChangeForm(_NewPasswordMixin):
    """Change one's own password: the current one is asked for first."""

    field_order = ["old_password", "new_password1", "new_password2"]
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(
                _("Your current password was entered incorrectly."), code="password_incorrect"
            )
        return str(value)


class SetPasswordForm(_NewPasswordMixin):
    """An administrator sets a new password for someone else."""


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_; not all digits."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    new_password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "type": "search",
                "placeholder": _("User name, display name or full mobile number"),
            }
        ),
    )


def _area_label(area: Any) -> str:
    indent = "\u2003" * max(0, area.depth)
    return f"{indent}{area.name} ({area.display_code})"


class GrantForm(forms.Form):
    """Grant a role at an area. The area is chosen from the drop-down or typed by code; the
    code wins when both are given. Both are resolved inside the actor's jurisdiction by the
    view (:meth:`area_lookup`), never trusted as given."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False, empty_value=None)
    area_code = forms.CharField(
        label=_("or area code"),
        max_length=32,
        required=False,
        help_text=_("For example 640110001001001 for a grid."),
    )
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Only for department handlers."),
    )

    def __init__(self, actor: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = list(
            area_list_for(actor=actor, perm=Perm.MANAGE_USERS)
            .filter(is_active=True)
            .order_by("code")[: AREA_CHOICES_LIMIT + 1]
        )
        self.truncated = len(areas) > AREA_CHOICES_LIMIT
        choices: list[tuple[Any, str]] = [("", "---------")]
        choices += [(a.pk, _area_label(a)) for a in areas[:AREA_CHOICES_LIMIT]]
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = choices
        if self.truncated:
            area_field.help_text = _(
                "Only the first %(n)d areas are listed; type the code for others."
            ) % {"n": AREA_CHOICES_LIMIT}
        dept_field = self.fields["department"]
        assert isinstance(dept_field, forms.ModelChoiceField)
        dept_field.queryset = selectors.department_list(actor=actor).filter(is_active=True)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("area") and not (data.get("area_code") or "").strip():
            self.add_error("area", _("Choose an area or type its code."))
        return data

    def area_codes(self) -> list[str]:
        """The typed code in every accepted form (native, or padded display form)."""
        code = (self.cleaned_data.get("area_code") or "").strip()
        if not code:
            return []
        return sorted(
            {code} | {normalise(code, lv) for lv in (Level.TOWN, Level.CITY, Level.PROVINCE)}
        )
