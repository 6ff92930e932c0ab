"""Graph names and index layout: which named graph holds which tier view of which passport.

Every tier has its own pyoxigraph store, holding only what that tier may see; in it, a
passport's current view is the named graph ``<{passport IRI}#{tier label}>``, e.g.
``<https://hdl.handle.net/88.100.1/BAT-EV-000001#public>``; its past versions (the history
store of the tier) are ``<{passport IRI}#{tier label}-v{version}>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from resolver.tiers import Tier

if TYPE_CHECKING:  # only the annotation: the index process has no use for the node's config
    from resolver.config import NodeConfig

__all__ = ["configured_index_dir", "default_index_dir", "history_graph_name", "view_graph_name"]


def view_graph_name(passport_iri: str, tier: Tier) -> str:
    """The named graph holding the current ``tier`` view of a passport."""
    return f"{passport_iri}#{tier.label}"


def history_graph_name(passport_iri: str, tier: Tier, version: int) -> str:
    """The named graph holding the ``tier`` view of one version of a passport."""
    return f"{passport_iri}#{tier.label}-v{version}"


def default_index_dir(store_url: str, node_id: str = "local", data_dir: str = "./var") -> Path:
    """Where the index lives when not configured: beside an SQLite file, or for a shared store
    ``{data_dir}/sparql-index-{node_id}`` (an index directory has one writer process)."""
    parts = urlsplit(store_url)
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        return Path(path + ".sparql-index")
    return Path(data_dir) / f"sparql-index-{node_id}"


def configured_index_dir(config: NodeConfig) -> Path:
    """The index directory of a node: ``[sparql] index_dir``, else the default for its store."""
    if config.sparql.index_dir:
        return Path(config.sparql.index_dir)
    return default_index_dir(config.store, config.node_id, config.data_dir)
