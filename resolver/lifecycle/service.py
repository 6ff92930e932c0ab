"""The lifecycle of one node's passports without HTTP: ingest events, rate health, raise warnings.

Passports are read through the ``Store`` protocol; events, readings and warnings live in an
``EventStore``; new warnings go to ``publish`` (the subscription feed).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from resolver.config.lifecycle import LifecycleSettings
from resolver.errors import Conflict, Gone, NotFound
from resolver.identifiers import longest_claim
from resolver.jsontypes import JSONObject
from resolver.lifecycle.datapoints import NEGATIVE_EVENT
from resolver.lifecycle.eventstore import Appended, EventStore, Warning
from resolver.lifecycle.facts import PassportFacts, facts_of
from resolver.lifecycle.health import HealthInputs, rate
from resolver.lifecycle.readings import Clock, Reading, StoredEvent
from resolver.lifecycle.rules import SOH_POINTS, evaluate, fade_anomaly, silence
from resolver.lifecycle.status import StatusChange, check_transition
from resolver.stores.base import Store, View
from resolver.tiers import Tier

__all__ = ["Ingested", "LifecycleService", "Publish", "settings_for"]

_RATINGS_KEPT = 10_000  # ratings kept in process
_FADE_MEMORY = 100_000
# Seconds (of the service's clock) an operator's warning-rule settings are reused before they
# are read again: one Redis round trip less per batch. A change made through this process
# (``set_rules``) applies at once; one made through another process within this time.
RULES_TTL = 1.0  # passports whose last fade check this process remembers
Publish = Callable[[Sequence[Warning]], Awaitable[object]]


async def _no_publish(warnings: Sequence[Warning]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Ingested:
    appended: Appended
    readings: int
    warnings: tuple[Warning, ...]


def settings_for(
    handle: str, settings: LifecycleSettings, rules: Mapping[str, Mapping[str, float]]
) -> LifecycleSettings:
    """The node's settings with the rule settings of the longest prefix covering ``handle``."""
    prefix = longest_claim(rules, handle)
    return settings.with_rules(rules[prefix]) if prefix is not None else settings


