"""Prometheus text-format metrics kept in plain dicts: cheap enough for the hot path.

Counters and histograms are registered by name; each label combination is one dict entry.
``Metrics.render()`` is the body of ``GET /metrics`` (text format 0.0.4).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence

__all__ = ["LATENCY_BUCKETS", "Counter", "Histogram", "Metrics"]

# Seconds; the node's answers are mostly well under 10 ms, federation misses a little above.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


_INF = 'le="+Inf"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class Counter:
    """A monotonically increasing count per label combination."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.labels = tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, *labels: str, value: float = 1.0) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + value

    def get(self, *labels: str) -> float:
        return self.values.get(labels, 0.0)

    def labelled(self, *labels: str) -> Callable[[], None]:
        """``inc()`` of one label combination, bound once (for a path that counts at every request)."""
        values = self.values

        def inc() -> None:
            values[labels] = values.get(labels, 0.0) + 1.0

        return inc

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for key, value in sorted(self.values.items()):
            lines.append(f"{self.name}{_labels(self.labels, key)} {_number(value)}")
        return lines


class Histogram:
    """Observations in fixed buckets per label combination (cumulative only when rendered)."""

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        self.name = name
        self.help = help_text
        self.labels = tuple(labels)
        self.buckets = tuple(buckets)
        # Per label key: [count per bucket..., count above the last bucket], and the sum.
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: dict[tuple[str, ...], float] = {}

    def observe(self, value: float, *labels: str) -> None:
        counts = self._series(labels)
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[labels] += value

    def labelled(self, *labels: str) -> Callable[[float], None]:
        """``observe(value)`` of one label combination, bound once (the series is made on the
        first observation, as ``observe`` makes it)."""
        buckets, sums, where = self.buckets, self.sums, bisect.bisect_left
        series: list[int] | None = None

        def observe(value: float) -> None:
            nonlocal series
            if series is None:
                series = self._series(labels)
            series[where(buckets, value)] += 1
            sums[labels] += value

        return observe

    def _series(self, labels: tuple[str, ...]) -> list[int]:
        counts = self.counts.get(labels)
        if counts is None:
            counts = self.counts[labels] = [0] * (len(self.buckets) + 1)
            self.sums[labels] = 0.0
        return counts

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key in sorted(self.counts):
            counts = self.counts[key]
            running = 0
            for bound, count in zip(self.buckets, counts, strict=False):
                running += count
                le = f'le="{_number(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.labels, key, le)} {running}")
            running += counts[-1]
            lines.append(f"{self.name}_bucket{_labels(self.labels, key, _INF)} {running}")
            lines.append(f"{self.name}_sum{_labels(self.labels, key)} {_number(self.sums[key])}")
            lines.append(f"{self.name}_count{_labels(self.labels, key)} {running}")
        return lines


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value):
        return str(int(value))
    return repr(value)


class Metrics:
    """The process's metrics. The node registers its own; stages may add theirs."""

    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram] = {}
        self.requests = self.counter(
            "passport_http_requests_total",
            "HTTP requests answered, by route and status.",
            ("route", "status"),
        )
        self.latency = self.histogram(
            "passport_http_request_seconds", "Time to answer an HTTP request, by route.", ("route",)
        )
        self.answers = self.counter(
            "passport_answers_total", "Passports served, by where the answer came from.", ("source",)
        )
        self.store_errors = self.counter(
            "passport_store_errors_total", "Requests that failed because the store was unavailable."
        )
        self.writes = self.counter("passport_writes_total", "Passport writes, by outcome.", ("outcome",))

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        """The counter ``name``, registered on first use."""
        existing = self._metrics.get(name)
        if existing is None:
            existing = self._metrics[name] = Counter(name, help_text, labels)
        if not isinstance(existing, Counter):
            raise ValueError(f"metric {name} is already registered as a histogram")
        return existing

    def histogram(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> Histogram:
        """The histogram ``name``, registered on first use."""
        existing = self._metrics.get(name)
        if existing is None:
            existing = self._metrics[name] = Histogram(name, help_text, labels, buckets)
        if not isinstance(existing, Histogram):
            raise ValueError(f"metric {name} is already registered as a counter")
        return existing

    def render(self) -> bytes:
        lines: list[str] = []
        for name in sorted(self._metrics):
            lines.extend(self._metrics[name].render())
        return ("\n".join(lines) + "\n").encode()
