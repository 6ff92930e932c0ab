"""A subscription as a subscriber asks for it: what is kept, what is made, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from resolver.errors import InputError
from resolver.lifecycle.subscriptions import read_subscription


def test_an_sse_subscription_keeps_its_filter_owner_and_time() -> None:
    made = read_subscription(
        {"filter": {"handles": ["88.100.1/BAT-1"], "rules": ["soh-below"], "severities": ["critical"]},
         "delivery": {"kind": "sse"}},
        "authority-1",
        1_700_000_000.0,
    )  # fmt: skip
    assert (made.kind, made.owner, made.created) == ("sse", "authority-1", 1_700_000_000.0)
    assert made.handles == ("88.100.1/BAT-1",) and made.rules == ("soh-below",)
    assert made.severities == ("critical",) and made.url == made.secret == "" and made.id


def test_a_webhook_without_a_secret_gets_one_made() -> None:
    made = read_subscription({"delivery": {"kind": "webhook", "url": "https://hooks.example/w"}}, "o", 0.0)
    assert made.url == "https://hooks.example/w" and len(made.secret) >= 16


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ([], "JSON object"),
        ({"delivery": {"kind": "sse"}, "extra": 1}, "unknown key"),
        ({"filter": {"colour": []}, "delivery": {"kind": "sse"}}, "'filter'"),
        ({"delivery": {"kind": "mail"}}, "'delivery'"),
        ({"filter": {"rules": ["gloom"]}, "delivery": {"kind": "sse"}}, "filter.rules"),
        ({"filter": {"severities": ["minor"]}, "delivery": {"kind": "sse"}}, "filter.severities"),
        ({"filter": {"handles": "88.100.1/BAT-1"}, "delivery": {"kind": "sse"}}, "filter.handles"),
        ({"delivery": {"kind": "webhook", "url": "ftp://hooks.example/w"}}, "delivery.url"),
        ({"delivery": {"kind": "webhook", "url": "https://hooks.example/w", "secret": "short"}}, "secret"),
    ],
)
def test_a_malformed_request_is_refused_saying_what_is_wrong(document: Any, says: str) -> None:
    with pytest.raises(InputError, match=says):
        read_subscription(document, "o", 0.0)
