"""The passport answer's ``Last-Modified``, made without the memo: the same text as ``http_date``."""

from __future__ import annotations

import email.utils
import random

import pytest

from resolver.http.edge import http_date
from resolver.http.passports import last_modified

# Whole seconds, and fractions on either side of where formatdate's rounding to the microsecond
# carries into the next second (and the next day, month, year).
_EDGES = [
    0.0,
    1.0,
    59.9999994,
    59.9999995,
    59.9999996,
    86399.9999995,
    951782399.9999999,  # 2000-02-28 23:59:59 (a leap year's February)
    951868799.9999996,  # 2000-02-29 23:59:59
    1704067199.9999995,  # 2023-12-31 23:59:59
    1704067199.4999999,
    1767225599.999999,
    4102444800.0,  # 2100-01-01
    253402300799.0,  # 9999-12-31 23:59:59, the last year datetime takes
]


@pytest.mark.parametrize("seconds", _EDGES)
def test_edges_read_as_formatdate_reads_them(seconds: float) -> None:
    assert last_modified(seconds) == email.utils.formatdate(seconds, usegmt=True) == http_date(seconds)


def test_any_time_reads_as_formatdate_reads_it() -> None:
    rng = random.Random(17)
    for _ in range(20_000):
        seconds = rng.uniform(0, 4_102_444_800)
        if rng.random() < 0.3:
            seconds = float(int(seconds)) + rng.choice((0.9999994, 0.9999995, 0.9999996, 0.0000005, 0.5))
        assert last_modified(seconds) == email.utils.formatdate(seconds, usegmt=True), seconds
