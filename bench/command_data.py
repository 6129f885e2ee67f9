"""The data of ``bench_command.py``: a county of ~100 000 grids, millions of cases and a
million disputes with their counters, built once in a kept data folder.

Everything is generated with numpy (a dependency of shapely, already installed) in time order,
chunk by chunk, and written by raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) — the
services would take days for 10 million cases. The counters are computed from the same arrays:

* ``cases_casestat`` (the cases' wide flow table): one row per (area, local day) for every
  grid **and every ancestor**, the flows of each event on the day it happened (report, accept,
  sign, reply, close, rate), rows written in day order as the live writer does;
* ``counters_stockcount``: the stock (``open``, ``overdue``, ``status:<s>``) of every area;
* disputes: ``counters_flowcount`` (kind ``disputes``) and their stock the same way.

``counters_countermember`` (what each object is counted as, needed only by later transitions)
is not filled: the bench only reads. The case table's secondary indexes are dropped during the
load and created again afterwards (a sort each, much faster than 10 million random inserts).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

STREETS, COMMUNITIES = 30, 1000
X0, Y0, CELL = 110.0, 30.0, 0.002

# --- cases ------------------------------------------------------------------------------------

COUNTERS = (
    "reported",
    "accepted",
    "closed",
    "closed_on_time",
    "signed",
    "signed_on_time",
    "replied",
    "reworked",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "handle_seconds",
    "closed_grid",
    "closed_community",
    "closed_street",
    "closed_county",
    "closed_on_spot",
)
C = {name: i for i, name in enumerate(COUNTERS)}
OPEN = ["to_check", "reported", "accepted", "assigned", "in_progress", "suspended", "resolved"]
OPEN_P = [0.05, 0.10, 0.10, 0.20, 0.40, 0.05, 0.10]
DONE = ["closed", "rated", "rejected", "merged"]
DONE_P = [0.35, 0.55, 0.07, 0.03]
STATUSES = OPEN + DONE
SOURCES = ["patrol", "resident", "hotline", "phone", "visit", "hall", "video", "higher"]
SOURCES_P = [0.45, 0.2, 0.2, 0.05, 0.03, 0.03, 0.02, 0.02]
LEVELS = np.array([6, 5, 4, 3])
LEVEL_P = [0.5, 0.25, 0.15, 0.10]
RATINGS = ["satisfied", "basic", "unsatisfied"]
WORDS = [
    "井盖缺失",
    "占道经营",
    "垃圾堆放",
    "路灯不亮",
    "噪音扰民",
    "邻里纠纷",
    "违章停车",
    "管道漏水",
]

DAY = 86400


def log(msg: str) -> None:
    print(msg, flush=True)


class Tree:
    """The area tree: ids and paths of every level, and for each grid the index of its
    community, for each community that of its street (numpy arrays)."""

    def __init__(
        self, top: list[Any], streets: list[Any], communities: list[Any], grids: list[Any]
    ):
        self.top = top  # province, city, county
        self.county = top[-1]
        self.streets = streets
        self.communities = communities
        self.grids = grids
        self.grid_ids = np.array([g.pk for g in grids], dtype=np.int64)
        self.comm_ids = np.array([c.pk for c in communities], dtype=np.int64)
        self.street_ids = np.array([s.pk for s in streets], dtype=np.int64)
        comm_index = {c.pk: i for i, c in enumerate(communities)}
        street_index = {s.pk: i for i, s in enumerate(streets)}
        self.grid_comm = np.array([comm_index[g.parent_id] for g in grids], dtype=np.int64)
        self.comm_street = np.array(
            [street_index[c.parent_id] for c in communities], dtype=np.int64
        )
        self.grid_paths = np.array([g.path for g in grids], dtype=object)
        self.grid_xy = np.array(
            [(g.center_lon or 0.0, g.center_lat or 0.0) for g in grids], dtype=np.float64
        )


def _square(x: float, y: float) -> dict[str, Any]:
    c = CELL * 0.999
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + c, y], [x + c, y + c], [x, y + c], [x, y]]],
    }


def build_tree(n_grids: int) -> Tree:
    """1 county → 30 streets → ~1 000 communities → ``n_grids`` grid polygons (under a
    province and a city), the top three through the service, the rest in bulk."""
    from common import insert_areas
    from django.db import transaction

    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.areas.services import area_create

    n_comms = max(1, min(COMMUNITIES, n_grids // 10))
    n_streets = max(1, min(STREETS, n_comms))
    with transaction.atomic():
        province = area_create(actor=None, parent=None, level=Level.PROVINCE, code="65", name="省")
        city = area_create(actor=None, parent=province, level=Level.CITY, code="6501", name="市")
        county = area_create(actor=None, parent=city, level=Level.COUNTY, code="650102", name="县")
        streets = [
            Area(
                parent=county,
                level=Level.TOWN,
                code=f"650102{s + 1:03d}",
                name=f"街道{s + 1}",
                depth=county.depth + 1,
            )
            for s in range(n_streets)
        ]
        insert_areas(streets)
        communities = [
            Area(
                parent=streets[c % n_streets],
                level=Level.COMMUNITY,
                code=f"{streets[c % n_streets].code}{c // n_streets + 1:03d}",
                name=f"社区{c + 1}",
                depth=county.depth + 2,
            )
            for c in range(n_comms)
        ]
        insert_areas(communities)
        side = int(np.ceil(np.sqrt(n_grids)))
        grids = []
        for g in range(n_grids):
            comm = communities[g % n_comms]
            x, y = X0 + (g % side) * CELL, Y0 + (g // side) * CELL
            grids.append(
                Area(
                    parent=comm,
                    level=Level.GRID,
                    code=f"{comm.code}{g // n_comms + 1:04d}",
                    name=f"网格{g + 1}",
                    depth=county.depth + 3,
                    geometry=_square(x, y),
                    min_lon=x,
                    min_lat=y,
                    max_lon=x + CELL,
                    max_lat=y + CELL,
                    center_lon=x + CELL / 2,
                    center_lat=y + CELL / 2,
                )
            )
        insert_areas(grids)
    return Tree([province, city, county], streets, communities, grids)


def ensure_shapes(tree: Tree) -> int:
    """Give the streets and communities that have none a square polygon of their own (the map
    draws them when the grids are too many); return how many were given one."""
    from django.db import connection, transaction

    from gridgov.areas.models import Area

    missing = set(
        Area.objects.filter(level__in=[4, 5], geometry__isnull=True).values_list("pk", flat=True)
    )
    rows = []
    for areas, size, y0 in (
        (tree.communities, CELL * 10, Y0 - 1.0),
        (tree.streets, CELL * 60, Y0 - 2.0),
    ):
        side = int(np.ceil(np.sqrt(max(1, len(areas)))))
        for i, a in enumerate(areas):
            if a.pk not in missing:
                continue
            x, y = X0 + (i % side) * size, y0 + (i // side) * size
            c = size * 0.999
            geom = {
                "type": "Polygon",
                "coordinates": [[[x, y], [x + c, y], [x + c, y + c], [x, y + c], [x, y]]],
            }
            rows.append((json.dumps(geom), x, y, x + c, y + c, x + c / 2, y + c / 2, a.pk))
    if rows:
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "UPDATE areas_area SET geometry = %s, min_lon = %s, min_lat = %s, max_lon = %s, "
                "max_lat = %s, center_lon = %s, center_lat = %s WHERE id = %s",
                rows,
            )
    return len(rows)


def load_tree() -> Tree:
    from gridgov.areas.models import Area

    county = Area.objects.defer("geometry").get(code="650102")
    top = [county.parent.parent, county.parent, county]
    streets = list(Area.objects.filter(parent=county).defer("geometry").order_by("pk"))
    communities = list(Area.objects.filter(parent__in=streets).defer("geometry").order_by("pk"))
    grids = list(
        Area.objects.filter(level=6, path__startswith=county.path).defer("geometry").order_by("pk")
    )
    return Tree(top, streets, communities, grids)


# --- writing ----------------------------------------------------------------------------------


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def write_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    consts: dict[str, str] | None = None,
) -> None:
    """Insert ``rows`` into ``table`` (SQLite: executemany with the constant columns as SQL
    literals; PostgreSQL: COPY, constants appended to every row)."""
    from django.db import connection

    consts = consts or {}
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cols = [*columns, *consts]
            tail = tuple(_literal_value(v) for v in consts.values())
            raw = cur.cursor  # psycopg cursor under Django's wrapper (public attribute)
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, *tail))
        else:
            cols = ", ".join([*columns, *consts])
            values = ", ".join(["%s"] * len(columns) + list(consts.values()))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({values})", rows)


def _literal_value(sql: str) -> Any:
    if sql == "NULL":
        return None
    if sql.startswith("'"):
        return sql[1:-1]
    if sql in ("TRUE", "FALSE"):
        return sql == "TRUE"
    return int(sql)


def drop_indexes(table: str) -> list[str]:
    """Drop the secondary indexes of ``table`` (not those of constraints); return the
    statements that create them again."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT "
                "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        found = cur.fetchall()
        for name, _sql in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def create_indexes(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


# --- time -------------------------------------------------------------------------------------


class Clock:
    """Local seconds since the local midnight of the first day; conversions to UTC strings."""

    def __init__(self, days: int):
        from django.utils import timezone

        from gridgov.workcal.selectors import work_timezone

        tz = work_timezone()
        now_local = timezone.now().astimezone(tz)
        self.today: date = now_local.date()
        self.first: date = self.today - timedelta(days=days - 1)
        self.days = days
        midnight = datetime.combine(self.first, datetime.min.time(), tzinfo=tz)
        self.now = int((now_local - midnight).total_seconds()) - 60
        offset = midnight.utcoffset() or timedelta(0)
        base = midnight.replace(tzinfo=None) - offset  # UTC, naive
        self.base = np.datetime64(base.replace(microsecond=0), "s")
        self.pg = _vendor() == "postgresql"

    def strings(self, secs: np.ndarray) -> list[str | None]:
        """UTC text of local seconds (negative: NULL), as Django stores datetimes."""
        mask = secs < 0
        arr = self.base + np.where(mask, 0, secs).astype("timedelta64[s]")
        text = np.strings.replace(np.datetime_as_string(arr, unit="s"), "T", " ")
        if self.pg:
            text = np.strings.add(text, "+00")
        out: list[str | None] = text.tolist()
        if mask.any():
            for i in np.flatnonzero(mask).tolist():
                out[i] = None
        return out

    def day(self, offset: int) -> date:
        return self.first + timedelta(days=offset)


# --- flows: a rolling window of (day, grid, counter) increments ---------------------------------


class Flows:
    """Increments per (day, grid, counter), flushed day by day once no later event can fall on
    the day, rolled up to every ancestor and written in day order."""

    def __init__(
        self,
        tree: Tree,
        clock: Clock,
        n_counters: int,
        emit: Callable[[int, np.ndarray, np.ndarray], None],
    ):
        self.tree, self.clock, self.k = tree, clock, n_counters
        self.emit = emit  # (day, area ids, matrix rows × counters)
        self.keys: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rows = 0

    def add(
        self,
        day: np.ndarray,
        grid: np.ndarray,
        counter: int,
        value: np.ndarray | int,
        mask: np.ndarray | None = None,
    ) -> None:
        if mask is not None:
            day, grid = day[mask], grid[mask]
            if not np.isscalar(value):
                value = value[mask]  # type: ignore[index]
        if len(day) == 0:
            return
        g = len(self.tree.grids)
        key = (day.astype(np.int64) * g + grid) * self.k + counter
        self.keys.append(key)
        self.vals.append(np.broadcast_to(np.asarray(value, dtype=np.int64), key.shape).copy())

    def flush(self, before_day: int) -> None:
        """Write the rows of every day < ``before_day``."""
        if not self.keys:
            return
        keys, vals = np.concatenate(self.keys), np.concatenate(self.vals)
        g = len(self.tree.grids)
        day = keys // (g * self.k)
        done = day < before_day
        self.keys, self.vals = [keys[~done]], [vals[~done]]
        keys, vals = keys[done], vals[done]
        if len(keys) == 0:
            return
        uk, inv = np.unique(keys, return_inverse=True)
        sums = np.bincount(inv, weights=vals).astype(np.int64)
        cell = uk // self.k  # day * g + grid
        counter = uk % self.k
        cells, cinv = np.unique(cell, return_inverse=True)
        matrix = np.zeros((len(cells), self.k), dtype=np.int64)
        matrix[cinv, counter] = sums
        days, grids = cells // g, cells % g
        for d in np.unique(days).tolist():
            sel = days == d
            gm, gi = matrix[sel], grids[sel]
            self._emit_levels(d, gi, gm)

    def _emit_levels(self, d: int, gi: np.ndarray, gm: np.ndarray) -> None:
        t = self.tree
        comm = t.grid_comm[gi]
        cm = np.zeros((len(t.communities), self.k), dtype=np.int64)
        np.add.at(cm, comm, gm)
        sm = np.zeros((len(t.streets), self.k), dtype=np.int64)
        np.add.at(sm, t.comm_street, cm)
        top = sm.sum(axis=0, keepdims=True)
        cu = np.flatnonzero(cm.any(axis=1))
        su = np.flatnonzero(sm.any(axis=1))
        ids = np.concatenate(
            [
                np.array([a.pk for a in t.top], dtype=np.int64),
                t.street_ids[su],
                t.comm_ids[cu],
                t.grid_ids[gi],
            ]
        )
        m = np.concatenate([np.repeat(top, len(t.top), axis=0), sm[su], cm[cu], gm])
        order = np.argsort(ids, kind="stable")
        self.emit(d, ids[order], m[order])
        self.rows += len(ids)


def ancestors_stock(tree: Tree, per_grid: dict[str, np.ndarray]) -> list[tuple[int, str, int]]:
    """(area id, key, value) of every area from per-grid counts of each key."""
    out: list[tuple[int, str, int]] = []
    for key, counts in per_grid.items():
        cm = np.bincount(tree.grid_comm, weights=counts, minlength=len(tree.communities)).astype(
            np.int64
        )
        sm = np.bincount(tree.comm_street, weights=cm, minlength=len(tree.streets)).astype(np.int64)
        total = int(counts.sum())
        if total:
            out += [(a.pk, key, total) for a in tree.top]
        for ids, vals in ((tree.street_ids, sm), (tree.comm_ids, cm), (tree.grid_ids, counts)):
            nz = np.flatnonzero(vals)
            out += list(
                zip(
                    ids[nz].tolist(),
                    [key] * len(nz),
                    vals[nz].astype(np.int64).tolist(),
                    strict=True,
                )
            )
    return out


# --- cases ------------------------------------------------------------------------------------

CASE_COLS = [
    "id",
    "number",
    "token",
    "status",
    "source",
    "category_id",
    "title",
    "priority",
    "area_id",
    "area_path",
    "lon",
    "lat",
    "assigned_level",
    "resolved_on_spot",
    "resolved_level",
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "sign_due_at",
    "signed_at",
    "handle_due_at",
    "resolved_at",
    "closed_at",
    "watch_at",
    "sign_overdue",
    "handle_overdue",
    "rating",
    "rated_at",
    "rework_count",
    "assigned_area_id",
    "created_at",
    "updated_at",
]
CASE_CONSTS = {
    "version": "1",
    "extra": "'{}'",
    "description": "''",
    "address": "''",
    "outside_grids": "FALSE",
    "reporter_name": "''",
    "reporter_phone_enc": "''",
    "anonymous": "TRUE",
    "external_id": "''",
    "due_soon": "FALSE",
    "pending_delay": "'{}'",
    "urge_count": "0",
    "reopen_count": "0",
    "return_count": "0",
    "rating_comment": "''",
    "reply": "''",
    "deadline_provisional": "FALSE",
}


def _exp(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    return rng.exponential(mean, n).astype(np.int64)


def build_cases(
    tree: Tree, clock: Clock, total: int, *, chunk: int = 200_000, seed: int = 18
) -> dict[str, Any]:
    """``total`` cases over ``clock.days`` days, with CaseStat and the cases' stock."""
    from django.db import connection, transaction

    from gridgov.cases.models import Case, CaseStat, Category
    from gridgov.kernel.counters.models import StockCount

    rng = np.random.default_rng(seed)
    cats = np.array(
        sorted(Category.objects.filter(children__isnull=True).values_list("pk", flat=True)),
        dtype=np.int64,
    )
    cat_names = dict(Category.objects.values_list("pk", "name"))
    g_n = len(tree.grids)
    # Busier and quieter grids: a weight per grid (log-normal), the same in every chunk.
    weight = rng.lognormal(0.0, 0.6, g_n)
    weight /= weight.sum()
    cum = np.cumsum(weight)
    stat_table = CaseStat._meta.db_table
    stat_cols = ["area_id", "day", *COUNTERS]

    def emit(d: int, ids: np.ndarray, m: np.ndarray) -> None:
        day = clock.day(d).isoformat()
        rows = [(a, day, *r) for a, r in zip(ids.tolist(), m.tolist(), strict=True)]
        write_rows(stat_table, stat_cols, rows)

    flows = Flows(tree, clock, len(COUNTERS), emit)
    stock: dict[str, np.ndarray] = {}
    table = Case._meta.db_table
    dropped = drop_indexes(table)
    t_gen = t_write = 0.0
    start = time.perf_counter()
    done = 0
    span = clock.now
    n_chunks = max(1, (total + chunk - 1) // chunk)
    for ci in range(n_chunks):
        n = min(chunk, total - done)
        t0 = time.perf_counter()
        lo, hi = span * ci // n_chunks, span * (ci + 1) // n_chunks
        t = np.sort(rng.integers(lo, hi, n))
        grid = np.minimum(np.searchsorted(cum, rng.random(n)), g_n - 1)
        age = (clock.now - t) / DAY
        p_open = 0.6 * np.exp(-age / 7) + np.where(age < 180, 0.003, 0.0)
        is_open = rng.random(n) < p_open
        st_open = rng.choice(len(OPEN), n, p=OPEN_P)
        st_done = rng.choice(len(DONE), n, p=DONE_P) + len(OPEN)
        st = np.where(is_open, st_open, st_done)
        status = np.array(STATUSES, dtype=object)[st]
        source_i = rng.choice(len(SOURCES), n, p=SOURCES_P)
        finished = np.isin(st, [STATUSES.index("closed"), STATUSES.index("rated")])
        on_spot = finished & (source_i == 0) & (rng.random(n) < 0.3)
        accepted_s = ~np.isin(st, [0, 1, STATUSES.index("rejected"), STATUSES.index("merged")])
        dispatched_s = accepted_s & (st != 2)
        signed_s = dispatched_s & (st != 3)
        resolved_s = np.isin(st, [6, STATUSES.index("closed"), STATUSES.index("rated")])
        rated_s = st == STATUSES.index("rated")
        neg = np.full(n, -1, dtype=np.int64)
        now = clock.now
        acc = np.where(
            accepted_s, np.minimum(t + np.where(on_spot, 0, _exp(rng, 3600, n)), now), neg
        )
        disp = np.where(dispatched_s, np.minimum(acc + np.where(on_spot, 0, 600), now), neg)
        sign = np.where(
            signed_s, np.minimum(disp + np.where(on_spot, 0, _exp(rng, 7200, n)), now), neg
        )
        closed_t = np.where(finished, sign + np.where(on_spot, 0, _exp(rng, 3 * DAY, n)), neg)
        closed_t = np.where(finished, np.minimum(closed_t, clock.now), neg)
        res = np.where(st == 6, np.minimum(sign + _exp(rng, DAY, n), clock.now), neg)
        res = np.where(finished, np.maximum(closed_t - np.where(on_spot, 0, 3600), sign), res)
        rated_t = np.where(rated_s, np.minimum(closed_t + _exp(rng, 6 * 3600, n), clock.now), neg)
        sign_due = np.where(dispatched_s, disp + DAY, neg)
        handle_due = np.where(accepted_s, acc + 7 * DAY, neg)
        level = np.where(on_spot, 6, LEVELS[rng.choice(4, n, p=LEVEL_P)])
        level = np.where(accepted_s, level, -1)
        sign_over = (st == 3) & (clock.now > sign_due) & (rng.random(n) < 0.5)
        handle_over = np.isin(st, [4, 5]) & (clock.now > handle_due)
        rework = finished & ~on_spot & (rng.random(n) < 0.05)
        rating_i = rng.choice(3, n, p=[0.8, 0.15, 0.05])
        watch = np.where(st == 3, sign_due, np.where(np.isin(st, [4, 5]), handle_due, neg))
        updated = np.maximum.reduce([t, acc, sign, res, closed_t, rated_t])
        ids = np.arange(done + 1, done + n + 1)
        xy = tree.grid_xy[grid] + rng.uniform(-CELL * 0.45, CELL * 0.45, (n, 2))
        cat = cats[rng.integers(0, len(cats), n)]

        # flows (local day of each event)
        dd = t // DAY
        flows.add(dd, grid, C["reported"], 1)
        flows.add(acc // DAY, grid, C["accepted"], 1, accepted_s)
        flows.add(sign // DAY, grid, C["signed"], 1, signed_s)
        flows.add(sign // DAY, grid, C["signed_on_time"], 1, signed_s & (sign <= sign_due))
        flows.add(res // DAY, grid, C["replied"], 1 + rework.astype(np.int64), resolved_s)
        flows.add(res // DAY, grid, C["reworked"], 1, rework)
        cd = closed_t // DAY
        flows.add(cd, grid, C["closed"], 1, finished)
        flows.add(cd, grid, C["closed_on_time"], 1, finished & (closed_t <= handle_due))
        flows.add(cd, grid, C["handle_seconds"], closed_t - acc, finished)
        for lv, name in (
            (6, "closed_grid"),
            (5, "closed_community"),
            (4, "closed_street"),
            (3, "closed_county"),
        ):
            flows.add(cd, grid, C[name], 1, finished & (level == lv))
        flows.add(cd, grid, C["closed_on_spot"], 1, on_spot)
        for r, name in enumerate(RATINGS):
            flows.add(rated_t // DAY, grid, C["rated"], 1, rated_s & (rating_i == r))
            flows.add(rated_t // DAY, grid, C[name], 1, rated_s & (rating_i == r))

        # stock
        keys = {f"status:{s}": st == i for i, s in enumerate(STATUSES)}
        keys["open"] = is_open
        keys["overdue"] = sign_over | handle_over
        for key, mask in keys.items():
            counts = np.bincount(grid[mask], minlength=g_n)
            stock[key] = stock.get(key, 0) + counts

        # rows
        rs = clock.strings
        rep_s = rs(t)
        upd_s = rs(updated)
        titles = [
            f"{WORDS[w]} {cat_names.get(c, '')}"[:200]
            for w, c in zip((ids % len(WORDS)).tolist(), cat.tolist(), strict=True)
        ]
        rows = list(
            zip(
                ids.tolist(),
                [f"C{i:010d}" for i in ids.tolist()],
                [f"c{i}" for i in ids.tolist()],
                status.tolist(),
                np.array(SOURCES, dtype=object)[source_i].tolist(),
                cat.tolist(),
                titles,
                [2] * n,
                tree.grid_ids[grid].tolist(),
                tree.grid_paths[grid].tolist(),
                xy[:, 0].round(6).tolist(),
                xy[:, 1].round(6).tolist(),
                [None if lv < 0 else lv for lv in level.tolist()],
                on_spot.tolist(),
                [
                    lv if f else None
                    for lv, f in zip(level.tolist(), finished.tolist(), strict=True)
                ],
                rep_s,
                rs(acc),
                rs(disp),
                rs(sign_due),
                rs(sign),
                rs(handle_due),
                rs(res),
                rs(closed_t),
                rs(watch),
                sign_over.tolist(),
                handle_over.tolist(),
                [
                    RATINGS[r] if f else ""
                    for r, f in zip(rating_i.tolist(), rated_s.tolist(), strict=True)
                ],
                rs(rated_t),
                rework.astype(np.int64).tolist(),
                [
                    a if f else None
                    for a, f in zip(
                        tree.grid_ids[grid].tolist(), dispatched_s.tolist(), strict=True
                    )
                ],
                rep_s,
                upd_s,
                strict=True,
            )
        )
        t1 = time.perf_counter()
        with transaction.atomic():
            write_rows(table, CASE_COLS, rows, CASE_CONSTS)
            flows.flush(int(hi // DAY) if ci + 1 < n_chunks else clock.days + 1)
        t2 = time.perf_counter()
        t_gen += t1 - t0
        t_write += t2 - t1
        done += n
        if ci % 5 == 4 or ci + 1 == n_chunks:
            log(
                f"    {done:,} cases ({done / (time.perf_counter() - start):,.0f}/s; generate "
                f"{t_gen:.0f} s, write {t_write:.0f} s), {flows.rows:,} CaseStat rows"
            )
    t0 = time.perf_counter()
    with transaction.atomic():
        write_rows(
            StockCount._meta.db_table,
            ["kind", "area_id", "key", "value"],
            [("cases", a, k, v) for a, k, v in ancestors_stock(tree, stock)],
        )
    log(f"    stock rows in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    create_indexes(dropped)
    log(f"    {len(dropped)} indexes of {table} created again in {time.perf_counter() - t0:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {total + 1})")
    return {"cases": done, "casestat_rows": flows.rows, "open": int(stock["open"].sum())}


# --- disputes ---------------------------------------------------------------------------------

D_FLOWS = (
    "registered",
    "accepted",
    "referred",
    "resolved",
    "failed",
    "withdrawn",
    "closed",
    "closed_on_time",
    "performed",
)
D_OPEN = ["registered", "accepted", "assigned", "mediating", "agreed"]
D_OPEN_P = [0.1, 0.15, 0.25, 0.35, 0.15]
D_DONE = ["closed", "failed", "withdrawn", "referred"]
D_DONE_P = [0.8, 0.08, 0.04, 0.08]
D_STATUSES = D_OPEN + D_DONE
D_COLS = [
    "id",
    "number",
    "status",
    "title",
    "risk",
    "source",
    "area_path",
    "registered_at",
    "accepted_at",
    "due_at",
    "overdue",
    "outcome",
    "outcome_at",
    "performance",
    "closed_at",
    "created_at",
    "updated_at",
    "area_id",
    "type_id",
]
D_CONSTS = {
    "version": "1",
    "summary": "''",
    "place": "''",
    "risk_reasons": "''",
    "sensitive": "FALSE",
    "deadline_provisional": "FALSE",
    "outcome_note": "''",
    "referred_to": "''",
    "referred_body": "''",
    "pending_extension": "'{}'",
    "extended_days": "0",
    "urge_count": "0",
}


def build_disputes(
    tree: Tree, clock: Clock, total: int, *, chunk: int = 200_000, seed: int = 19
) -> dict[str, Any]:
    from django.db import connection, transaction

    from gridgov.kernel.counters.models import FlowCount, StockCount
    from gridgov.mediation.models import Dispute, DisputeType

    rng = np.random.default_rng(seed)
    dtype, _ = DisputeType.objects.get_or_create(code="bench", defaults={"name": "邻里纠纷"})
    g_n = len(tree.grids)
    flow_table = FlowCount._meta.db_table

    def emit(d: int, ids: np.ndarray, m: np.ndarray) -> None:
        day = clock.day(d).isoformat()
        nz_r, nz_c = np.nonzero(m)
        rows = [
            ("disputes", a, day, D_FLOWS[c], v)
            for a, c, v in zip(
                ids[nz_r].tolist(), nz_c.tolist(), m[nz_r, nz_c].tolist(), strict=True
            )
        ]
        write_rows(flow_table, ["kind", "area_id", "day", "name", "value"], rows)

    flows = Flows(tree, clock, len(D_FLOWS), emit)
    fi = {n: i for i, n in enumerate(D_FLOWS)}
    stock: dict[str, np.ndarray] = {}
    table = Dispute._meta.db_table
    dropped = drop_indexes(table)
    start = time.perf_counter()
    done = 0
    n_chunks = max(1, (total + chunk - 1) // chunk)
    for ci in range(n_chunks):
        n = min(chunk, total - done)
        lo, hi = clock.now * ci // n_chunks, clock.now * (ci + 1) // n_chunks
        t = np.sort(rng.integers(lo, hi, n))
        grid = rng.integers(0, g_n, n)
        age = (clock.now - t) / DAY
        is_open = rng.random(n) < (0.9 * np.exp(-age / 20) + 0.002)
        st = np.where(
            is_open,
            rng.choice(len(D_OPEN), n, p=D_OPEN_P),
            rng.choice(len(D_DONE), n, p=D_DONE_P) + len(D_OPEN),
        )
        risk = np.array(["green", "yellow", "red"], dtype=object)[
            rng.choice(3, n, p=[0.8, 0.17, 0.03])
        ]
        neg = np.full(n, -1, dtype=np.int64)
        ix = {s: i for i, s in enumerate(D_STATUSES)}
        accepted_s = ~np.isin(st, [ix["registered"], ix["referred"]])
        acc = np.where(accepted_s, t + _exp(rng, 3 * 3600, n), neg)
        due = np.where(accepted_s, acc + 30 * DAY, neg)
        outcome_s = np.isin(st, [ix["agreed"], ix["failed"], ix["withdrawn"], ix["closed"]])
        outcome_t = np.where(outcome_s, np.minimum(acc + _exp(rng, 8 * DAY, n), clock.now), neg)
        closed_s = st == ix["closed"]
        closed_t = np.where(closed_s, np.minimum(outcome_t + _exp(rng, 5 * DAY, n), clock.now), neg)
        ref_t = np.where(st == ix["referred"], t + _exp(rng, DAY, n), neg)
        ref_t = np.minimum(ref_t, clock.now)
        overdue = is_open & accepted_s & (due < clock.now)
        performed = closed_s & (rng.random(n) < 0.9)
        updated = np.maximum.reduce([t, acc, outcome_t, closed_t, ref_t])
        outcome = np.where(
            closed_s | (st == ix["agreed"]),
            "agreement",
            np.where(
                st == ix["failed"], "no_agreement", np.where(st == ix["withdrawn"], "withdrawn", "")
            ),
        )

        flows.add(t // DAY, grid, fi["registered"], 1)
        flows.add(acc // DAY, grid, fi["accepted"], 1, accepted_s)
        flows.add(ref_t // DAY, grid, fi["referred"], 1, ref_t >= 0)
        agreed = outcome_s & (outcome == "agreement")
        flows.add(outcome_t // DAY, grid, fi["resolved"], 1, agreed)
        flows.add(outcome_t // DAY, grid, fi["failed"], 1, st == ix["failed"])
        flows.add(outcome_t // DAY, grid, fi["withdrawn"], 1, st == ix["withdrawn"])
        flows.add(closed_t // DAY, grid, fi["closed"], 1, closed_s)
        flows.add(closed_t // DAY, grid, fi["closed_on_time"], 1, closed_s & (outcome_t <= due))
        flows.add(closed_t // DAY, grid, fi["performed"], 1, performed)

        keys = {f"status:{s}": st == i for i, s in enumerate(D_STATUSES)}
        keys["open"] = is_open
        keys["overdue"] = overdue
        keys["high_risk_open"] = is_open & (risk == "red")
        for key, mask in keys.items():
            stock[key] = stock.get(key, 0) + np.bincount(grid[mask], minlength=g_n)

        ids = np.arange(done + 1, done + n + 1)
        rs = clock.strings
        reg_s = rs(t)
        rows = list(
            zip(
                ids.tolist(),
                [f"M{i:010d}" for i in ids.tolist()],
                np.array(D_STATUSES, dtype=object)[st].tolist(),
                ["邻里纠纷"] * n,
                risk.tolist(),
                ["screening"] * n,
                tree.grid_paths[grid].tolist(),
                reg_s,
                rs(acc),
                rs(due),
                overdue.tolist(),
                outcome.tolist(),
                rs(np.where(outcome_s, outcome_t, neg)),
                np.where(performed, "full", "").tolist(),
                rs(closed_t),
                reg_s,
                rs(updated),
                tree.grid_ids[grid].tolist(),
                [dtype.pk] * n,
                strict=True,
            )
        )
        with transaction.atomic():
            write_rows(table, D_COLS, rows, D_CONSTS)
            flows.flush(int(hi // DAY) if ci + 1 < n_chunks else clock.days + 1)
        done += n
    with transaction.atomic():
        write_rows(
            StockCount._meta.db_table,
            ["kind", "area_id", "key", "value"],
            [("disputes", a, k, v) for a, k, v in ancestors_stock(tree, stock)],
        )
    create_indexes(dropped)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {total + 1})")
    log(f"    {done:,} disputes, {flows.rows:,} flow cells in {time.perf_counter() - start:.0f} s")
    return {"disputes": done, "flow_cells": flows.rows}


def chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
