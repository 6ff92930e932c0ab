"""The passport route found without aiohttp's walk: one regular expression for a cold path.

A passport's path ("/88.100.9/BATT-1") lands in the "/" group of aiohttp's resource index,
where about a dozen sub-resource routes ("/{prefix}/{suffix}/qr", ".../events", ...) are tried
first, each an awaited ``resolve`` with a regular expression of its own, before the passport
route matches. The route memo (``route_memo.MemoRouter``) saves that for a path asked before;
a path asked for the first time (most of them, on a node with millions of passports) paid it
whole, and then a memo put.

``DirectRoute`` gives the same outcome as aiohttp's walk for such a path, by what decides it:

- aiohttp tries the resources indexed under the path's leading parts, longest first: a path
  whose first segment starts no indexed part but "/" (no "/keys", "/01", "/api/handles", ...)
  reaches the "/" group only;
- in that group, the resources registered before the passport route come first: one regular
  expression, the alternation of their patterns, says whether any of them matches the path
  (whatever the method). Only the resources that could take a path with as many "/" as it has
  are in it: each needs at least the "/" of its canonical form outside its {variables} (a
  passport's path has two; most sub-resources need three or more, and each alternative a path
  is tried against costs a scan of it);
- when none does, and the passport route's own pattern matches, the passport route is the
  answer, with the values aiohttp would give it (unquoted as aiohttp does).

Anything else (a sub-application, a resource in the group that is not a pattern, a path that
another resource might take) answers None: the caller asks aiohttp.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

__all__ = ["DirectRoute"]

_GROUP_NAME = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_LITERAL_SLASH = re.compile(r"\{[^{}]*\}")  # a variable of a canonical form, what is not literal


def _unquote(value: str) -> str:
    # aiohttp's own unquoting of a matched value of ``path_safe`` (web_urldispatcher).
    if "%" not in value:
        return value
    return value.replace("%2F", "/").replace("%25", "%")


def _least_slashes(resource: web.AbstractResource) -> int:
    """How many "/" every path ``resource`` takes has at least: the literal ones of its
    canonical form ("/{prefix}/{suffix}/qr": 3), outside its variables, which may match any."""
    if not isinstance(resource, web.PlainResource | web.DynamicResource):
        return 0
    return _LITERAL_SLASH.sub("", resource.canonical).count("/")


def _pattern_of(resource: web.AbstractResource) -> str | None:
    """The regular expression (without group names) that matches the paths ``resource`` takes."""
    info = resource.get_info()
    pattern = info.get("pattern")
    if isinstance(pattern, re.Pattern):
        return _GROUP_NAME.sub("(?:", pattern.pattern)
    path = info.get("path")
    if isinstance(path, str) and not info.get("prefix") and not info.get("directory"):
        return re.escape(path)
    return None


def _alternation(parts: list[str | None]) -> re.Pattern[str] | None:
    """One regular expression matching what any of ``parts`` matches (None: no parts)."""
    return re.compile("|".join(f"(?:{part})" for part in parts)) if parts else None


class DirectRoute:
    """Matches the paths that ``resource`` (of ``router``, frozen) alone would take.

    Build it with ``of``; ``match(method, path)`` is the match (None: ask the router).
    """

    __slots__ = ("_heads", "_others", "_pattern", "_routes")

    def __init__(
        self,
        pattern: re.Pattern[str],
        routes: dict[str, AbstractRoute],
        others: tuple[re.Pattern[str] | None, ...],
        heads: frozenset[str],
    ) -> None:
        self._pattern = pattern
        self._routes = routes
        self._others = others  # by how many "/" a path has (the last: that many or more)
        self._heads = heads

    @classmethod
    def of(cls, router: web.UrlDispatcher, name: str) -> DirectRoute | None:
        """The direct route to ``router``'s resource ``name`` (None: it cannot be had safely)."""
        resource = router.named_resources().get(name)
        if resource is None or not router.frozen:
            return None
        info = resource.get_info()
        pattern = info.get("pattern")
        if not isinstance(pattern, re.Pattern):
            return None
        index: dict[str, list[web.AbstractResource]] = getattr(router, "_resource_index", {})
        if getattr(router, "_matched_sub_app_resources", None) or resource not in index.get("/", ()):
            return None
        group = index["/"]
        before = group[: group.index(resource)]
        parts = [_pattern_of(other) for other in before]
        if any(part is None for part in parts):
            return None
        least = [_least_slashes(other) for other in before]
        try:
            others = tuple(
                _alternation([part for part, need in zip(parts, least, strict=True) if need <= slashes])
                for slashes in range(max(least, default=0) + 1)
            )
        except re.error:  # patterns that do not combine (inline flags): leave it to aiohttp
            return None
        heads = frozenset(key[1:].partition("/")[0] for key in index if key != "/")
        routes = {route.method: route for route in resource}
        return cls(pattern, routes, others, heads)

    def match(self, method: str, path: str) -> web.UrlMappingMatchInfo | None:
        """The passport route's match of ``path`` (``path_safe``) for ``method``, as aiohttp's
        walk would find it; None when this cannot tell (the router must)."""
        route = self._routes.get(method)
        if route is None:
            return None
        if path[1:].partition("/")[0] in self._heads:
            return None
        by_slashes = self._others
        others = by_slashes[min(path.count("/"), len(by_slashes) - 1)]
        if others is not None and others.fullmatch(path) is not None:
            return None
        found = self._pattern.fullmatch(path)
        if found is None:
            return None
        values = found.groupdict()
        if "%" in path:
            values = {key: _unquote(value) for key, value in values.items()}
        return web.UrlMappingMatchInfo(values, route)
