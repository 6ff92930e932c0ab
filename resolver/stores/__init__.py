"""Passport stores: SQLite (embedded default) and Redis (shared), behind one protocol.

``await open_store(url)`` opens either from a URL: ``sqlite:///var/passports.sqlite3``
(relative path; four slashes for an absolute one) or ``redis://host:port/db?namespace=bp``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

from resolver.stores.base import Change, Record, Store, View
from resolver.stores.durability import parse_durability

__all__ = ["Change", "Record", "Store", "View", "open_store"]


async def open_store(url: str) -> Store:
    """Open the store a URL names; raises ValueError for a URL it cannot use.

    SQLite options (query string): ``reads=inline|thread``. Redis options: ``namespace``
    (key prefix, default ``bp``), ``timeout`` (seconds, default 2), ``max_connections``,
    ``partitions`` (change-feed partitions, default 16, fixed once the store is made).
    ``redis+cluster://host:port`` names any node of a Redis Cluster.
    Both: ``durability=strict|relaxed`` (default strict; resolver/stores/durability.py).
    """
    parts = urlsplit(url)
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    durability = parse_durability(options.pop("durability", "strict"))
    if parts.scheme == "sqlite":
        from resolver.stores.sqlite import SQLiteStore

        if parts.netloc:
            raise ValueError(
                f"sqlite URL with a host: {url!r} (use sqlite:///relative or sqlite:////absolute)"
            )
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise ValueError(f"sqlite URL without a file path: {url!r}")
        reads = options.pop("reads", "inline")
        _no_more(options, url)
        if reads not in ("inline", "thread"):
            raise ValueError(f"reads= is 'inline' or 'thread', not {reads!r}")
        return await SQLiteStore.open(
            path, reads="inline" if reads == "inline" else "thread", durability=durability
        )
    if parts.scheme in ("redis", "rediss", "unix", "redis+cluster"):
        from resolver.stores.redis import DEFAULT_PARTITIONS, RedisStore

        namespace = options.pop("namespace", "bp")
        timeout = float(options.pop("timeout", "2"))
        max_connections = int(options.pop("max_connections", "64"))
        over = options.pop("compress_public_over", None)
        partitions = int(options.pop("partitions", str(DEFAULT_PARTITIONS)))
        _no_more(options, url)
        cluster = parts.scheme == "redis+cluster"
        plain = urlunsplit(("redis" if cluster else parts.scheme, parts.netloc, parts.path, "", ""))
        return await RedisStore.open(
            plain,
            namespace=namespace,
            socket_timeout=timeout,
            max_connections=max_connections,
            compress_public_over=None if over in (None, "", "none") else int(over),
            durability=durability,
            partitions=partitions,
            cluster=cluster,
        )
    raise ValueError(f"no store for URL scheme {parts.scheme!r} (sqlite, redis or redis+cluster)")


def _no_more(options: dict[str, str], url: str) -> None:
    if options:
        raise ValueError(f"unknown store option(s) {', '.join(sorted(options))} in {url!r}")
