"""``import-adapters``: passports per second through each input adapter (conversion to JSON-LD,
then the node's validation and tier views, in one process) against native JSON-LD ingest of the
same passport (the adapter's output, given as JSON-LD), measured in the same run: the ratio is
the adapter's cost. The EV example's native rate is reported beside them (a conforming
passport; the converted examples do not conform, and a failing report costs more to build).

Inputs: the repository's EV example (native JSON-LD); the published Catena-X BatteryPass 6.1.0
example (its impossible date made possible, identified under 88.100.1) and the shipped 5.0.0
excerpt, each converted then prepared; the OpenEPCIS EV item passport when ../shared/reference
is present, and the shipped EN 18223 excerpts (operational, elements); the EV example as a UNTP
credential; the Battery Pass test payload in UTF-16 without a byte-order mark, alone
(GeneralProductInformation) and with the other aspects' test payloads under their keys.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench.result import make_result

__all__ = ["TARGET", "run"]

TARGET = "each adapter >= 0.7 x native JSON-LD ingest (passports/s)"
REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"


def _rate(work: Callable[[], object], seconds: float) -> float:
    work()  # warm (profile, shapes, caches)
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work()
        done += 1
    return done / elapsed


def _paired(a: Callable[[], object], b: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Rates of ``a`` and ``b`` run alternately (one each per round), so that the machine's load,
    shared with other work, weighs on both alike."""
    a(), b()
    spent = [0.0, 0.0]
    rounds, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for i, work in enumerate((a, b)):
            t = time.perf_counter()
            work()
            spent[i] += time.perf_counter() - t
        rounds += 1
    return rounds / spent[0], rounds / spent[1]


def _inputs() -> dict[str, tuple[str, bytes]]:
    inputs = {}
    catenax = REFERENCE / "catenax-battery-pass" / "BatteryPass-6.1.0-example.json"
    if catenax.exists():
        payload = orjson.loads(catenax.read_bytes())
        payload["operation"]["intoServiceDate"] = "2024-01-31"
        inputs["catenax-6.1.0"] = ("catenax", orjson.dumps(payload))
    excerpt = orjson.loads((REPO / "tests/adapters/data/catenax-BatteryPass-5.0.0-excerpt.json").read_bytes())
    excerpt["operation"]["intoServiceDate"] = "2024-01-31"
    inputs["catenax-5.0.0"] = ("catenax", orjson.dumps(excerpt))
    openepcis = REFERENCE / "openepcis" / "battery" / "examples" / "batterypass-ev-item.jsonld"
    if openepcis.exists():
        inputs["openepcis"] = ("openepcis", openepcis.read_bytes())
    data = REPO / "tests" / "adapters" / "data"
    inputs["openepcis-operational"] = (
        "openepcis",
        (data / "openepcis-battery-product.operational-excerpt.jsonld").read_bytes(),
    )
    inputs["openepcis-en18223"] = (
        "openepcis",
        (data / "openepcis-battery-product.en18223-excerpt.json").read_bytes(),
    )
    from resolver.adapters import untp

    example = orjson.loads((REPO / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    inputs["untp"] = ("untp", orjson.dumps(untp.to_credential(example)))
    payload = (data / "batterypass-general-product-information.json").read_text(encoding="utf-8")
    inputs["batterypass-utf16"] = ("batterypass", payload.encode("utf-16-le"))
    aspects = {"generalProductInformation": orjson.loads(payload)}
    names = {"carbonFootprint": "carbon-footprint", "circularity": "circularity", "labels": "labels",
             "materialComposition": "material-composition", "performance": "performance",
             "supplyChainDueDiligence": "supply-chain-due-diligence"}  # fmt: skip
    for key, name in names.items():
        aspects[key] = orjson.loads((data / f"batterypass-{name}.json").read_bytes())
    inputs["batterypass-aspects-utf16"] = ("batterypass", orjson.dumps(aspects).decode().encode("utf-16-le"))
    return inputs


def run(options: Any) -> dict[str, Any]:
    from resolver.adapters.formats import convert
    from resolver.validation import prepare_sync

    native = (REPO / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes()
    inputs = _inputs()
    share = max(options.seconds / (1 + 2 * len(inputs)), 1.0)
    example = _rate(lambda: prepare_sync(native), share)
    rates: dict[str, float] = {}
    natives: dict[str, float] = {}
    ratios: dict[str, float] = {}

    def adapted(fmt: str, body: bytes) -> object:
        return prepare_sync(convert(fmt, body).body)

    for name, (fmt, body) in inputs.items():
        converted = convert(fmt, body).body
        rates[name], natives[name] = _paired(
            functools.partial(adapted, fmt, body), functools.partial(prepare_sync, converted), 2 * share
        )
        ratios[name] = rates[name] / natives[name]
    slowest = min(ratios, key=ratios.__getitem__) if ratios else None
    worst = rates[slowest] if slowest else None
    baseline = natives[slowest] if slowest else example
    ratio = ratios[slowest] if slowest else None
    return make_result(
        "import-adapters",
        value=worst,
        unit="passports/s (adapter with the lowest ratio)",
        baseline=baseline,
        ratio=ratio,
        target=TARGET,
        met=None if ratio is None else ratio >= 0.7,
        details={
            "ev_example_native_per_s": round(example, 1),
            **{f"{name}_per_s": round(rate, 1) for name, rate in rates.items()},
            **{f"{name}_native_per_s": round(rate, 1) for name, rate in natives.items()},
            **{f"{name}_ratio": round(ratio, 3) for name, ratio in ratios.items()},
        },
        commands=[f"python -m bench import-adapters --seconds {options.seconds:g}"],
        notes=["one process, validation included (prepare_sync), conversion included for adapters"],
    )
