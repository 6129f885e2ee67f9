"""The timed reads of ``bench_command.py``: tiles, rankings, the map and a month's report,
each next to the raw SQL of the same figures on the counters (a bare cursor, the same
statements) and the naive GROUP BY over the fact tables, in the same run."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

GOAL_MS = 100.0
NAIVE_REPEAT = 3  # a GROUP BY over millions of rows takes seconds: a few rounds (--naive-rounds)


def log(msg: str = "") -> None:
    print(msg, flush=True)


def pct(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


Times = tuple[list[float], list[float]]  # wall seconds, CPU seconds of this process


def rounds(
    fn: Callable[[Any], Any], areas: Callable[[int], Any], repeat: int, *, warm: bool = True
) -> Times:
    """``fn(area)`` for ``repeat`` rounds, round ``i`` on ``areas(i)`` (a warm-up first): the
    wall times and the CPU times of this process (on SQLite the database engine runs in it, so
    the CPU time is the read's own cost without the waits of a machine shared with others)."""
    if warm:
        fn(areas(-1))
    wall, cpu = [], []
    for i in range(repeat):
        a = areas(i)
        c0, t0 = time.process_time(), time.perf_counter()
        fn(a)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def _cursor(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _range(path: str) -> list[str]:
    return [path, path[:-1] + "0"]  # the subtree's range of the path index ("/" < "0")


def _local_day_sql() -> str:
    from django.db import connection

    from gridgov.workcal.selectors import work_timezone

    if connection.vendor == "postgresql":
        return f"(reported_at AT TIME ZONE '{work_timezone().key}')::date"
    return "date(reported_at, '+8 hours')"


def _utc(day: date, plus: int = 0) -> Any:
    from datetime import datetime

    from django.db import connection

    from gridgov.workcal.selectors import work_timezone

    moment = datetime.combine(day + timedelta(days=plus), datetime.min.time(), work_timezone())
    return connection.ops.adapt_datetimefield_value(moment)


# --- the raw statements of the same figures ---------------------------------------------------


def raw_counters(
    kind: str, area_id: int, d_from: date, d_to: date, today: date, trend_from: date
) -> None:
    """What a tile of ``kind`` reads, through a bare cursor: the flows of the period and of
    today, the trend's rows, the stock and the children's stock."""
    from gridgov.cases.indicators import COUNTERS

    if kind == "cases":
        sums = ", ".join(f"SUM({c})" for c in COUNTERS)
        sql = f"SELECT {sums} FROM cases_casestat WHERE area_id = %s AND day >= %s AND day <= %s"
        _cursor(sql, [area_id, d_from, d_to])
        _cursor(sql, [area_id, today, today])
        _cursor(
            f"SELECT day, {', '.join(COUNTERS)} FROM cases_casestat WHERE area_id = %s "
            "AND day >= %s AND day <= %s",
            [area_id, trend_from, today],
        )
    else:
        sql = (
            "SELECT name, SUM(value) FROM counters_flowcount WHERE kind = %s AND area_id = %s "
            "AND day >= %s AND day <= %s GROUP BY name"
        )
        _cursor(sql, [kind, area_id, d_from, d_to])
        _cursor(sql, [kind, area_id, today, today])
        _cursor(
            "SELECT day, name, value FROM counters_flowcount WHERE kind = %s AND area_id = %s "
            "AND day >= %s AND day <= %s",
            [kind, area_id, trend_from, today],
        )
    _cursor(
        "SELECT key, value FROM counters_stockcount WHERE kind = %s AND area_id = %s",
        [kind, area_id],
    )
    _cursor(
        "SELECT a.id, s.key, s.value FROM areas_area a LEFT JOIN counters_stockcount s "
        "ON s.area_id = a.id AND s.kind = %s WHERE a.parent_id = %s",
        [kind, area_id],
    )


def naive_facts(kind: str, path: str, d_from: date, d_to: date, trend_from: date) -> None:
    """The same figures as GROUP BYs over the fact table of ``kind``: the stock by status, the
    period's intake and closures, the trend per day."""
    if kind == "cases":
        _cursor(
            "SELECT status, COUNT(*), SUM(CASE WHEN sign_overdue OR handle_overdue THEN 1 ELSE 0 "
            "END) FROM cases_case WHERE area_path >= %s AND area_path < %s GROUP BY status",
            _range(path),
        )
        _cursor(
            "SELECT COUNT(*), SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END) FROM "
            "cases_case WHERE area_path >= %s AND area_path < %s AND reported_at >= %s AND "
            "reported_at < %s",
            [*_range(path), _utc(d_from), _utc(d_to, 1)],
        )
        _cursor(
            "SELECT COUNT(*), SUM(CASE WHEN closed_at <= handle_due_at THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END) FROM cases_case "
            "WHERE area_path >= %s AND area_path < %s AND closed_at >= %s AND closed_at < %s",
            [*_range(path), _utc(d_from), _utc(d_to, 1)],
        )
        _cursor(
            f"SELECT {_local_day_sql()}, COUNT(*) FROM cases_case WHERE area_path >= %s AND "
            "area_path < %s AND reported_at >= %s GROUP BY 1",
            [*_range(path), _utc(trend_from)],
        )
    else:
        _cursor(
            "SELECT status, risk, overdue, COUNT(*) FROM mediation_dispute WHERE area_path >= %s "
            "AND area_path < %s GROUP BY status, risk, overdue",
            _range(path),
        )
        _cursor(
            "SELECT COUNT(*) FROM mediation_dispute WHERE area_path >= %s AND area_path < %s "
            "AND registered_at >= %s AND registered_at < %s",
            [*_range(path), _utc(d_from), _utc(d_to, 1)],
        )
        _cursor(
            "SELECT outcome, COUNT(*) FROM mediation_dispute WHERE area_path >= %s AND "
            "area_path < %s AND closed_at >= %s AND closed_at < %s GROUP BY outcome",
            [*_range(path), _utc(d_from), _utc(d_to, 1)],
        )


def raw_ranking(kind: str, child_ids: list[int], periods: list[tuple[date, date]]) -> None:
    from gridgov.cases.indicators import COUNTERS

    marks = ", ".join(["%s"] * len(child_ids))
    for d_from, d_to in periods:
        if kind == "cases":
            sums = ", ".join(f"SUM({c})" for c in COUNTERS)
            _cursor(
                f"SELECT area_id, {sums} FROM cases_casestat WHERE area_id IN ({marks}) AND "
                "day >= %s AND day <= %s GROUP BY area_id",
                [*child_ids, d_from, d_to],
            )
        else:
            _cursor(
                f"SELECT area_id, name, SUM(value) FROM counters_flowcount WHERE kind = %s AND "
                f"area_id IN ({marks}) AND day >= %s AND day <= %s GROUP BY area_id, name",
                [kind, *child_ids, d_from, d_to],
            )


def naive_ranking(kind: str, path: str, periods: list[tuple[date, date]]) -> None:
    """The figures per grid over the fact table (then summed per child, as a ranking would)."""
    table, col = (
        ("cases_case", "closed_at") if kind == "cases" else ("mediation_dispute", "closed_at")
    )
    for d_from, d_to in periods:
        _cursor(
            f"SELECT area_path, COUNT(*) FROM {table} WHERE area_path >= %s AND area_path < %s "
            f"AND {col} >= %s AND {col} < %s GROUP BY area_path",
            [*_range(path), _utc(d_from), _utc(d_to, 1)],
        )


# --- stages -----------------------------------------------------------------------------------


class Row:
    def __init__(self, results: dict[str, Any]):
        self.results = results
        self.worst = 0.0
        self.worst_cpu = 0.0

    def show(
        self, label: str, ours: Times, raw: Times | None, naive: Times | None, *, goal: bool = True
    ) -> None:
        """One line: ours wall p50 / p95 and CPU p50 / p95; raw wall and CPU p50 and ours ÷
        raw (by CPU on SQLite, by wall on PostgreSQL, whose server's CPU is not ours); the
        GROUP BY's wall p50 and how many times slower than ours (wall)."""
        from django.db import connection

        by_cpu = connection.vendor == "sqlite"
        a, ac = pct(ours[0]), pct(ours[1])
        text = f"  {label:44s} {a[0]:6.1f} / {a[1]:6.1f}  cpu {ac[0]:5.1f} / {ac[1]:5.1f}"
        row: dict[str, Any] = {
            "label": label,
            "p50_ms": a[0],
            "p95_ms": a[1],
            "cpu_p50_ms": ac[0],
            "cpu_p95_ms": ac[1],
        }
        if raw:
            b, bc = pct(raw[0]), pct(raw[1])
            ratio = ac[0] / max(bc[0], 1e-3) if by_cpu else a[0] / max(b[0], 1e-3)
            text += f" | raw {b[0]:5.1f} cpu {bc[0]:5.1f} ({ratio:4.1f}×)"
            row.update(raw_p50_ms=b[0], raw_p95_ms=b[1], raw_cpu_p50_ms=bc[0], ratio=ratio)
        if naive:
            c = pct(naive[0])
            text += f" | GROUP BY {c[0]:8.1f} ({c[0] / max(a[0], 1e-3):5.0f}× ours)"
            row.update(naive_p50_ms=c[0], naive_p95_ms=c[1])
        if goal:
            self.worst = max(self.worst, a[1])
            self.worst_cpu = max(self.worst_cpu, ac[1])
            text += "" if a[1] < GOAL_MS else "  > goal"
        log(text)
        self.results["rows"].append(row)


def run(
    tree: Any, stages: set[str], repeat: int, results: dict[str, Any], naive_rounds: int = 3
) -> None:
    global NAIVE_REPEAT
    NAIVE_REPEAT = naive_rounds
    from gridgov.accounts.models import User
    from gridgov.cases.indicators import local_today

    actor = User.objects.get(username="bench_command_dispatcher")
    today = local_today()
    rnd = random.Random(7)
    levels = {
        "county": [tree.county],
        "street": list(tree.streets),
        "community": list(tree.communities),
    }
    picks = {lv: [rnd.choice(areas) for _ in range(repeat + 1)] for lv, areas in levels.items()}
    rows = Row(results)
    if "tiles" in stages:
        bench_tiles(actor, picks, today, repeat, rows)
    if "rankings" in stages:
        bench_rankings(actor, picks, today, repeat, rows)
    if "map" in stages:
        bench_map(actor, picks, repeat, rows)
    if "report" in stages:
        bench_report(actor, tree, today, rows)
    if not stages & {"tiles", "rankings"}:
        return
    results["worst_p95_ms"] = rows.worst
    results["worst_cpu_p95_ms"] = rows.worst_cpu
    log(
        f"\nworst tile/ranking p95 {rows.worst:.1f} ms wall, {rows.worst_cpu:.1f} ms CPU "
        f"(goal < {GOAL_MS:.0f} ms): {'met' if rows.worst < GOAL_MS else 'missed'} by wall time, "
        f"{'met' if rows.worst_cpu < GOAL_MS else 'missed'} by CPU time"
    )


def _kind_of(key: str) -> str:
    return "cases" if key.startswith("cases.") else "disputes"


def bench_tiles(
    actor: Any, picks: dict[str, list[Any]], today: date, repeat: int, rows: Row
) -> None:
    from gridgov.command.registry import tiles
    from gridgov.command.tiles.figures import trend_window
    from gridgov.command.tiles.selectors import scope_for, tiles_for

    log(
        f"\ntiles, this month (p50 / p95 ms over {repeat} rounds, a random area of the level each "
        f"round; raw = the same counter statements by a bare cursor; GROUP BY over the facts: "
        f"{NAIVE_REPEAT} rounds)"
    )
    for level, areas in picks.items():
        scopes = [scope_for(actor=actor, area_id=a.pk) for a in areas]
        log(f" {level} (e.g. {areas[0].name}, period {scopes[0].date_from} … {scopes[0].date_to})")

        def whole(s: Any) -> None:
            tiles_for(scope_for(actor=actor, area_id=s.area.pk))

        rows.show(
            f"{level}: the whole screen (tiles_for, {len(tiles.all())} tiles)",
            rounds(whole, scopes.__getitem__, repeat),
            None,
            None,
        )
        from gridgov.kernel.counters.readers import reading

        def whole_once(s: Any) -> None:
            with reading():
                tiles_for(scope_for(actor=actor, area_id=s.area.pk))

        rows.show(
            f"{level}: the whole screen, inside readers.reading()",
            rounds(whole_once, scopes.__getitem__, repeat),
            None,
            None,
        )
        for tile in tiles.all():
            kind = _kind_of(tile.key)

            def raw(s: Any, kind: str = kind) -> None:
                start, _end = trend_window(s)
                raw_counters(kind, s.area.pk, s.date_from, s.date_to, s.today, start)

            def naive(s: Any, kind: str = kind) -> None:
                start, _end = trend_window(s)
                naive_facts(kind, s.area.path, s.date_from, s.date_to, start)

            ours = rounds(lambda s, t=tile: t.compute(s), scopes.__getitem__, repeat)
            raw_t = rounds(raw, scopes.__getitem__, repeat)
            naive_t = (
                rounds(naive, scopes.__getitem__, NAIVE_REPEAT, warm=False)
                if tile.key in ("cases.intake", "disputes.stock")
                else None
            )
            rows.show(f"{level}: {tile.key}", ours, raw_t, naive_t)
        # a year instead of a month: 365 rows per area instead of ~30
        year = [
            scope_for(
                actor=actor,
                area_id=s.area.pk,
                date_from=today.replace(month=1, day=1),
                date_to=today,
            )
            for s in scopes
        ]
        rows.show(
            f"{level}: the whole screen, this year",
            rounds(lambda s: tiles_for(s), year.__getitem__, repeat),
            None,
            None,
        )


def bench_rankings(
    actor: Any, picks: dict[str, list[Any]], today: date, repeat: int, rows: Row
) -> None:
    from gridgov.areas.models import Area
    from gridgov.command.registry import rank_measures
    from gridgov.command.tiles.selectors import previous_period, rankings_for, scope_for

    log(
        f"\nrankings of the children, this month and the month before (p50 / p95 ms, {repeat} rounds)"
    )
    for level, areas in picks.items():
        scopes = [scope_for(actor=actor, area_id=a.pk) for a in areas]
        children = {
            a.pk: list(Area.objects.filter(parent=a, is_active=True).values_list("pk", flat=True))
            for a in {s.area for s in scopes}
        }
        n = statistics.mean(len(v) for v in children.values())
        log(f" {level} ({n:.0f} children each)")
        rows.show(
            f"{level}: all rankings (rankings_for)",
            rounds(lambda s: rankings_for(s), scopes.__getitem__, repeat),
            None,
            None,
        )
        for m in rank_measures.all():
            kind = _kind_of(m.key)

            def periods(s: Any) -> list[tuple[date, date]]:
                return [(s.date_from, s.date_to), previous_period(s.date_from, s.date_to)]

            ours = rounds(lambda s, k=m.key: rankings_for(s, k), scopes.__getitem__, repeat)
            raw_t = rounds(
                lambda s, k=kind, c=children: raw_ranking(k, c[s.area.pk], periods(s)),
                scopes.__getitem__,
                repeat,
            )
            naive_t = None
            if m.key in ("cases.on_time_rate", "disputes.resolution_rate"):
                naive_t = rounds(
                    lambda s, k=kind: naive_ranking(k, s.area.path, periods(s)),
                    scopes.__getitem__,
                    NAIVE_REPEAT,
                    warm=False,
                )
            rows.show(f"{level}: {m.key}", ours, raw_t, naive_t)


def bench_map(actor: Any, picks: dict[str, list[Any]], repeat: int, rows: Row) -> None:
    from gridgov.command.maplayers import geometry
    from gridgov.command.maplayers.selectors import map_grids
    from gridgov.command.registry import map_measures

    log(
        f"\nthe map's per-area values (map_grids; p50 / p95 ms, {repeat} rounds; first = "
        "polygons not yet in the process's memory)"
    )
    for level in ("county", "street"):
        areas = picks[level]
        geometry.reset()
        t0 = time.perf_counter()
        first = map_grids(actor=actor, area_id=areas[0].pk)
        cold = time.perf_counter() - t0
        log(
            f" {level}: draws {len(first['features']):,} areas of level {first['level']} "
            f"(truncated: {first['truncated']}); first call {cold * 1000:.0f} ms"
        )
        rows.results["rows"].append({"label": f"map {level} first call", "ms": cold * 1000})
        ids = {
            a.pk: [f["id"] for f in map_grids(actor=actor, area_id=a.pk)["features"]]
            for a in set(areas)
        }
        for m in map_measures.all():

            def raw(a: Any, m: Any = m, ids: dict[int, list[int]] = ids) -> None:
                marks = ", ".join(["%s"] * len(ids[a.pk]))
                _cursor(
                    f"SELECT area_id, value FROM counters_stockcount WHERE kind = %s AND key = %s AND area_id IN ({marks})",
                    [m.kind, m.stock_key, *ids[a.pk]],
                )

            ours = rounds(
                lambda a, k=m.key: map_grids(actor=actor, area_id=a.pk, measure_key=k),
                areas.__getitem__,
                repeat,
            )
            raw_t = rounds(raw, areas.__getitem__, repeat)
            naive_t = None
            if m.kind == "cases" and m.stock_key == "open":
                naive_t = rounds(
                    lambda a: _cursor(
                        "SELECT area_id, COUNT(*) FROM cases_case WHERE area_path >= %s AND area_path < %s "
                        "AND status IN ('to_check', 'reported', 'accepted', 'assigned', 'in_progress', "
                        "'suspended', 'resolved') GROUP BY area_id",
                        _range(a.path),
                    ),
                    areas.__getitem__,
                    NAIVE_REPEAT,
                    warm=False,
                )
            rows.show(f"map {level}: {m.key}", ours, raw_t, naive_t, goal=False)


def bench_report(actor: Any, tree: Any, today: date, rows: Row) -> None:
    try:
        from gridgov.command.reports.services import report_generate
    except ImportError:
        log("\nreport: the reports engine is not in this tree")
        return
    last = today.replace(day=1) - timedelta(days=1)
    log(
        f"\nreport of a month ({last:%Y-%m}) of the county, Excel + PDF (report_generate, 3 rounds)"
    )
    times, cpu = [], []
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        report = report_generate(actor=actor, area=tree.county, period="month", day=last)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    a, ac = pct(times), pct(cpu)
    log(
        f"  county month report: {a[0]:.0f} ms median ({ac[0]:.0f} ms CPU), "
        f"{max(times) * 1000:.0f} ms worst (xlsx {report.xlsx.size:,} B, pdf {report.pdf.size:,} B)"
    )
    rows.results["rows"].append(
        {
            "label": "report county month",
            "p50_ms": a[0],
            "cpu_p50_ms": ac[0],
            "max_ms": max(times) * 1000,
        }
    )
