"""``passport-node resolve ID``: one passport, from a running node (``--node``) or the local store.

Without ``--node`` the lookup runs the configured chain in this process (the local store, and
the federation if configured), exactly as the node would, and prints the chosen format.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from resolver.commands import Subparsers
from resolver.config import ConfigError, NodeConfig, default_config, load_config
from resolver.errors import ResolverError

__all__ = ["add_parser", "run"]

_FORMATS = {
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "html": "text/html",
}


class _Refused(Exception):
    """The node answered with an error (its problem document's detail is kept)."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "resolve",
        help="print one passport",
        description="Resolve an identifier (handle, hdl: URI, node URL or GS1 Digital Link) to its passport.",
    )
    parser.add_argument("identifier", metavar="ID")
    parser.add_argument("--node", help="base URL of a node to ask (default: this machine's store)")
    parser.add_argument("--format", choices=sorted(_FORMATS), default="jsonld")
    parser.add_argument("--token", help="bearer token: the tier its role may see")
    parser.add_argument("--config", type=Path, help="the node's configuration (without --node)")
    parser.add_argument("--store", help="store URL, overriding the configuration (without --node)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvloop

    try:
        if args.node:
            body = uvloop.run(_from_node(args))
        else:
            config = load_config(args.config) if args.config else default_config()
            if args.store:
                config = (
                    default_config(store=args.store) if not args.config else _with_store(config, args.store)
                )
            _check_store(
                config.store, said=bool(args.config or args.store), peers=bool(config.federation.nodes)
            )
            body = uvloop.run(_locally(args, config))
    except ConfigError as err:
        print(f"passport-node resolve: {err}", file=sys.stderr)
        return 2
    except ResolverError as err:
        print(f"passport-node resolve: {err.status} {err.title}: {err.detail}", file=sys.stderr)
        return 1
    except _Refused as err:
        print(f"passport-node resolve: {err.status} {err.reason}: {err.detail}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(body if body.endswith(b"\n") else body + b"\n")
    sys.stdout.flush()
    return 0


def _check_store(url: str, *, said: bool, peers: bool) -> None:
    """Refuse to read a SQLite store that is not there (opening it would create it empty),
    unless the configuration names peers: a node that only asks its federation may have no
    passports of its own yet, and its store is then created as the configuration says.

    Without --config, --store and --node, say on stderr which store is read: the default is
    relative to the current directory.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = Path(parts.path[1:]) if parts.scheme == "sqlite" else None
    where = f"{url} ({path.resolve()})" if path is not None else url
    if path is not None and not path.exists() and not peers:
        hint = "" if said else " (the default, relative to this directory)"
        raise ConfigError(
            f"no store at {where}{hint}; nothing was created. Pass --config with the node's "
            "configuration, --store URL, or --node URL"
        )
    if not said:
        print(f"passport-node resolve: reading the store {where}", file=sys.stderr)


def _with_store(config: NodeConfig, store: str) -> NodeConfig:
    import dataclasses

    return dataclasses.replace(config, store=store)


async def _from_node(args: argparse.Namespace) -> bytes:
    import aiohttp
    import orjson

    from resolver.errors import FederationError
    from resolver.http.passports import location_path
    from resolver.identifiers import parse_identifier

    key = parse_identifier(args.identifier).key
    headers = {"Accept": _FORMATS[args.format]}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    url = args.node.rstrip("/") + location_path(key)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.get(url, headers=headers) as response,
        ):
            body = await response.read()
            if response.status == 200:
                return body
            try:
                problem = orjson.loads(body)
                detail = problem.get("detail") or response.reason
            except orjson.JSONDecodeError:
                detail = response.reason or "error"
            raise _Refused(response.status, response.reason or "Error", str(detail))
    except aiohttp.ClientError as err:
        raise FederationError(f"cannot reach {args.node}: {err}") from err


async def _locally(args: argparse.Namespace, config: NodeConfig) -> bytes:
    from resolver.html import render_html
    from resolver.http.auth import Authenticator
    from resolver.identifiers import parse_identifier
    from resolver.lookup import Lookup
    from resolver.node import ValidatorStart, open_node
    from resolver.render import render

    ident = parse_identifier(args.identifier, case_sensitive=config.case_sensitive)
    principal = Authenticator(config.credentials).principal(f"Bearer {args.token}" if args.token else None)
    # Peers' answers are checked against the shapes before they are shown: start the workers
    # only when there are peers to ask.
    start = ValidatorStart.WAIT if config.federation.nodes else ValidatorStart.NEVER
    async with open_node(config, validator_start=start, lifecycle=None) as node:
        lookup = Lookup(handle=ident.key, tier=principal.tier, deadline=time.monotonic() + config.deadline)
        answer = await node.chain(lookup)
    view = answer.view
    if view is None or view.deleted:
        from resolver.errors import Gone, NotFound

        raise (Gone if view is not None else NotFound)(f"no current passport for {ident.key}")
    tier = answer.tier if answer.tier is not None else principal.tier
    if args.format == "jsonld":
        return view.body
    if args.format == "html":
        return render_html(view.body, handle=ident.key, tier_label=tier.label, version=view.version)
    return render(view.body, args.format)
