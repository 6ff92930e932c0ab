"""HTTP routes of subscriptions to warnings: create, read, SSE stream, dead letters.

POST /subscriptions                                   legitimate-interest, authority or operator
GET  /subscriptions/{sid}                             the owner
GET  /subscriptions/{sid}/stream                      Server-Sent Events, resumable (Last-Event-ID)
GET  /subscriptions/{sid}/dead-letters
POST /subscriptions/{sid}/dead-letters/{did}/redeliver
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

import orjson
from aiohttp import web

from resolver import jsonld
from resolver.credentials import Principal
from resolver.errors import AuthError, Forbidden, NotFound, UnsupportedMediaType
from resolver.http.auth import Authenticator
from resolver.http.body import read_body
from resolver.http.lifecycle_routes import Handler
from resolver.identifiers import parse_identifier
from resolver.lifecycle.delivery import Dispatcher
from resolver.lifecycle.feed import Subscription, WarningFeed
from resolver.lifecycle.readings import Clock
from resolver.lifecycle.subscriptions import read_subscription
from resolver.lifecycle.webhooks import WebhookGuard
from resolver.tiers import Role, Tier

__all__ = ["SUBSCRIPTION_ROUTES", "SubscriptionRoutes"]

SUBSCRIPTION_ROUTES: list[tuple[str, str, dict[str, str]]] = [
    ("/subscriptions", "subscriptions", {"POST": "subscription-create"}),
    ("/subscriptions/{sid}", "subscription", {"GET": "subscription-get"}),
    ("/subscriptions/{sid}/stream", "subscription-stream", {"GET": "subscription-stream"}),
    ("/subscriptions/{sid}/dead-letters", "dead-letters", {"GET": "dead-letters"}),
    ("/subscriptions/{sid}/dead-letters/{did}/redeliver", "dead-letter-redeliver", {"POST": "redeliver"}),
]
_KEEP_ALIVE = 15.0


class SubscriptionRoutes:
    def __init__(
        self,
        feed: WarningFeed,
        dispatcher: Dispatcher,
        auth: Authenticator,
        *,
        clock: Clock,
        guard: WebhookGuard,
        case_sensitive: bool = False,
    ) -> None:
        self.guard = guard
        self.case_sensitive = case_sensitive
        self.feed = feed
        self.dispatcher = dispatcher
        self.auth = auth
        self.clock = clock

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            "subscription-create": self.create,
            "subscription-get": self.get,
            "subscription-stream": self.stream,
            "dead-letters": self.dead_letters,
            "redeliver": self.redeliver,
        }

    def _subscriber(self, request: web.Request) -> Principal:
        principal = self.auth.principal(request.headers.get("Authorization"))
        if principal.role is Role.PUBLIC:
            raise AuthError(
                "subscribing to warnings needs legitimate-interest, authority or operator credentials"
            )
        if principal.tier < Tier.LEGITIMATE_INTEREST:
            raise Forbidden(f"{principal.name} ({principal.role.value}) may not subscribe to warnings")
        return principal

    async def _owned(self, request: web.Request) -> Subscription:
        principal = self._subscriber(request)
        sid = request.match_info["sid"]
        found = await self.feed.subscription(sid)
        if found is None or found.owner != principal.name:
            raise NotFound(f"no subscription {sid[:40]!r} of {principal.name}")
        return found

    async def create(self, request: web.Request) -> web.Response:
        principal = self._subscriber(request)
        if request.content_type != "application/json":
            raise UnsupportedMediaType("a subscription is application/json", accepted=["application/json"])
        data = jsonld.parse_json(await read_body(request, 64 * 1024), max_bytes=64 * 1024)
        made = read_subscription(data, principal.name, self.clock())
        if made.kind == "webhook":
            self.guard.check(made.url)
        # Warnings name passports by their store key: filter on keys, whatever form was given.
        handles = tuple(parse_identifier(h, case_sensitive=self.case_sensitive).key for h in made.handles)
        subscription = replace(made, handles=handles, start=await self.feed.last_id())
        await self.feed.add_subscription(subscription)
        shown = subscription.public()
        if subscription.kind == "webhook":
            shown["secret"] = subscription.secret  # shown once, at creation
        return web.Response(
            status=201,
            body=orjson.dumps(shown),
            content_type="application/json",
            headers={"Location": f"/subscriptions/{subscription.id}"},
        )

    async def get(self, request: web.Request) -> web.Response:
        found = await self._owned(request)
        return web.Response(body=orjson.dumps(found.public()), content_type="application/json")

    async def dead_letters(self, request: web.Request) -> web.Response:
        found = await self._owned(request)
        letters = [orjson.loads(d.to_json()) for d in await self.feed.dead_letters(found.id)]
        return web.Response(
            body=orjson.dumps({"subscription": found.id, "deadLetters": letters}),
            content_type="application/json",
        )

    async def redeliver(self, request: web.Request) -> web.Response:
        found = await self._owned(request)
        did = request.match_info["did"]
        letter = await self.feed.remove_dead_letter(found.id, did)
        if letter is None:
            raise NotFound(f"subscription {found.id} has no dead letter {did[:40]!r}")
        self.dispatcher.redeliver(letter, found)
        return web.Response(
            status=202, body=orjson.dumps({"redelivering": did}), content_type="application/json"
        )

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Warnings as Server-Sent Events, from after ``Last-Event-ID`` (or from where the feed
        stood when the subscription was made), then live; a comment line keeps it open."""
        found = await self._owned(request)
        cursor = (
            request.headers.get("Last-Event-ID") or request.query.get("lastEventId") or found.start or None
        )
        # Refuse an unusable id before the stream starts (a problem, not a broken stream).
        await self.feed.read(cursor, limit=1)
        headers = {
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
        if request.method == "HEAD":
            # No body, so no end: streaming would write keep-alives nobody reads, for ever.
            return web.Response(headers=headers)
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        # The client going away ends the stream; it resumes with Last-Event-ID.
        with contextlib.suppress(ConnectionError):
            await self._send(response, found, cursor)
        return response

    async def _send(self, response: web.StreamResponse, found: Subscription, cursor: str | None) -> None:
        while True:
            entries = await self.feed.read(cursor, limit=100, wait=_KEEP_ALIVE)
            if not entries:
                await response.write(b": keep-alive\n\n")
                continue
            chunks = []
            for entry_id, warning in entries:
                cursor = entry_id
                if warning.raised >= found.created and found.wants(warning):
                    chunks.append(
                        b"id: %s\nevent: warning\ndata: %s\n\n" % (entry_id.encode(), warning.to_json())
                    )
            if chunks:
                await response.write(b"".join(chunks))
