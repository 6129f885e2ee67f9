"""The live stream end to end: ``gridgov serve`` with its live process in a child process (the
demo district with two grids), real HTTP clients reading the SSE stream, real case and dispute
actions through the API. Waits are generous safety nets for arrival; nothing is timed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gridgov.command.tests.live_harness import SSE, LiveServer

pytestmark = pytest.mark.storm

GRID1 = (106.1897, 38.50515)  # 凤鸣社区第一网格 (the demo grid worker's)
GRID2 = (106.19469, 38.50448)  # 凤鸣社区第二网格


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("live")))
    try:
        live.build()
        yield live
    finally:
        live.close()


def stream(server: LiveServer, user: str, query: str = "", **headers: str) -> SSE:
    sent = {"Authorization": f"Bearer {server.token(user)}", **headers}
    return SSE(server.live_port, f"/command/live/stream{query}", sent).open()


def report(server: LiveServer, where: tuple[float, float], *, user: str = "dispatcher") -> Any:
    body = {
        "source": "patrol" if user == "gridworker" else "phone",
        "category": "0101",
        "title": "楼下垃圾无人清运",
        "description": "垃圾堆放三天，气味很大。",
        "lon": where[0],
        "lat": where[1],
    }
    answer = server.request("POST", "/api/v1/cases/report", body, token=server.token(user))
    assert answer.status in (200, 201), answer
    return answer.body


def case_ids(sse: SSE) -> set[int]:
    return {e["item_id"] for e in sse.events() if e["item_kind"] == "case"}


def no_streams_left(server: LiveServer) -> None:
    # Closed clients leave at the next heartbeat (1 s in these tests).
    token = server.token("dispatcher")
    end = time.monotonic() + 30
    while server.live_status(token)["streams"] and time.monotonic() < end:
        time.sleep(0.2)


def test_a_reported_case_arrives_on_the_stream(server: LiveServer) -> None:
    sse = stream(server, "dispatcher")
    try:
        assert sse.status == 200
        assert sse.response_headers["content-type"].startswith("text/event-stream")
        case = report(server, GRID1, user="gridworker")
        assert sse.wait_for(lambda s: case["id"] in case_ids(s))
        event = next(e for e in sse.events() if e["item_id"] == case["id"])
        assert event["feed"] == "cases"
        assert event["action"] == "report"
        assert case["number"] in event["label"]
        assert event["area_path"].endswith(f"/{case['area']['id']}/")
        assert event["lat"] == pytest.approx(GRID1[1])
        # Nothing personal: not the title nor the description.
        assert "垃圾无人清运" not in event["label"] and "气味" not in str(event)
        assert sse.last_id and "cases:" in sse.last_id
    finally:
        sse.close()


def test_last_event_id_resumes_without_gaps_or_duplicates(server: LiveServer) -> None:
    first = stream(server, "dispatcher")
    seen = report(server, GRID1)
    assert first.wait_for(lambda s: seen["id"] in case_ids(s))
    resume_from = first.last_id
    first.close()
    missed = [report(server, GRID1)["id"], report(server, GRID2)["id"]]
    again = stream(server, "dispatcher", **{"Last-Event-ID": resume_from or ""})
    try:
        assert again.wait_for(lambda s: set(missed) <= case_ids(s))
        got = [e["item_id"] for e in again.events() if e["action"] == "report"]
        assert got[:2] == missed
        assert seen["id"] not in case_ids(again)
    finally:
        again.close()


def test_an_areas_stream_does_not_get_a_sibling_areas_events(server: LiveServer) -> None:
    grid1, grid2 = server.area_id("640110001001001"), server.area_id("640110001001002")
    one = stream(server, "dispatcher", f"?area={grid1}")
    two = stream(server, "dispatcher", f"?area={grid2}")
    try:
        in_one = report(server, GRID1)
        in_two = report(server, GRID2)
        assert two.wait_for(lambda s: in_two["id"] in case_ids(s))
        assert one.wait_for(lambda s: in_one["id"] in case_ids(s))
        assert in_one["id"] not in case_ids(two)
        assert in_two["id"] not in case_ids(one)
    finally:
        one.close()
        two.close()


def test_refusals(server: LiveServer) -> None:
    county = server.area_id("640110")
    outside = stream(server, "street_dispatcher", f"?area={county}")  # above their street
    assert outside.status == 404 and b"not_found" in outside.body
    nobody = stream(server, "resident")  # no command.view anywhere
    assert nobody.status == 403
    anonymous = SSE(server.live_port, "/command/live/stream").open()
    assert anonymous.status == 401
    broken = stream(server, "dispatcher", "?area=abc")
    assert broken.status == 400 and b'"area"' in broken.body
    page = SSE(server.live_port, "/cases/").open()  # the live port serves only the stream
    assert page.status == 404


def test_sensitive_disputes_reach_only_viewers_allowed_to_see_them(server: LiveServer) -> None:
    grid1 = server.area_id("640110001001001")
    dispatcher = stream(server, "dispatcher")  # holds mediation.sensitive
    leader = stream(server, "leader")  # does not
    try:

        def register(sensitive: bool) -> Any:
            body = {
                "area_id": grid1,
                "type": "family",
                "title": "家庭矛盾",
                "source": "walk_in",
                "sensitive": sensitive,
            }
            answer = server.request(
                "POST", "/api/v1/mediation/disputes", body, token=server.token("dispatcher")
            )
            assert answer.status == 201, answer
            return answer.body

        hidden, shown = register(True), register(False)
        marker = report(server, GRID1)  # after both: once the leader has it, all were sent

        def disputes(s: SSE) -> set[int]:
            return {e["item_id"] for e in s.events() if e["item_kind"] == "dispute"}

        assert dispatcher.wait_for(lambda s: {hidden["id"], shown["id"]} <= disputes(s))
        assert leader.wait_for(lambda s: marker["id"] in case_ids(s))
        assert shown["id"] in disputes(leader)
        assert hidden["id"] not in disputes(leader)
        assert hidden["number"] not in str(leader.events())
    finally:
        dispatcher.close()
        leader.close()


def _flood(server: LiveServer, case_id: int, rows: int) -> None:
    """Many timeline rows at once, written straight into the database (a burst no API client
    of this test could make fast enough); the stream reads them like any other."""
    empty = "CAST('{}' AS jsonb)" if server.database_url else "'{}'"
    sql = (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
        "INSERT INTO cases_caseevent (at, action, actor_name, from_status, to_status, note, "
        f"data, case_id) SELECT CURRENT_TIMESTAMP, 'comment', 'system', '', '', '', {empty}, "
        f"{case_id} FROM n"
    )
    if server.database_url:
        import psycopg

        with psycopg.connect(server.database_url, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[call-overload]
        return
    import sqlite3

    conn = sqlite3.connect(server.data_dir / "gridgov.sqlite3", timeout=30)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def test_a_client_that_never_reads_is_dropped_and_others_still_get_events(
    server: LiveServer,
) -> None:
    token = server.token("dispatcher")
    reader = stream(server, "dispatcher")
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    silent.connect(("127.0.0.1", server.live_port))
    silent.sendall(
        f"GET /command/live/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    try:
        case = report(server, GRID1)
        assert reader.wait_for(lambda s: case["id"] in case_ids(s))
        # Far more than the silent client's socket buffers and its 300 queued events, in
        # bursts a reading client takes in its stride.
        for _ in range(15):
            _flood(server, case["id"], 100)
            time.sleep(1.0)
        assert reader.wait_for(lambda s: len(s.events()) > 1500, limit=60)
        assert not reader.ended.is_set()
        # The server closed the silent connection: reading it now reaches its end.
        silent.settimeout(60)
        while silent.recv(65536):
            pass
        after = report(server, GRID2)
        assert reader.wait_for(lambda s: after["id"] in case_ids(s))
    finally:
        silent.close()
        reader.close()


def test_the_cap_answers_503_with_retry_after(server: LiveServer) -> None:
    no_streams_left(server)
    held = [stream(server, "dispatcher") for _ in range(6)]
    try:
        assert all(s.status == 200 for s in held)
        full = stream(server, "dispatcher")
        assert full.status == 503
        assert full.response_headers["retry-after"].isdigit()
        assert b"live_streams_full" in full.body
    finally:
        for s in held:
            s.close()
    no_streams_left(server)
    assert stream(server, "dispatcher").status == 200


def test_cors_for_the_pages_of_the_same_host(server: LiveServer) -> None:
    page = f"http://127.0.0.1:{server.port}"
    sse = stream(server, "dispatcher", Origin=page)
    try:
        assert sse.response_headers["access-control-allow-origin"] == page
        assert sse.response_headers["access-control-allow-credentials"] == "true"
    finally:
        sse.close()
    other = stream(server, "dispatcher", Origin="http://evil.example")
    try:
        assert "access-control-allow-origin" not in other.response_headers
    finally:
        other.close()
