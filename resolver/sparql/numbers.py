"""XSD numbers as pyoxigraph computes and writes them, for the columnar evaluator's aggregates.

What pyoxigraph 0.5 does, checked by tests/sparql/test_columnar.py against it:

- ``xsd:integer`` is a 64-bit integer; ``SUM`` of integers is an integer.
- ``xsd:decimal`` is fixed point with 18 fraction digits (a 128-bit integer scaled by 10**18);
  a division truncates toward zero at the 18th digit (``AVG`` of 2, 0, 0 is
  0.666666666666666666); it is written without trailing zeros and without a point when whole.
- ``xsd:double`` is written as Rust writes an f64: the shortest digits that read back as the same
  number, positionally (1e21 as ``1000000000000000000000``), no ``.0`` when whole.
- A sum promotes integer < decimal < double; ``AVG`` divides the sum by the count, so the
  average of integers is a decimal. ``SUM`` and ``AVG`` of an empty group are integer 0.
- A value that is not a number makes ``SUM`` and ``AVG`` an error: the result is unbound.

A sum of doubles depends on the order pyoxigraph adds them in (its join order); here it is the
exact sum of the values, rounded once (see docs/sparql.md).
"""

from __future__ import annotations

import decimal
from fractions import Fraction

__all__ = [
    "DECIMAL",
    "DOUBLE",
    "INTEGER",
    "Number",
    "OutOfRange",
    "average",
    "format_decimal",
    "format_double",
    "read_number",
    "total",
    "write",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER, DECIMAL, DOUBLE = 0, 1, 2
TYPES = {f"{XSD}integer": INTEGER, f"{XSD}decimal": DECIMAL, f"{XSD}double": DOUBLE}
NAMES = {INTEGER: f"{XSD}integer", DECIMAL: f"{XSD}decimal", DOUBLE: f"{XSD}double"}
SCALE = 10**18
_I64 = 2**63
_I128 = 2**127

Number = tuple[int, Fraction]  # (type, exact value)


class OutOfRange(Exception):
    """A value or result pyoxigraph would hold otherwise (overflow, NaN, INF, xsd:float...)."""


def read_number(term: str) -> Number | None:
    """A literal's type and exact value (None: not an integer, decimal or double)."""
    if not term.startswith('"') or '"^^<' not in term:
        return None
    lexical, _, datatype = term[1:].rpartition('"^^<')
    kind = TYPES.get(datatype[:-1])
    if kind is None:
        if datatype[:-1].startswith(XSD) and datatype[:-1] != f"{XSD}string":
            raise OutOfRange(f"a literal of {datatype}")  # float, derived integer types...
        return None
    if kind == DOUBLE:
        value = float(lexical)
        if value != value or value in (float("inf"), float("-inf")):
            raise OutOfRange("NaN or INF")
        return kind, Fraction(value)
    try:
        exact = Fraction(decimal.Decimal(lexical))
    except (decimal.InvalidOperation, ValueError) as err:
        raise OutOfRange(f"an unreadable number {lexical!r}") from err
    return kind, exact


def total(values: list[tuple[Number, int]]) -> Number:
    """The SUM of values (each with how many times it occurs), in the widest type among them."""
    if not values:
        return INTEGER, Fraction(0)
    kind = max(v[0][0] for v in values)
    if kind == DOUBLE:
        exact = sum((Fraction(float(number[1])) * n for number, n in values), Fraction(0))
        return DOUBLE, Fraction(_double(exact))
    exact = sum((v[1] * n for v, n in values), Fraction(0))
    _check(kind, exact)
    return kind, exact


def average(values: list[tuple[Number, int]]) -> Number:
    count = sum(n for _, n in values)
    if count == 0:
        return INTEGER, Fraction(0)
    kind, exact = total(values)
    if kind == DOUBLE:
        return DOUBLE, Fraction(float(exact) / count)
    scaled = exact * SCALE
    if scaled.denominator != 1:
        raise OutOfRange("a decimal past 18 fraction digits")
    whole = abs(scaled.numerator) // count * (1 if scaled.numerator >= 0 else -1)
    _check(DECIMAL, Fraction(whole, SCALE))
    return DECIMAL, Fraction(whole, SCALE)


def write(number: Number) -> tuple[str, str]:
    """Lexical form and datatype IRI."""
    kind, value = number
    if kind == INTEGER:
        return str(value.numerator), NAMES[INTEGER]
    if kind == DECIMAL:
        return format_decimal(value), NAMES[DECIMAL]
    return format_double(float(value)), NAMES[DOUBLE]


def format_decimal(value: Fraction) -> str:
    scaled = value * SCALE
    if scaled.denominator != 1:
        raise OutOfRange("a decimal past 18 fraction digits")
    sign = "-" if scaled.numerator < 0 else ""
    whole, part = divmod(abs(scaled.numerator), SCALE)
    return f"{sign}{whole}" + (f".{part:018d}".rstrip("0") if part else "")


def format_double(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise OutOfRange("NaN or INF")
    text = format(decimal.Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _double(exact: Fraction) -> float:
    try:
        return float(exact)  # correctly rounded
    except OverflowError as err:
        raise OutOfRange("a double sum past the largest double") from err


def _check(kind: int, value: Fraction) -> None:
    if kind == INTEGER and not -_I64 <= value < _I64:
        raise OutOfRange("an integer sum past 64 bits")
    if kind == DECIMAL and not -_I128 <= value * SCALE < _I128:
        raise OutOfRange("a decimal past 128 bits")
