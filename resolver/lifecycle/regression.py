"""Theil-Sen regression with Sen's confidence interval for the slope (pure functions).

The slope is the median of the slopes of all pairs of points; the intercept the median of
``y - slope * x``. The 95 % interval takes the order statistics of the pairwise slopes around
the median that Kendall's tau's variance gives (Sen 1968; Hollander & Wolfe).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Fit", "binned", "theil_sen"]

Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Fit:
    slope: float
    intercept: float
    slope_low: float  # 95 % interval of the slope
    slope_high: float
    n: int  # points in the fit

    def x_at(self, y: float) -> float | None:
        """Where the fitted line reaches ``y``; None for a flat line."""
        if self.slope == 0:
            return None
        return (y - self.intercept) / self.slope


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> Fit | None:
    """The fit, or None with fewer than two distinct x."""
    n = len(xs)
    # All pairs i < j at once (a year of daily readings is ~66,000 pairs); the same IEEE
    # operations as one pair at a time, so the same slopes, medians and interval.
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    first, second = np.triu_indices(n, k=1)
    run = x[second] - x[first]
    distinct = run != 0
    slopes = np.sort((y[second] - y[first])[distinct] / run[distinct])
    if slopes.size == 0:
        return None
    slope = _median_of_sorted(slopes)
    intercept = _median_of_sorted(np.sort(y - slope * x))
    count = int(slopes.size)
    c = Z_95 * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    low = max(math.floor((count - c) / 2.0), 0)
    high = min(math.ceil((count + c) / 2.0), count - 1)
    return Fit(slope, intercept, float(slopes[low]), float(slopes[high]), n)


def _median_of_sorted(values: npt.NDArray[np.float64]) -> float:
    """The median as ``statistics.median`` takes it: the middle value, or the mean of the two."""
    middle = values.size // 2
    if values.size % 2:
        return float(values[middle])
    return (float(values[middle - 1]) + float(values[middle])) / 2


def binned(xs: Sequence[float], ys: Sequence[float], most: int) -> tuple[list[float], list[float]]:
    """At most ``most`` points: the medians of equal-count bins of the points sorted by x."""
    if len(xs) <= most:
        return list(xs), list(ys)
    pairs = sorted(zip(xs, ys, strict=True))
    size = len(pairs) / most
    out_x: list[float] = []
    out_y: list[float] = []
    for b in range(most):
        chunk = pairs[int(b * size) : int((b + 1) * size)]
        if chunk:
            out_x.append(statistics.median(p[0] for p in chunk))
            out_y.append(statistics.median(p[1] for p in chunk))
    return out_x, out_y
