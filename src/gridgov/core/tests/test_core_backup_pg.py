"""PostgreSQL: ``gridgov backup`` (pg_dump) → wipe → ``gridgov restore`` (pg_restore) against a
throwaway server of the test's own, and point-in-time recovery as docs/operations.md describes it
(base backup + WAL archive, ``recovery_target_time``). They run whenever PostgreSQL is installed
(CI installs it), on the SQLite pass too."""

from __future__ import annotations

import contextlib
import json
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridgov.core import backup
from gridgov.core.tests.datafolder import ID_NUMBERS, gridgov, read, seed
from gridgov.core.tests.pgcluster import Cluster, pg_bin, remove

pytestmark = pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL is not installed")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Cluster.make_root()
    server = Cluster(root)
    try:
        server.initdb()
        yield server
    finally:
        for name in ("data", "restored"):
            with contextlib.suppress(AssertionError):
                Cluster(root, name).stop()
        remove(root)


def test_backup_wipe_restore_round_trip(cluster: Cluster, tmp_path: Path) -> None:
    cluster.start()
    cluster.sql("CREATE DATABASE gridgov_bk")
    url = cluster.url.rsplit("/", 1)[0] + "/gridgov_bk"
    data = tmp_path / "var"
    seed(data, DATABASE_URL=url)
    before = read(data, DATABASE_URL=url)
    assert before["counts"]["rosters.Resident"] == 3
    out = tmp_path / "backups"
    gridgov(data, "backup", str(out), DATABASE_URL=url)
    (archive,) = backup.archives(out)
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert "database.dump" in tar.getnames()
    assert manifest["database_vendor"] == "postgresql"
    assert manifest["counts"] == before["counts"]

    # Another data folder's key: refused before the database is touched.
    other = tmp_path / "other"
    other.mkdir()
    (other / "field_key").write_text("x" * 43 + "=\n")
    result = gridgov(other, "restore", str(archive), "--yes", check=False, DATABASE_URL=url)
    assert result.returncode != 0 and "--with-secrets" in result.stderr
    assert read(data, DATABASE_URL=url)["counts"] == before["counts"]

    # Wipe: the database dropped and created empty.
    cluster.sql("DROP DATABASE gridgov_bk WITH (FORCE)")
    cluster.sql("CREATE DATABASE gridgov_bk")
    gridgov(data, "restore", str(archive), "--yes", DATABASE_URL=url)
    after = read(data, DATABASE_URL=url)
    assert after["counts"] == before["counts"]
    assert after["id_number"] == ID_NUMBERS[0]
    assert after["found"] == 1


def test_point_in_time_recovery_from_base_backup_and_wal_archive(cluster: Cluster) -> None:
    archive = cluster.root / "wal-archive"
    cluster.run("mkdir", "-m", "0700", archive)
    cluster.configure(
        wal_level="replica",
        archive_mode="on",
        archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
        max_wal_senders="4",
    )
    cluster.start()
    cluster.sql("CREATE TABLE pitr (i int)")
    base = cluster.root / "base"
    cluster.run(
        cluster.tool("pg_basebackup"),
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        "postgres",
        "-D",
        base,
        "-X",
        "stream",
        "--no-sync",
    )
    cluster.sql("INSERT INTO pitr SELECT generate_series(1, 10)")
    target = cluster.sql("SELECT clock_timestamp()::text")[0][0]
    time.sleep(0.05)  # the next commit's time lies clearly after the target
    cluster.sql("INSERT INTO pitr SELECT generate_series(11, 15)")
    assert cluster.sql("SELECT count(*) FROM pitr")[0][0] == 15
    wal = cluster.sql("SELECT pg_walfile_name(pg_switch_wal())")[0][0]
    cluster.wait_for(
        f"SELECT coalesce(last_archived_wal, '') >= '{wal}' FROM pg_stat_archiver", True
    )
    cluster.stop()

    restored = Cluster(cluster.root, "restored")
    cluster.run("cp", "-a", base, restored.data)
    cluster.run(
        "sh",
        "-c",
        f"cat >> {restored.data}/postgresql.auto.conf <<'EOF'\n"
        f"archive_mode = 'off'\n"
        f"restore_command = 'cp {archive}/%f %p'\n"
        f"recovery_target_time = '{target}'\n"
        f"recovery_target_action = 'promote'\n"
        f"EOF\n"
        f"touch {restored.data}/recovery.signal",
    )
    restored.start()
    restored.wait_for("SELECT pg_is_in_recovery()", False)
    assert restored.sql("SELECT count(*) FROM pitr")[0][0] == 10
    restored.stop()
