"""GB/T 34014-2017 traction-battery codes (24 characters): parse, explain, validate, and map to
and from handles under a maker's prefix.

Pure functions, no I/O. The structure (positions are 1-based, as the standard counts them)::

    1-3    maker code            assigned by MIIT's coding registration system
    4      product type          P pack, M module, C cell
    5      battery type          A NiMH, B LFP, C LMO, D LCO, E ternary (NCM/NCA), F supercapacitor,
                                 G LTO, Z other
    6-7    specification         the maker's, registered with the system
    8-14   traceability          the maker's, registered with the system
    15-17  production date       year, month (1-9, A-C), day (1-9, then letters)
    18-24  serial                the day's sequence number, 0000001-9999999

There is no check digit, so a well-formed code with one character changed is still well-formed:
validation checks each field's alphabet and the date, nothing more. The year and day tables are
our reading of public secondary sources (docs/cn-profile.md cites them): the year is the VIN
year code (ISO 3779 / GB 16735, letters without I, O, Q, U, Z, then digits), 2010 to 2039; the
day is 1-9 then the letters without I, O, Q, Z (A = 10 ... Y = 31).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from resolver.errors import InvalidIdentifier

__all__ = [
    "BATTERY_TYPES",
    "LENGTH",
    "PRODUCT_TYPES",
    "BatteryCode",
    "Field",
    "code_from_handle",
    "encode_date",
    "handle_for",
    "looks_like_code",
    "parse_code",
]

LENGTH = 24
PRODUCT_TYPES = {"P": "pack", "M": "module", "C": "cell"}
BATTERY_TYPES = {
    "A": "nickel-metal hydride",
    "B": "lithium iron phosphate (LFP)",
    "C": "lithium manganese oxide (LMO)",
    "D": "lithium cobalt oxide (LCO)",
    "E": "ternary lithium (NCM/NCA)",
    "F": "supercapacitor",
    "G": "lithium titanate (LTO)",
    "Z": "other",
}
# Battery type -> the eu-battery chemistry term it maps to (None: no EU equivalent).
CHEMISTRY_TERMS = {"A": "NiMH", "B": "LFP", "C": "LMO", "D": "LCO", "E": "NMC"}

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# VIN year letters: 2010 = A ... 2030 = Y, then 2031 = 1 ... 2039 = 9.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_FIRST_YEAR = 2010
_MONTH_CODES = "123456789ABC"
_DAY_CODES = "123456789ABCDEFGHJKLMNPRSTUVWXY"
_SERIAL_RE = re.compile(r"[0-9]{7}")


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a code: its positions (1-based, inclusive), characters and meaning."""

    name: str
    start: int
    end: int
    value: str
    meaning: str

    def to_json(self) -> dict[str, object]:
        return {
            "field": self.name,
            "positions": f"{self.start}-{self.end}" if self.end > self.start else str(self.start),
            "value": self.value,
            "meaning": self.meaning,
        }


@dataclass(frozen=True, slots=True)
class BatteryCode:
    """A parsed, valid GB/T 34014 code."""

    code: str
    maker: str
    product_type: str  # P, M or C
    battery_type: str
    specification: str
    traceability: str
    production_date: datetime.date
    serial: str

    @property
    def chemistry(self) -> str | None:
        """The eu-battery chemistry term of the battery type, if there is one."""
        return CHEMISTRY_TERMS.get(self.battery_type)

    def fields(self) -> list[Field]:
        """Every field with its positions and what it says."""
        date = self.code[14:17]
        return [
            Field("maker", 1, 3, self.maker, "maker code, assigned through MIIT's coding registration"),
            Field("productType", 4, 4, self.product_type, PRODUCT_TYPES[self.product_type]),
            Field("batteryType", 5, 5, self.battery_type, BATTERY_TYPES[self.battery_type]),
            Field("specification", 6, 7, self.specification, "specification, the maker's registered code"),
            Field("traceability", 8, 14, self.traceability, "traceability information, the maker's"),
            Field("productionDate", 15, 17, date, self.production_date.isoformat()),
            Field("serial", 18, 24, self.serial, f"serial number {int(self.serial)} of the day"),
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "standard": "GB/T 34014-2017",
            "productType": PRODUCT_TYPES[self.product_type],
            "batteryType": BATTERY_TYPES[self.battery_type],
            "productionDate": self.production_date.isoformat(),
            "fields": [f.to_json() for f in self.fields()],
        }


