"""Web forms of the places and staff pages. They only parse input (choices limited to the
user's jurisdiction); :mod:`gridgov.rosters.services.places` and ``services.staff`` check the
rules and make the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import User
from gridgov.areas.models import Area
from gridgov.core.params import DayField
from gridgov.core.widgets import IsoDateInput
from gridgov.rosters.codes import StaffPost
from gridgov.rosters.models import Building, BuildingUnit, Estate
from gridgov.rosters.services.places import (
    MAX_FLOORS,
    MAX_GENERATED_ROOMS,
    MAX_ROOMS_PER_FLOOR,
    MAX_UNITS,
    MIN_FLOOR,
)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.display_code})"


class EstateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.area.name}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.display_name or obj.username
        return f"{name} ({obj.username})" if obj.display_name else name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.building} {obj}"


_DateInput = IsoDateInput


class EstateForm(forms.Form):
    area = AreaChoiceField(label=_("Grid"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class VillageGroupForm(forms.Form):
    area = AreaChoiceField(label=_("Grid"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class BuildingForm(forms.Form):
    """New building; ``areas`` and ``estates`` are the choices in the user's jurisdiction."""

    area = AreaChoiceField(label=_("Grid"), queryset=Area.objects.none())
    estate = EstateChoiceField(
        label=_("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=_("— stand-alone building —"),
    )
    name = forms.CharField(label=_("Building"), max_length=100, help_text=_("e.g. 3号楼"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    floors = forms.IntegerField(
        label=_("Floors above ground"),
        min_value=1,
        max_value=MAX_FLOORS,
        initial=6,
        help_text=format_lazy(_("1 to {n}."), n=MAX_FLOORS),
    )
    units = forms.IntegerField(
        label=_("Units"),
        min_value=1,
        max_value=MAX_UNITS,
        initial=2,
        help_text=format_lazy(_("1 to {n}."), n=MAX_UNITS),
    )
    rooms_per_floor = forms.IntegerField(
        label=_("Rooms per floor in each unit"),
        min_value=1,
        max_value=MAX_ROOMS_PER_FLOOR,
        initial=2,
        help_text=format_lazy(
            _(
                "1 to {n}. Rooms are numbered floor × 100 + n: 101, 102 … 602. Floors × units × "
                "rooms per floor: at most {total} rooms."
            ),
            n=MAX_ROOMS_PER_FLOOR,
            total=MAX_GENERATED_ROOMS,
        ),
    )
    lon = forms.FloatField(label=_("Longitude"), required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)

    def __init__(self, *args: Any, areas: Any, estates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["estate"].queryset = estates  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        estate, area = data.get("estate"), data.get("area")
        if estate is not None and area is not None and estate.area_id != area.pk:
            self.add_error("estate", _("The estate belongs to another grid."))
        return data


class BuildingEditForm(forms.Form):
    estate = EstateChoiceField(
        label=_("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=_("— stand-alone building —"),
    )
    name = forms.CharField(label=_("Building"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    floors = forms.IntegerField(label=_("Floors above ground"), min_value=1, max_value=MAX_FLOORS)
    lon = forms.FloatField(label=_("Longitude"), required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, estates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates  # type: ignore[attr-defined]


class BuildingMoveForm(forms.Form):
    to_area = AreaChoiceField(label=_("Move to grid"), queryset=Area.objects.none())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the building's history."),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_area"].queryset = areas  # type: ignore[attr-defined]


class UnitAddForm(forms.Form):
    name = forms.CharField(
        label=_("Unit name"), max_length=50, required=False, help_text=_("Empty: “n单元”.")
    )


class RoomAddForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=BuildingUnit.objects.none())
    floor = forms.IntegerField(label=_("Floor"), min_value=MIN_FLOOR, max_value=MAX_FLOORS)
    number = forms.CharField(
        label=_("Room"),
        max_length=20,
        required=False,
        help_text=_("Empty: the next number on that floor."),
    )

    def __init__(self, *args: Any, building: Building, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = building.units.order_by("number")  # type: ignore[attr-defined]


class StaffAssignForm(forms.Form):
    user = UserChoiceField(label=_("User"), queryset=User.objects.none())
    post = forms.ChoiceField(label=_("Post"), choices=StaffPost.choices)
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("For a building chief or a unit chief."),
    )
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=BuildingUnit.objects.none(),
        required=False,
        help_text=_("For a unit chief."),
    )
    start_on = DayField(label=_("From"), widget=_DateInput)

    def __init__(self, *args: Any, users: Any, buildings: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("start_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = BuildingUnit.objects.filter(building__in=buildings).select_related(
            "building__estate"
        )


class StaffEndForm(forms.Form):
    end_on = DayField(label=_("Until"), widget=_DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("end_on", timezone.localdate())
        super().__init__(*args, **kwargs)
