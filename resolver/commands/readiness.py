"""``passport-node readiness FILE|ID --market eu|cn|gba [--on DATE]``: per data point of the
market, whether the passport is ready on that date (resolver/readiness/).

FILE is a passport file in any format ``import --format auto`` reads (UTF-16 too); ID a
handle, a GS1 Digital Link or a GB/T 34014 code of a passport in the configured store (read at
the highest tier: the report is the operator's). The passport is judged by its profile, chosen
as ``validate`` chooses it: ``--profile``, else the one the configuration gives its prefix (an
ID always has one; a FILE with ``--config``), else the one whose context it names, else
eu-battery. A cn-battery passport's EU and GBA lines are read through the cn -> eu mapping
(docs/cn-profile.md).
Exit 0 when ready, 1 when a line is missing or failing, 2 when the input cannot be used.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from resolver.commands import Subparsers
from resolver.commands.serve import config_from_args
from resolver.commands.validate import add_profile_arguments, profile_for
from resolver.config import ConfigError, NodeConfig
from resolver.errors import InvalidIdentifier, NotFound, ResolverError
from resolver.jsontypes import JSON
from resolver.readiness.report import Readiness

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "readiness",
        help="per data point, is a passport ready for a market on a date",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("passport", metavar="FILE|ID", help="a passport file, or the id of a stored one")
    parser.add_argument("--market", choices=("eu", "cn", "gba"), default="eu", help="target market (eu)")
    parser.add_argument("--on", metavar="DATE", help="the date (YYYY-MM-DD or YYYY-MM; default today)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--html", action="store_true", help="print the report as an HTML page")
    parser.add_argument("--model", type=Path, metavar="FILE", help="its model passport (docs/linked.md)")
    parser.add_argument("--batch", type=Path, metavar="FILE", help="its batch passport (docs/linked.md)")
    parser.add_argument("--config", type=Path, help="the node's configuration (its store), for an ID")
    parser.add_argument("--store", help="store URL, overriding the configuration")
    add_profile_arguments(parser, config=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from resolver.readiness.report import parse_date

    try:
        on = parse_date(args.on, datetime.datetime.now(datetime.UTC).date())
        body, config = _body(args)
        given = {
            role: _jsonld(path.read_bytes())
            for role, path in (("model", args.model), ("batch", args.batch))
            if path is not None
        }
        # A file in any format import reads, UTF-16 included (a stored passport is JSON-LD).
        item = _jsonld(body) if given or Path(args.passport).is_file() else body
        profile = profile_for(_parsed(item), named=args.profile, config=config)
        readiness = _assess(item, args.market, on, given, profile)
    except (ConfigError, ValueError, OSError) as err:
        print(f"passport-node readiness: {err}", file=sys.stderr)
        return 2
    except ResolverError as err:
        print(f"passport-node readiness: {err.detail}", file=sys.stderr)
        return 2
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps(readiness.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif args.html:
        sys.stdout.write(readiness.to_html())
    else:
        sys.stdout.write(readiness.to_table())
    return 0 if readiness.ready else 1


def _jsonld(body: bytes) -> bytes:
    """A passport in any format ``import`` reads, as JSON-LD (the linked passports' files)."""
    from resolver.adapters.formats import convert

    return convert("auto", body).body


def _parsed(body: bytes) -> JSON:
    from typing import cast

    from resolver import jsonld

    return cast(JSON, jsonld.parse_json(body))


def _assess(body: bytes, market: str, on: datetime.date, given: dict[str, bytes], profile: str) -> Readiness:
    from resolver import jsonld
    from resolver.linked.offline import judge
    from resolver.readiness.assess import assess
    from resolver.validation import validate_sync

    # A linked passport is assessed combined with its model and batch (docs/linked.md).
    judged = judge(body, given, profile)
    if judged is not None:
        combined = jsonld.expand(jsonld.parse_json(judged.combined))
        return assess(market, combined, judged.report, on, profile=profile)
    expanded = jsonld.expand(jsonld.parse_json(body))
    return assess(market, expanded, validate_sync(body, profile=profile), on, profile=profile)


def _body(args: argparse.Namespace) -> tuple[bytes, NodeConfig | None]:
    """The passport's bytes, and the configuration that chooses its profile (None: a file, and
    no --config given)."""
    path = Path(args.passport)
    if path.is_file():
        return path.read_bytes(), config_from_args(args) if args.config else None
    config = config_from_args(args)
    import uvloop

    return uvloop.run(_stored(config, args.passport)), config


async def _stored(config: NodeConfig, text: str) -> bytes:
    from resolver.cn.gbt34014 import handle_for, looks_like_code
    from resolver.identifiers import parse_identifier
    from resolver.stores import open_store

    if looks_like_code(text):
        candidates = [handle_for(text, p) for p in config.prefixes if "/" not in p]
    else:
        candidates = [text]
    store = await open_store(config.store)
    try:
        for candidate in candidates:
            try:
                key = parse_identifier(candidate, case_sensitive=config.case_sensitive).key
            except InvalidIdentifier:
                if len(candidates) == 1:
                    raise ValueError(f"{text}: neither a file nor an identifier") from None
                continue
            record = await store.get(key)
            if record is not None and not record.deleted and record.views:
                return record.views[max(record.views)]
    finally:
        await store.aclose()
    raise NotFound(f"no passport is stored for {text}")
