"""Theil-Sen over all pairs at once gives exactly what one pair at a time gave."""

from __future__ import annotations

import math
import random
import statistics

from resolver.lifecycle.regression import Z_95, Fit, theil_sen


def _pair_by_pair(xs: list[float], ys: list[float]) -> Fit | None:
    """The former implementation, kept as the reference."""
    n = len(xs)
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(n) for j in range(i + 1, n) if xs[j] != xs[i]]
    if not slopes:
        return None
    slopes.sort()
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))
    count = len(slopes)
    c = Z_95 * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    low = max(math.floor((count - c) / 2.0), 0)
    high = min(math.ceil((count + c) / 2.0), count - 1)
    return Fit(slope, intercept, slopes[low], slopes[high], n)


def test_the_fit_is_the_pair_by_pair_fit_bit_for_bit() -> None:
    rng = random.Random(7)
    for case in range(300):
        n = rng.randint(0, 60) if case % 10 else 365
        # Repeated x (the same cycle count on several days) and integer-valued points included.
        xs = [float(rng.randint(0, n // 2 + 1)) if case % 3 == 0 else rng.uniform(0, 1e6) for _ in range(n)]
        ys = [round(rng.gauss(90, 5), rng.choice((0, 2, 6))) for _ in range(n)]
        assert theil_sen(xs, ys) == _pair_by_pair(xs, ys), (case, n)
