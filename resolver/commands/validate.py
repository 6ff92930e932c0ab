"""``passport-node validate FILE...``: check passports against their profile.

Each file is judged by ``--profile`` if given; else, with ``--config``, by the profile the node
configuration gives the prefix of the passport's identifier (as a write to that node would be);
else by the profile whose context the file names (eu-battery or cn-battery); else by eu-battery.
Prints a readable report per file (``--json`` for machines), naming the profile. Exit 0 when
every file is valid, 1 when one is invalid, 2 when one cannot be used at all (bad JSON, refused
context, too big).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

import orjson

from resolver import jsonld
from resolver.commands import Subparsers
from resolver.config import ConfigError, NodeConfig
from resolver.errors import InputError, InvalidIdentifier, PayloadTooLarge, ResolverError
from resolver.jsontypes import JSON, JSONObject
from resolver.profile import PROFILES, named_by
from resolver.validation import ValidationReport

__all__ = ["add_parser", "profile_for", "run"]

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate passports against their profile (eu-battery, cn-battery)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="JSON-LD passport files")
    parser.add_argument("--json", action="store_true", help="print one JSON document for all files")
    parser.add_argument(
        "--format",
        choices=("auto", "jsonld", "openepcis", "catenax", "untp", "batterypass", "aas"),
        default="auto",
        help="input format (as for import --format; UTF-16 is read), or detect it (default)",
    )
    parser.add_argument(
        "--model", type=Path, metavar="FILE", help="the model passport the files link to (docs/linked.md)"
    )
    parser.add_argument("--batch", type=Path, metavar="FILE", help="the batch passport the files link to")
    add_profile_arguments(parser)
    parser.set_defaults(run=run)


def add_profile_arguments(parser: argparse.ArgumentParser, *, config: bool = True) -> None:
    """``--profile`` and ``--config``: how a passport file's profile is chosen (``profile_for``)."""
    parser.add_argument("--profile", choices=PROFILES, help="judge by this profile (default: see above)")
    if config:
        parser.add_argument("--config", type=Path, help="node configuration: its profile for the prefix")


def profile_for(doc: JSON, *, named: str | None, config: NodeConfig | None) -> str:
    """The profile a passport file is judged by: ``named`` (--profile); else the one ``config``
    gives the prefix its identifier falls under; else the one whose context it names; else the
    default (eu-battery)."""
    if named:
        return named
    node = doc[0] if isinstance(doc, list) and doc else doc
    iri = node.get("@id", node.get("id")) if isinstance(node, dict) else None
    if config is not None and isinstance(iri, str):
        from resolver.identifiers import claims, parse_identifier

        try:
            key = parse_identifier(iri, case_sensitive=config.case_sensitive).key
        except InvalidIdentifier:
            key = ""
        prefix = next((p for p in config.prefixes if key and claims(p, key)), None)
        if prefix is not None:
            return config.profile_for(prefix)
    return named_by(doc) or PROFILES[0]