class LifecycleService:
    def __init__(
        self,
        *,
        passports: Store,
        events: EventStore,
        settings: LifecycleSettings,
        clock: Clock,
        publish: Publish = _no_publish,
    ) -> None:
        self.passports = passports
        self.events = events
        self.settings = settings
        self.clock = clock
        self.publish = publish
        self._fade_checked: OrderedDict[str, float] = OrderedDict()
        # handle -> ((passport version, event revision), rating): the rating changes only with them.
        self._rules: tuple[float, dict[str, dict[str, float]]] | None = None
        self._ratings: OrderedDict[str, tuple[tuple[int, int], JSONObject]] = OrderedDict()

    async def facts(self, handle: str, *, tier: Tier = Tier.AUTHORITY) -> PassportFacts:
        """The passport's static facts, from its view of ``tier``; NotFound / Gone when there is
        no live passport."""
        return facts_of((await self._view(handle, tier)).body)

    async def _view(self, handle: str, tier: Tier = Tier.AUTHORITY) -> View:
        view = await self.passports.get_view(handle, tier)
        if view is None:
            raise NotFound(f"no passport is registered for {handle}", handle=handle)
        if view.deleted:
            raise Gone(f"the passport {handle} was deleted", handle=handle)
        return view

    async def ingest(self, handle: str, events: Sequence[StoredEvent], facts: PassportFacts) -> Ingested:
        """Store ``events`` (known ids skipped) and, in the same step, the warnings their
        readings raise (the rules but fade need only the readings: evaluated first, kept only
        for the events stored now); then the fade rule, which reads the stored series."""
        now = self.clock()
        settings = self.settings
        raising: list[tuple[str, Warning]] = []
        if any(e.readings for e in events):
            settings = settings_for(handle, self.settings, await self.rules())
            for event in events:
                raising += (
                    (event.event_id, w) for w in evaluate(handle, event.readings, facts, settings, now)
                )
        appended = await self.events.append(handle, events, raising)
        new = list(appended.raised)
        await self._publish(new)
        new_ids = set(appended.stored)
        readings = [r for e in events if e.event_id in new_ids for r in e.readings]
        if facts.expected_cycles and self._fade_due(handle, readings):
            anomaly = fade_anomaly(handle, await self.inputs(handle, facts, fade_only=True), settings, now)
            if anomaly is not None:
                new += await self._raise([anomaly])
        return Ingested(appended, len(readings), tuple(new))

    async def rules(self) -> dict[str, dict[str, float]]:
        """The operators' warning-rule settings by prefix, read at most every ``RULES_TTL``."""
        now = self.clock()
        if self._rules is None or not 0 <= now - self._rules[0] < RULES_TTL:
            self._rules = (now, await self.events.rules())
        return self._rules[1]

    async def set_rules(self, prefix: str, overrides: Mapping[str, float]) -> None:
        await self.events.set_rules(prefix, overrides)
        self._rules = None

    def _fade_due(self, handle: str, readings: Sequence[Reading]) -> bool:
        """Whether the fade rule should run: new health readings, and at least
        ``fade_check_interval_days`` of reading time since it last ran here for the passport
        (the fit reads the whole series; running it on every batch would cost O(series))."""
        newest = max((r.time for r in readings if r.data_point in SOH_POINTS), default=None)
        if newest is None:
            return False
        last = self._fade_checked.get(handle)
        if last is not None and newest - last < self.settings.fade_check_interval_days * 86400:
            return False
        self._fade_checked[handle] = newest
        self._fade_checked.move_to_end(handle)
        if len(self._fade_checked) > _FADE_MEMORY:
            self._fade_checked.popitem(last=False)
        return True

    async def inputs(self, handle: str, facts: PassportFacts, *, fade_only: bool = False) -> HealthInputs:
        """Everything the rating reads, from the series (``fade_only``: health and cycles)."""
        series = self.events.series
        source = "stateOfCertifiedEnergy"
        soh = await series(handle, source)
        if not soh:
            source = "stateOfHealth"
            soh = await series(handle, source)
        cycles = await series(handle, "cycleCount")
        if fade_only:
            return HealthInputs(soh, source, cycles, (), (), None, None, None, facts, self.clock())
        lasts = {}
        for name in ("timeAboveTemperatureBoundary", "timeBelowTemperatureBoundary", "remainingEnergy"):
            lasts[name] = await self.events.latest(handle, name)
        return HealthInputs(
            soh=soh,
            soh_source=source,
            cycles=cycles,
            negative_events=await series(handle, NEGATIVE_EVENT),
            temperatures=await series(handle, "temperature"),
            time_above=lasts["timeAboveTemperatureBoundary"],
            time_below=lasts["timeBelowTemperatureBoundary"],
            remaining_energy=lasts["remainingEnergy"],
            facts=facts,
            now=self.clock(),
        )

    async def health(self, handle: str) -> JSONObject:
        """The rating, computed again only when the passport or its events changed (a copy)."""
        view = await self._view(handle)
        revision = await self.events.revision(handle)
        cached = self._ratings.get(handle)
        if cached is not None and cached[0] == (view.version, revision):
            self._ratings.move_to_end(handle)
            return copy.deepcopy(cached[1])
        facts = await self.current_facts(handle)
        body = rate(await self.inputs(handle, facts), self.settings)
        self._ratings[handle] = ((view.version, revision), body)
        if len(self._ratings) > _RATINGS_KEPT:
            self._ratings.popitem(last=False)
        return copy.deepcopy(body)

    async def current_facts(self, handle: str) -> PassportFacts:
        """The passport's facts with its status as the latest status change left it."""
        facts = await self.facts(handle)
        changes = await self.events.status_changes(handle)
        return replace(facts, status=changes[-1].status) if changes else facts

    async def change_status(
        self, handle: str, status: str, *, by: str, successors: Sequence[str] = (), note: str = ""
    ) -> StatusChange:
        """Record a status change if the rules allow it (IllegalTransition, 409, if not)."""
        facts = await self.facts(handle)
        changes = await self.events.status_changes(handle)
        current = changes[-1].status if changes else (facts.status or "original")
        check_transition(current, status)
        change = StatusChange(status, current, self.clock(), by, tuple(successors), note)
        if not await self.events.add_status_change(handle, change, expected=len(changes)):
            raise Conflict(f"the status of {handle} changed while this change was made; read it and retry")
        return change

    async def sweep_silence(self) -> list[Warning]:
        """Raise ``no-data`` for every passport silent for ``silence_days``; returns the new ones."""
        now = self.clock()
        rules = await self.events.rules()
        days = min(
            [self.settings.silence_days, *(r["silence_days"] for r in rules.values() if "silence_days" in r)]
        )
        quiet = await self.events.quiet_since(now - days * 86400)
        raised = [
            w
            for handle, last in quiet
            if (w := silence(handle, last, settings_for(handle, self.settings, rules), now)) is not None
        ]
        return await self._raise(raised)

    async def _raise(self, raised: list[Warning]) -> list[Warning]:
        """Store the new ones. A store that ``publishes`` put them on the feed in that step;
        otherwise they are marked unpublished, handed to the feed, and the marks cleared: a
        process stopped in between leaves them marked, and ``republish`` sends them at start."""
        new = await self.events.add_warnings(raised) if raised else []
        await self._publish(new)
        return new

    async def _publish(self, new: Sequence[Warning]) -> None:
        """Hand newly stored warnings to the feed and clear their marks (unless the store put
        them on the feed itself)."""
        if new and not self.events.publishes:
            await self.publish(new)
            await self.events.published(new)

    async def republish(self) -> int:
        """Hand the feed every warning stored and still marked unpublished; how many. At least
        once: one another process is publishing right now may go out twice."""
        pending = await self.events.unpublished()
        if pending:
            await self.publish(pending)
            await self.events.published(pending)
        return len(pending)