def looks_like_code(text: str) -> bool:
    """Whether ``text`` has the shape of a code (24 letters and digits, P/M/C in position 4);
    cheap, for deciding whether to parse."""
    return len(text) == LENGTH and text.isascii() and text.isalnum() and text[3].upper() in PRODUCT_TYPES


def parse_code(text: str) -> BatteryCode:
    """The code ``text`` as a ``BatteryCode``; ``InvalidIdentifier`` names the first bad field and
    its positions. Lower-case letters are read as upper-case (the standard's codes are upper)."""
    code = text.strip().upper()
    if len(code) != LENGTH:
        raise InvalidIdentifier(f"a GB/T 34014 code has {LENGTH} characters; {text!r} has {len(code)}")
    for position, char in enumerate(code, 1):
        if char not in _ALNUM:
            raise InvalidIdentifier(
                f"GB/T 34014 code {text!r}: position {position} is {char!r}; only digits and letters A-Z"
            )
    if code[3] not in PRODUCT_TYPES:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: position 4 (product type) is {code[3]!r}; "
            "P (pack), M (module) or C (cell)"
        )
    if code[4] not in BATTERY_TYPES:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: position 5 (battery type) is {code[4]!r}; "
            f"one of {', '.join(BATTERY_TYPES)}"
        )
    if not _SERIAL_RE.fullmatch(code[17:]) or code[17:] == "0000000":
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: positions 18-24 (serial) are {code[17:]!r}; "
            "seven digits, 0000001-9999999"
        )
    return BatteryCode(
        code=code,
        maker=code[0:3],
        product_type=code[3],
        battery_type=code[4],
        specification=code[5:7],
        traceability=code[7:14],
        production_date=_decode_date(code),
        serial=code[17:],
    )


def _decode_date(code: str) -> datetime.date:
    year_char, month_char, day_char = code[14], code[15], code[16]
    if year_char not in _YEAR_CODES:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: position 15 (production year) is {year_char!r}; "
            f"one of {_YEAR_CODES} ({_FIRST_YEAR}-{_FIRST_YEAR + len(_YEAR_CODES) - 1})"
        )
    if month_char not in _MONTH_CODES:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: position 16 (production month) is {month_char!r}; 1-9, A, B or C"
        )
    if day_char not in _DAY_CODES:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: position 17 (production day) is {day_char!r}; one of {_DAY_CODES}"
        )
    year = _FIRST_YEAR + _YEAR_CODES.index(year_char)
    month = _MONTH_CODES.index(month_char) + 1
    day = _DAY_CODES.index(day_char) + 1
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(
            f"GB/T 34014 code {code}: positions 15-17 (production date) {code[14:17]!r} "
            f"name day {day} of {year}-{month:02d}, which does not exist"
        ) from None


def encode_date(date: datetime.date) -> str:
    """The three characters of positions 15-17 for ``date`` (2010-2039)."""
    index = date.year - _FIRST_YEAR
    if not 0 <= index < len(_YEAR_CODES):
        raise ValueError(f"GB/T 34014 years run from {_FIRST_YEAR} to {_FIRST_YEAR + len(_YEAR_CODES) - 1}")
    return _YEAR_CODES[index] + _MONTH_CODES[date.month - 1] + _DAY_CODES[date.day - 1]


def handle_for(code: str, prefix: str) -> str:
    """The handle of the battery with ``code`` under the maker's handle ``prefix``
    (``88.100.1`` -> ``88.100.1/{code}``); the code is validated first."""
    return f"{prefix}/{parse_code(code).code}"


def code_from_handle(handle: str) -> BatteryCode | None:
    """The code a handle's suffix holds, or None when the suffix is not a valid code."""
    _, _, suffix = handle.partition("/")
    if not looks_like_code(suffix):
        return None
    try:
        return parse_code(suffix)
    except InvalidIdentifier:
        return None