def _config(args: argparse.Namespace) -> NodeConfig | None:
    if args.config is None:
        return None
    from resolver.config import load_config

    return load_config(args.config)


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except (ConfigError, OSError) as err:
        print(f"passport-node validate: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        given = {
            role: _as_jsonld(_read(path), args.format)[0]
            for role, path in (("model", args.model), ("batch", args.batch))
            if path is not None
        }
    except ResolverError as err:
        print(f"passport-node validate: {err.detail}", file=sys.stderr)
        return EXIT_UNUSABLE
    outcomes = [_check(path, args.format, given, args.profile, config) for path in args.files]
    try:
        if args.json:
            sys.stdout.buffer.write(orjson.dumps(outcomes, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            for outcome in outcomes:
                _print(outcome, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head): not an error of the passports
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    codes = [_EXIT[outcome["status"]] for outcome in outcomes]
    return max(codes)


_EXIT = {"valid": EXIT_VALID, "invalid": EXIT_INVALID, "unusable": EXIT_UNUSABLE}


def _as_jsonld(body: bytes, fmt: str) -> tuple[bytes, str, tuple[str, ...], tuple[JSONObject, ...]]:
    """The file as JSON-LD, the format it was read as, what was not mapped, and the readings of
    dynamic data it carried (an operational file's: import stores them as lifecycle events)."""
    if fmt == "jsonld":
        return body, fmt, (), ()
    from resolver.adapters.formats import convert, detect, to_utf8

    body = to_utf8(body)
    source = detect(jsonld.parse_json(body)) if fmt == "auto" else fmt
    converted = convert(source, body)
    return converted.body, source, converted.unmapped, converted.readings


def _check(
    path: Path, fmt: str, given: dict[str, bytes], named: str | None, config: NodeConfig | None
) -> dict[str, Any]:
    outcome: dict[str, Any] = {"file": str(path)}
    try:
        body, source, unmapped, readings = _as_jsonld(_read(path), fmt)
        if unmapped:
            outcome["unmapped"] = list(unmapped)
        if readings:
            outcome["readings"] = list(readings)
        outcome["format"] = source
        doc = cast(JSON, jsonld.parse_json(body))
        profile = outcome["profile"] = profile_for(doc, named=named, config=config)
        from resolver.linked.offline import judge
        from resolver.validation import prepare_sync

        # Linked passports (docs/linked.md): judged with their model and batch.
        marked = any(m in body for m in (b"modelPassport", b"batchPassport", b"granularity"))
        judged = judge(body, given, profile) if given or marked else None
        verdict = judged.report if judged is not None else None
        prepared = prepare_sync(body, verdict=verdict, profile=profile)
    except ResolverError as err:
        outcome.update(status="unusable", problem=err.problem())
        return outcome
    outcome["iri"] = prepared.iri
    outcome["status"] = "valid" if prepared.report.conforms else "invalid"
    outcome["report"] = prepared.report.to_json()
    return outcome


def _read(path: Path) -> bytes:
    limit = jsonld.MAX_BODY_BYTES
    try:
        with path.open("rb") as handle:
            body = handle.read(limit + 1)  # never more than the limit, however big the file
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from err
    if len(body) > limit:
        size = path.stat().st_size
        raise PayloadTooLarge(f"the file is {size} bytes; the limit is {limit} bytes", limit=limit)
    return body


def _print(outcome: dict[str, Any], out: TextIO) -> None:
    name = outcome["file"]
    status = outcome["status"]
    if status == "unusable":
        problem = outcome["problem"]
        out.write(f"{name}: UNUSABLE ({problem['title']}): {problem['detail']}\n")
        return
    report = ValidationReport.from_json(outcome["report"])
    via = {
        "catenax": " (converted from Catena-X BatteryPass)",
        "openepcis": " (read from OpenEPCIS)",
        "untp": " (read from a UNTP credential)",
        "batterypass": " (read from a Battery Pass payload)",
        "aas": " (read from an AAS nameplate)",
    }.get(outcome.get("format", ""), "")
    if outcome.get("profile", PROFILES[0]) != PROFILES[0]:  # the default goes without saying
        via += f" (judged by {outcome['profile']})"
    if report.conforms:
        warned = f" with {len(report.results)} warning{'s' if len(report.results) != 1 else ''}"
        out.write(f"{name}: valid{warned if report.results else ''}{via}: {outcome['iri']}\n")
    else:
        count = len(report.results)
        out.write(f"{name}: INVALID{via}: {outcome['iri']}: {count} problem{'s' if count != 1 else ''}\n")
    for result in report.results:
        points = ", ".join(str(p) for p in result.data_points)
        plural = "s" if len(result.data_points) > 1 else ""
        where = f"data point{plural} {points}" if points else "no data point"
        out.write(f"  - {result.severity}, {where}: {result.message}\n")
        details = [f"node {result.focus_node}"]
        if result.path:
            details.append(f"property {result.path}")
        if result.value is not None and not result.value.startswith("_:"):  # a nested node: no name
            details.append(f"value {result.value!r}")
        out.write(f"      ({'; '.join(details)})\n")
    if outcome.get("unmapped"):
        out.write(f"  not mapped from the input: {', '.join(outcome['unmapped'])}\n")
    if outcome.get("readings"):
        shown = ", ".join(f"{r['dataPoint']} {r['value']:g}{' ' + r['unit'] if r['unit'] else ''}"
                          for r in outcome["readings"])  # fmt: skip
        out.write(f"  dynamic data, not passport data (import stores it as lifecycle events): {shown}\n")
