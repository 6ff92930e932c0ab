"""The benchmark harness itself: the baseline server answers the bytes it holds, and
``python -m bench WORKLOAD --json`` prints one object with the keys the report relies on."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from bench.baseline import save_responses
from bench.harness import REPO, Request, fetch_all, start_baseline
from bench.result import REQUIRED_KEYS


def _get(url: str, accept: str) -> tuple[int, bytes, str]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def test_baseline_answers_each_url_and_accept_with_its_own_bytes_and_404_otherwise(tmp_path: Path) -> None:
    responses = {
        ("/88.100.9/BAT-1", "application/ld+json"): (b'{"@id": "one"}', "application/ld+json"),
        ("/88.100.9/BAT-1", "text/turtle"): (b"<one> a <Battery> .\n", "text/turtle; charset=utf-8"),
        ("/api/handles/88.100.9/BAT-2", "application/json"): (b'{"responseCode": 1}', "application/json"),
    }
    data = tmp_path / "responses.pickle"
    save_responses(data, responses)
    with start_baseline(data, cpu=None) as server:
        for (path, accept), (body, content_type) in responses.items():
            assert _get(server.base_url + path, accept) == (200, body, content_type)
        assert _get(server.base_url + "/88.100.9/BAT-404", "application/ld+json")[0] == 404
        got = fetch_all(server.base_url, [Request(path, accept) for path, accept in responses])
    assert got == responses


def test_bench_json_output_is_one_object_with_the_required_keys(tmp_path: Path) -> None:
    # No warm-up (2 s of wrk and servers): the output's shape is what is tested, not its figures.
    # Its result is stored under tmp_path: bench/out/results holds the real runs the report shows.
    args = ["noise", "--seconds", "1", "--connections", "8", "--warmup", "0", "--json"]
    args += ["--results", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    result = orjson.loads(proc.stdout)
    assert isinstance(result, dict)
    for key in REQUIRED_KEYS:
        assert key in result, key
    assert result["workload"] == "noise"
    assert orjson.loads((tmp_path / "noise.json").read_bytes())["value"] == result["value"]
    assert result["unit"] == "req/s"
    assert result["value"] > 0 and result["baseline"] > 0
    assert result["ratio"] == pytest.approx(result["details"]["rounds ratio"][0], abs=1e-3)
    assert isinstance(result["met"], bool)
    assert result["machine"]["cores"] >= 1
    assert any(cmd.startswith(("wrk", "taskset")) and " wrk " in f" {cmd} " for cmd in result["commands"])


def test_report_lists_each_result_with_its_target_and_whether_it_was_met() -> None:
    from bench.report import render_report
    from bench.result import make_result

    results = [
        make_result(
            "resolve",
            value=6000.0,
            unit="req/s",
            baseline=9000.0,
            ratio=0.667,
            target="ratio >= 0.7",
            met=False,
            commands=["wrk -t1 -c64"],
        ),
        make_result(
            "memory",
            value=4875.0,
            unit="bytes/passport (Redis)",
            baseline=11768.0,
            ratio=0.414,
            target="<= 8 KB per passport in Redis",
            met=True,
        ),
        make_result(
            "startup",
            value=None,
            unit="s",
            baseline=None,
            ratio=None,
            target="<= 2 s",
            met=None,
            notes=["not measured: the node did not start"],
        ),
    ]
    text = render_report(results, seconds=10, connections=64, argv=["python -m bench", "all"])
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `resolve` | 6,000 req/s | 9,000 | 0.667 |") and "**missed**" in rows[0]
    assert rows[1].startswith("| `memory` | 4,875 bytes/passport (Redis) |") and rows[1].endswith("| met |")
    assert rows[2].startswith("| `startup` | n/a s |") and rows[2].endswith("| not measured |")
    assert "- not measured: the node did not start" in text
    assert "wrk -t1 -c64" in text


def test_a_partial_run_says_its_figures_span_several_runs() -> None:
    from bench.report import render_report
    from bench.result import make_result

    old = make_result("memory", value=1.0, unit="B", baseline=None, ratio=None, target="t", met=True)
    new = make_result("resolve", value=2.0, unit="req/s", baseline=None, ratio=None, target="t", met=True)
    old["finished_at"], new["finished_at"] = "2026-12-01 22:14 UTC", "2026-12-01 23:39 UTC"
    argv = ["python -m bench", "all", "--only", "resolve"]
    text = render_report([old, new], seconds=10, connections=64, argv=argv)
    assert "Figures from runs finished 2026-12-01 22:14 UTC to 2026-12-01 23:39 UTC" in text
    assert "`python -m bench all --only resolve`" in text
    whole = render_report([old, new], seconds=10, connections=64, argv=["python -m bench", "all"])
    assert "Figures from runs" not in whole and "Run: " in whole
