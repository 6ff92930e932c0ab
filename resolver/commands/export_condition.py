"""``export --format aas``'s Part 5: the passport's dynamic data, which the node keeps as lifecycle
readings beside the passport (docs/health.md), written as the Product Condition submodel
(resolver/adapters/aas_condition.py) next to the parts converted from the stored view.

The readings are those the export's tier may see (``latest_values``: a data point of a higher
tier is left out, as ``GET /{id}/events`` leaves it out), the latest of each data point. Data
points the submodel has no element for (power fade, internal resistance, negative events, ...)
are not written; ``GET /{id}/events`` has them.
"""

from __future__ import annotations

import orjson

from resolver.adapters import aas_condition
from resolver.config import NodeConfig
from resolver.lifecycle.dynamic import latest_values
from resolver.lifecycle.eventstore import EventStore
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["with_condition"]


async def with_condition(body: bytes, key: str, events: EventStore, tier: Tier, config: NodeConfig) -> bytes:
    """The AAS environment ``body`` with the Product Condition submodel of the passport ``key``
    added (unchanged when the node holds no reading the submodel has an element for)."""
    environment = orjson.loads(body)
    [shell] = environment["assetAdministrationShells"]
    identifier = str(shell["assetInformation"]["globalAssetId"])
    profile = Profile.load(name=config.profile_of(identifier))
    shown = await latest_values(events, profile, key, tier)
    readings = [
        {"dataPoint": name, "time": value["time"], "value": value["value"], "unit": value.get("unit", "")}
        for name, value in shown.items()
        if isinstance(value, dict) and "value" in value
    ]
    submodel = aas_condition.write(readings, identifier)
    if submodel is None:
        return body
    environment["submodels"].append(submodel)
    shell["submodels"].append(
        {"type": "ModelReference", "keys": [{"type": "Submodel", "value": submodel["id"]}]}
    )
    return orjson.dumps(environment)
