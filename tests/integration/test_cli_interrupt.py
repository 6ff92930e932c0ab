"""``import`` stopped with Ctrl-C finishes what it has in hand, says so, and a re-run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

from tests.support.node import REPO
from tests.support.node_zygote import ForkedCommand
from tools.examples import main as generate_examples

N = 150


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM current").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_ctrl_c_during_import_prints_the_summary_so_far_exits_130_and_a_rerun_completes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "many"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert generate_examples([str(N), "--seed", "7", "--prefix", "88.100.1", "--out", str(folder)]) == 0
    db = tmp_path / "p.sqlite3"
    args = ["import", str(folder), "--store", f"sqlite:///{db}", "--json", "--workers", "1"]
    # Its own process group, as a shell's foreground job: Ctrl-C reaches the validator workers too.
    # Forked from the preloaded zygote (tests/support/node_zygote.py): ~1 CPU-s of imports less
    # for each of the two runs, and a process of its own all the same.
    process = ForkedCommand(args, cwd=tmp_path, env=env)
    deadline = time.monotonic() + 120
    while _stored(db) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.killpg(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()[-2000:]
    assert b"Traceback" not in err
    assert b"interrupted" in err
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["rejected"] == 0
    assert 0 < summary["created"] < N and summary["not_done"] == N - summary["created"]
    assert _stored(db) == summary["created"]  # every passport counted is stored, nothing more

    again = ForkedCommand(args, cwd=tmp_path, env=env)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()[-2000:]
    rerun = json.loads(out)
    assert (rerun["created"], rerun["unchanged"]) == (N - summary["created"], summary["created"])
    assert _stored(db) == N
