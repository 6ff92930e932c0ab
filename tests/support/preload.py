"""What the node zygote (tests/support/node_zygote.py) loads once, before it forks.

A forked ``passport-node`` command starts with what its zygote had: the modules its commands
import on their way (``serve``: the app; ``resolve``/``export``: the node and its stores;
``import``: the importer and its formats), the profile's vocabulary as the page reads it
(``hidden_points``: ~0.3 CPU-s of Turtle parsing that each node did again in a thread as it
started) and the peer client's TLS context with the system's CAs (~0.04 CPU-s; kept per set
of files by resolver/federation/tls.py, as for the nodes of one process). Only what a command
would load anyway, and nothing that changes a process as it loads: pyshacl (which patches
rdflib when imported) stays in the validator workers, as in a real node. Then the zygote's
heap is frozen, so the collection ``serve`` runs as it starts does not walk it again in
every child.
"""

from __future__ import annotations

import gc
import importlib
import sys

__all__ = ["preload"]

MODULES = (
    "uvloop",
    "aiohttp",
    "encodings.idna",
    "resolver.cli",
    "resolver.app",
    "resolver.node",
    "resolver.lookup",
    "resolver.render",
    "resolver.html",
    "resolver.http.auth",
    "resolver.stores.sqlite",
    "resolver.stores.redis",
    "resolver.adapters.formats",
    "resolver.adapters.envelope",
    "resolver.linked.imports",
    "resolver.commands.serve",
    "resolver.commands.processes",
    "resolver.commands.resolve",
    "resolver.commands.export",
    "resolver.commands.export_condition",
    "resolver.commands.importer",
    "resolver.commands.import_readings",
    "resolver.commands.import_proofs",
    "resolver.commands.import_aspects",
    "resolver.commands.import_footprints",
)


def preload() -> None:
    """Import ``MODULES``, build every command's parser, read the page's profile data, freeze."""
    for name in MODULES:
        importlib.import_module(name)
    from resolver.cli import _parser
    from resolver.config import NodeConfig
    from resolver.federation.tls import client_context
    from resolver.page.hidden import hidden_points
    from resolver.tiers import Tier

    _parser(every=True)
    for tier in Tier:
        hidden_points(tier)
    client_context(NodeConfig().federation.tls)  # the system's CAs, memoised per set of files
    if "pyshacl" in sys.modules:
        raise RuntimeError("a preloaded module imported pyshacl, which patches rdflib as it loads")
    gc.collect()
    gc.freeze()
