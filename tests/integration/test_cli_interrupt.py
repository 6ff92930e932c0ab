"""``import`` stopped with Ctrl-C finishes what it has in hand, says so, and a re-run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support.node import REPO
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
    args = [sys.executable, "-m", "resolver", "import", str(folder), "--store", f"sqlite:///{db}", "--json"]
    args += ["--workers", "1"]
    # Its own process group, as a shell's foreground job: Ctrl-C reaches the validator workers too.
    process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while _stored(db) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()[-2000:]
    assert b"Traceback" not in err
    assert b"interrupted" in err
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["rejected"] == 0
    assert 0 < summary["created"] < N and summary["not_done"] == N - summary["created"]
    assert _stored(db) == summary["created"]  # every passport counted is stored, nothing more

    again = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    rerun = json.loads(again.stdout)
    assert (rerun["created"], rerun["unchanged"]) == (N - summary["created"], summary["created"])
    assert _stored(db) == N
