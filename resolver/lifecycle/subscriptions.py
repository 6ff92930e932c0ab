"""A subscription to warnings as a subscriber asks for it: the request document, read and checked.

What ``POST /subscriptions`` (resolver/http/subscription_routes.py) stores in the warning feed.
"""

from __future__ import annotations

import secrets
from typing import Any

from resolver.errors import InputError
from resolver.lifecycle.feed import Subscription
from resolver.lifecycle.rules import RULES

__all__ = ["read_subscription"]

_SEVERITIES = ("warning", "critical")
_FILTER_KEYS = {"handles", "prefixes", "rules", "severities"}


def read_subscription(data: Any, owner: str, now: float) -> Subscription:
    """The subscription ``owner`` asks for at ``now``: ``{"filter": {...}, "delivery": {...}}``
    checked (known rules and severities, an http(s) webhook URL, a secret of at least 16
    characters or one made here), with a new id. Handles are kept as given."""
    if not isinstance(data, dict):
        raise InputError("a subscription is a JSON object with 'filter' and 'delivery'")
    unknown = set(data) - {"filter", "delivery"}
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(sorted(unknown))[:100]}")
    where = data.get("filter") or {}
    delivery = data.get("delivery")
    if not isinstance(where, dict) or set(where) - _FILTER_KEYS:
        raise InputError(f"'filter' is an object with any of {', '.join(sorted(_FILTER_KEYS))}")
    if not isinstance(delivery, dict) or delivery.get("kind") not in ("webhook", "sse"):
        raise InputError('\'delivery\' is {"kind": "webhook", "url": ...} or {"kind": "sse"}')
    lists = {name: _strings(where.get(name, []), f"filter.{name}") for name in _FILTER_KEYS}
    for rule in lists["rules"]:
        if rule not in RULES:
            raise InputError(f"filter.rules: {rule[:40]!r} is not one of {', '.join(RULES)}")
    for severity in lists["severities"]:
        if severity not in _SEVERITIES:
            raise InputError(f"filter.severities: {severity[:40]!r} is not one of {', '.join(_SEVERITIES)}")
    url = secret = ""
    if delivery["kind"] == "webhook":
        url = delivery.get("url", "")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise InputError("delivery.url must be an http(s) URL")
        secret = delivery.get("secret") or secrets.token_urlsafe(32)
        if not isinstance(secret, str) or len(secret) < 16:
            raise InputError("delivery.secret must be a string of at least 16 characters")
    return Subscription(
        id=Subscription.new_id(), owner=owner, kind=delivery["kind"], url=url, secret=secret,
        handles=lists["handles"], prefixes=lists["prefixes"], rules=lists["rules"],
        severities=lists["severities"], created=now,
    )  # fmt: skip


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 1000:
        raise InputError(f"{where} must be a list of strings")
    return tuple(value)
