"""Stage names the configuration may use in ``chain``, and how each is built from the context.

The chain runs in the order the configuration writes it; with no ``chain`` key, the default
order (local, cache, federation) is used with the stages that are registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from resolver.stages.base import Stage
from resolver.stages.cache import CacheStage
from resolver.stages.federation import FederationStage
from resolver.stages.local import LocalStage

if TYPE_CHECKING:
    from resolver.config import NodeConfig
    from resolver.context import NodeContext

__all__ = ["STAGES", "StageFactory", "build_stages", "chain_names"]

StageFactory = Callable[["NodeContext"], Stage]

# The federation part adds "cache" and "federation" here.
STAGES: dict[str, StageFactory] = {
    "local": LocalStage.from_context,
    "cache": CacheStage.from_context,
    "federation": FederationStage.from_context,
}


def chain_names(config: NodeConfig) -> tuple[str, ...]:
    """The stage names the node runs: the configured chain, minus unregistered default stages.

    A chain written in the configuration was checked by ``load_config`` (unknown names refused);
    the built-in default may name stages this installation does not have.
    """
    return tuple(name for name in config.chain if name in STAGES)


def build_stages(ctx: NodeContext) -> list[Stage]:
    """The configured stages, built from the context, first asked first."""
    return [STAGES[name](ctx) for name in chain_names(ctx.config)]
