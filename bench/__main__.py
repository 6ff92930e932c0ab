"""``python -m bench WORKLOAD --seconds S --json``: run one workload (or ``all``) and print results.

``all`` runs every workload in turn, keeps each result under bench/out/results/ and writes
docs/benchmarks.md; a workload that cannot run is reported as such, the others still run.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import orjson

from bench import federation_faults as _federation_faults  # noqa: F401  (registers federation-faults)
from bench import gs1 as _gs1  # noqa: F401  (registers the GS1 workloads)
from bench import scale as _scale  # noqa: F401  (registers the scale-out workloads)
from bench.harness import OUT, REPO, BenchError
from bench.result import make_result
from bench.workloads import WORKLOADS, Options

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("workload", choices=[*WORKLOADS, "all", "list", "report"], help="what to measure")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each timed run (default 10)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="s of wrk at each server before timing (default 1; 0: none)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (with all: one per workload, one per line)"
    )
    parser.add_argument("--profile", action="store_true", help="record the node with py-spy while loaded")
    parser.add_argument(
        "--ingest-passports", type=int, default=10_000, help="ingest: how many (default 10000)"
    )
    parser.add_argument(
        "--sparql-passports", type=int, default=10_000, help="sparql: how many (default 10000)"
    )
    parser.add_argument("--sparql-rdflib", type=int, default=10_000, help="sparql: rdflib reference size")
    parser.add_argument(
        "--sparql-dir",
        help="sparql: a folder holding passports.sqlite3 and index/ (built by `passport-node index "
        "rebuild`): measure over it instead of loading and rebuilding (for 100,000 passports)",
    )
    parser.add_argument("--only", default="", help="with 'all': comma-separated workloads to run")
    parser.add_argument(
        "--report",
        type=Path,
        default=REPO / "docs" / "benchmarks.md",
        help="with 'all': where to write the report",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=OUT / "results",
        help="where each workload's result is stored and read back for the report "
        "(default bench/out/results; a test gives its own, so it never overwrites a real result)",
    )
    return parser


def run_one(name: str, options: Options, results: Path) -> dict[str, Any]:
    """Run a workload; a workload that fails gives a result with met=None and the reason."""
    started = time.monotonic()
    try:
        result = WORKLOADS[name].run(options)
    except (BenchError, ModuleNotFoundError, ImportError, OSError, ValueError, RuntimeError) as err:
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        result = make_result(
            name,
            value=None,
            unit=WORKLOADS[name].unit,
            baseline=None,
            ratio=None,
            target=WORKLOADS[name].target,
            met=None,
            notes=[f"not measured: {detail}"],
        )
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    result["finished_at"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return result


def _human(result: dict[str, Any]) -> str:
    met = {True: "met", False: "MISSED", None: "not judged"}[result["met"]]
    line = (
        f"{result['workload']}: {result['value']} {result['unit']}  baseline {result['baseline']}  "
        f"ratio {result['ratio']}  target {result['target']}: {met}"
    )
    return "\n".join([line, *(f"  note: {n}" for n in result.get("notes", []))])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.workload == "list":
        for name, spec in WORKLOADS.items():
            print(f"{name:16} {spec.target}")
        return 0
    if args.workload == "report":
        # Rewrite the report from the stored results (after editing bench/notes.md, say).
        from bench.report import write_report

        stored = [
            orjson.loads((args.results / f"{name}.json").read_bytes())
            for name in WORKLOADS
            if (args.results / f"{name}.json").exists()
        ]
        write_report(args.report, stored, options=Options(seconds=args.seconds), argv=sys.argv)
        print(f"wrote {args.report} from {len(stored)} stored result(s)", file=sys.stderr)
        return 0
    options = Options(
        seconds=args.seconds,
        connections=args.connections,
        warmup=args.warmup,
        profile=args.profile,
        ingest_passports=args.ingest_passports,
        sparql_passports=args.sparql_passports,
        sparql_dir=args.sparql_dir,
        sparql_rdflib=args.sparql_rdflib,
    )
    if args.workload != "all":
        result = run_one(args.workload, options, args.results)
        print(orjson.dumps(result).decode() if args.json else _human(result), flush=True)
        return 0 if result["value"] is not None else 1

    from bench.report import write_report

    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    results = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        result = run_one(name, options, args.results)
        results.append(result)
        print(orjson.dumps(result).decode() if args.json else _human(result), flush=True)
    if args.only:
        # A partial run: the other workloads keep their latest stored results (each says when).
        fresh = {r["workload"] for r in results}
        merged: list[dict[str, Any]] = []
        for name in WORKLOADS:
            if name in fresh:
                merged.extend(r for r in results if r["workload"] == name)
            elif (args.results / f"{name}.json").exists():
                merged.append(orjson.loads((args.results / f"{name}.json").read_bytes()))
        results = merged
    write_report(args.report, results, options=options, argv=sys.argv)
    print(f"wrote {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
