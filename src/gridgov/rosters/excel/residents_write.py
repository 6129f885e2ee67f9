"""Writing a checked batch of the resident sheet (see :mod:`gridgov.rosters.excel.residents`):
households, residents, memberships, heads and history, in bulk — no per-row ORM calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import connection

from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.rosters import idnumbers
from gridgov.rosters.codes import Relation, ResidentStatus
from gridgov.rosters.excel import bulk
from gridgov.rosters.excel.common import Context
from gridgov.rosters.models import Household, Membership, Resident, RosterEvent

if TYPE_CHECKING:
    from gridgov.rosters.excel.residents import Known, Person

# -----------------------------------------------------------------------------------------------


class _Numbers:
    """Household numbers "H" + grid code + 6-digit sequence, continued from the highest one
    already used in the grid."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def take(self, area: Area) -> str:
        if area.pk not in self._next:
            prefix = f"H{area.code}"
            last = (
                Household.objects.filter(number__startswith=prefix)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            tail = (last or "")[len(prefix) :]
            self._next[area.pk] = int(tail) + 1 if tail.isdigit() else 1
        n = self._next[area.pk]
        self._next[area.pk] = n + 1
        return f"H{area.code}{n:06d}"


_UPDATE_FIELDS = [
    "household",
    "relation",
    "area",
    "area_path",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "political_status",
    "residence_type",
    "status",
    "moved_in_on",
    "moved_out_on",
    "version",
    "updated_at",
]


class Writer:
    def __init__(self, ctx: Context, known: Known) -> None:
        self.ctx = ctx
        self.known = known
        self.numbers = _Numbers()
        self.actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None

    def _household(self, p: Person) -> Household | None:
        if p.number:
            return self.known.by_number.get(p.number)
        return self.known.by_address.get((p.area.pk, p.address))

    def write(self, batch: list[Person]) -> tuple[int, int]:
        """Write one batch (the caller holds the transaction); (created, updated)."""
        from django.utils import timezone

        now = timezone.now()
        today = self.ctx.today
        detail_base = {"job": self.ctx.job_id} if self.ctx.job_id else {}
        # Households: new ones in bulk, changed columns of known ones.
        new_households: dict[tuple[Any, ...], Household] = {}
        changed_households: dict[int, Household] = {}
        for p in batch:
            h = self._household(p)
            if h is None:
                if p.hh_key not in new_households:
                    new_households[p.hh_key] = Household(
                        number=p.number or self.numbers.take(p.area),
                        area=p.area,
                        household_type=p.household_type,
                        room_id=p.room_id,
                        address=p.address,
                    )
                continue
            if (h.household_type, h.address, h.room_id) != (
                p.household_type,
                p.address,
                p.room_id,
            ):
                h.household_type, h.address, h.room_id = p.household_type, p.address, p.room_id
                h.version += 1
                h.updated_at = now
                changed_households[h.pk] = h
        Household.fill_area_paths(new_households.values())  # bulk_create skips save()
        made = Household.objects.bulk_create(list(new_households.values()))
        if any(h.pk is None for h in made):
            numbers = {h.number: h for h in made}
            for pk, number in Household.objects.filter(number__in=numbers).values_list(
                "id", "number"
            ):
                numbers[number].pk = pk
        for key, h in new_households.items():
            if key[0] == "n":
                self.known.by_number[key[1]] = h
            else:
                self.known.by_address[(key[1], key[2])] = h
        if changed_households:
            Household.objects.bulk_update(
                list(changed_households.values()),
                ["household_type", "address", "room", "version", "updated_at"],
            )
        # Residents.
        created: list[tuple[Resident, Person]] = []
        updated: list[tuple[Resident, list[str]]] = []
        moved: list[tuple[Resident, Person]] = []
        relation_changed: list[Resident] = []
        for p in batch:
            h = self._household(p)
            assert h is not None
            r = self.known.residents.get(p.id_hash)
            if r is None:
                r = Resident(
                    household=h,
                    relation=p.relation,
                    **Resident.place_at(h),
                    name=p.name,
                    gender=p.gender,
                    birth_date=p.birth_date,
                    ethnicity=p.ethnicity,
                    political_status=p.political_status,
                    residence_type=p.residence_type,
                    moved_in_on=p.moved_in_on,
                    **idnumbers.protected_id(p.id_number),
                    **(idnumbers.protected_phone(p.phone) if p.phone else {}),
                )
                created.append((r, p))
                continue
            changes = self._apply(r, p, h)
            if "household" in changes:
                moved.append((r, p))
            elif "relation" in changes:
                relation_changed.append(r)
            if changes:
                r.version += 1
                r.updated_at = now
            updated.append((r, changes))
        bulk.insert([r for r, _p in created])
        if created:
            ids = dict(
                Resident.objects.filter(
                    id_number_hash__in=[p.id_hash for _r, p in created]
                ).values_list("id_number_hash", "id")
            )
            for r, p in created:
                r.pk = ids[p.id_hash]
        for r, p in created:
            self.known.residents[p.id_hash] = r
        changed = [r for r, fields in updated if fields]
        if changed:
            Resident.objects.bulk_update(changed, _UPDATE_FIELDS)
        # Memberships: open for the new, end and reopen for the moved, relation for the rest.
        if moved:
            Membership.objects.filter(
                resident_id__in=[r.pk for r, _p in moved], end_on__isnull=True
            ).update(end_on=today)
        bulk.insert(
            [
                Membership(
                    resident=r,
                    household_id=cast(int, r.household_id),
                    relation=r.relation,
                    start_on=p.moved_in_on or today,
                )
                for r, p in created
            ]
            + [
                Membership(
                    resident=r,
                    household_id=cast(int, r.household_id),
                    relation=r.relation,
                    start_on=today,
                )
                for r, _p in moved
            ]
        )
        by_relation: dict[str, list[int]] = {}
        for r in relation_changed:
            by_relation.setdefault(r.relation, []).append(r.pk)
        for relation, pks in by_relation.items():
            Membership.objects.filter(resident_id__in=pks, end_on__isnull=True).update(
                relation=relation
            )
        # Heads of household.
        heads: dict[int, Household] = {}
        for p in batch:
            if p.relation == Relation.HEAD:
                h = self._household(p)
                r = self.known.residents[p.id_hash]
                if h is not None and h.head_id != r.pk:
                    h.head_id = r.pk
                    heads[h.pk] = h
        if heads:  # one prepared statement, many parameter sets (bulk_update's CASE is slow)
            table = Household._meta.db_table
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET head_id = %s WHERE id = %s",
                    [(h.head_id, h.pk) for h in heads.values()],
                )
        # History.
        events = [
            RosterEvent(
                kind=RosterEvent.Kind.IMPORTED,
                household=h,
                actor=self.actor,
                detail={**detail_base, "created": True},
            )
            for h in new_households.values()
        ]
        events += [
            RosterEvent(
                kind=RosterEvent.Kind.IMPORTED,
                resident=r,
                household_id=r.household_id,
                actor=self.actor,
                detail={**detail_base, "created": True},
            )
            for r, _p in created
        ]
        events += [
            RosterEvent(
                kind=RosterEvent.Kind.IMPORTED,
                resident=r,
                household_id=r.household_id,
                actor=self.actor,
                detail={**detail_base, "fields": fields},
            )
            for r, fields in updated
            if fields
        ]
        bulk.insert(events)
        return len(created), len(updated)

    @staticmethod
    def _apply(r: Resident, p: Person, h: Household) -> list[str]:
        """Set the row's values on ``r``; the names of the fields that changed."""
        changes: list[str] = []
        new: dict[str, Any] = {
            "household_id": h.pk,
            "relation": p.relation,
            **Resident.place_at(h),
            "name": p.name,
            "gender": p.gender,
            "birth_date": p.birth_date,
            "ethnicity": p.ethnicity,
            "political_status": p.political_status,
            "residence_type": p.residence_type,
            "status": ResidentStatus.LIVING,
        }
        if p.moved_in_on is not None:
            new["moved_in_on"] = p.moved_in_on
        for attr, value in new.items():
            if getattr(r, attr) != value:
                setattr(r, attr, value)
                changes.append(attr.removesuffix("_id"))
        if r.status == ResidentStatus.LIVING and r.moved_out_on is not None:
            r.moved_out_on = None
            changes.append("moved_out_on")
        phone_hash = crypto.keyed_hash(p.phone) if p.phone else ""
        if p.phone and phone_hash != r.phone_hash:
            for k, val in idnumbers.protected_phone(p.phone).items():
                setattr(r, k, val)
            changes.append("phone")
        return [c for c in changes if c != "area_path"]
