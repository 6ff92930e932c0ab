"""What a store promises about an acknowledged write, and the check that Redis keeps the promise.

``strict``: a write is acknowledged only once it survives ``kill -9`` of the store's process
(Redis: ``appendonly yes`` + ``appendfsync always``). ``relaxed``: up to 1 s of acknowledged
writes may be lost (Redis: ``appendfsync everysec``). Checked once, when the store opens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Literal, Protocol

from redis.exceptions import ResponseError

from resolver.errors import StoreUnavailable

__all__ = ["DURABILITY_LEVELS", "Durability", "RedisSettings", "check_redis_durability", "parse_durability"]

Durability = Literal["strict", "relaxed"]
DURABILITY_LEVELS: tuple[Durability, ...] = ("strict", "relaxed")

# appendfsync values each level accepts.
_FSYNC_OK: dict[Durability, frozenset[str]] = {
    "strict": frozenset({"always"}),
    "relaxed": frozenset({"always", "everysec"}),
}

_FIX = (
    "start redis-server with --appendonly yes --appendfsync always "
    "(or set durability=relaxed in the store URL to accept appendfsync everysec: "
    "up to 1 s of acknowledged writes may be lost)"
)


class RedisSettings(Protocol):
    """The two commands the check sends: a Redis client, or one node of a Cluster's."""

    def config_get(self, pattern: str) -> Awaitable[object]: ...

    def info(self, section: str) -> Awaitable[object]: ...


def parse_durability(value: str) -> Durability:
    if value == "strict":
        return "strict"
    if value == "relaxed":
        return "relaxed"
    raise ValueError(f"durability= is 'strict' or 'relaxed', not {value!r}")


async def check_redis_durability(client: RedisSettings, durability: Durability, *, where: str) -> None:
    """Raise StoreUnavailable unless the Redis behind ``client`` keeps ``durability``'s promise.

    ``CONFIG GET`` gives both settings; where CONFIG is renamed or not allowed, ``INFO
    persistence`` still tells whether the append-only file is on, but not its fsync policy,
    so only ``relaxed`` can be confirmed that way.
    """
    try:
        found = await client.config_get("append*")
    except ResponseError:
        found = None
    if isinstance(found, Mapping):  # a dict of the settings asked for
        settings = found
        appendonly = _text(settings.get(b"appendonly", settings.get("appendonly", "")))
        fsync = _text(settings.get(b"appendfsync", settings.get("appendfsync", "")))
        if appendonly != "yes":
            raise StoreUnavailable(
                f"Redis at {where} has appendonly {appendonly or 'unset'}: acknowledged writes "
                f"would be lost if it were killed; {_FIX}"
            )
        if fsync not in _FSYNC_OK[durability]:
            raise StoreUnavailable(
                f"Redis at {where} has appendfsync {fsync or 'unset'}, which does not give "
                f"durability={durability}; {_FIX}"
            )
        return
    info = await client.info("persistence")
    if not isinstance(info, Mapping) or str(info.get("aof_enabled", "0")) != "1":
        raise StoreUnavailable(
            f"Redis at {where} reports aof_enabled:0 (INFO persistence): acknowledged writes "
            f"would be lost if it were killed; {_FIX}"
        )
    if durability == "strict":
        raise StoreUnavailable(
            f"Redis at {where} refuses CONFIG GET, and INFO does not report appendfsync, so "
            "durability=strict cannot be confirmed: allow the node's Redis user CONFIG GET "
            "(ACL +config|get), or set durability=relaxed if appendfsync is at least everysec"
        )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
