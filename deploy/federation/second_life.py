"""The federation demo's battery lives: a year of readings, and a second life on another node.

Run by ``deploy/federation/run`` with the project's Python once the nodes hold their passports:

- each demo battery (``resolver.lifecycle.demo``) held by one of the nodes gets a generated
  year of readings (the EV pack on cn-enterprise fades slowly, the NCA pack on eu-central fast,
  with deep discharges and hot days that raise warnings); a battery that has events is left;
- eu-west, a second-life operator, writes the stationary battery ``21.11102/SL-ESS-EV-000001``
  naming cn-enterprise's ``88.100.1/BAT-EV-000001`` as its predecessor: eu-west checks it
  through the federation and tells cn-enterprise, whose lineage then shows the successor.

    python deploy/federation/second_life.py NODE_URL=TOKEN ...   (every node, operator tokens)
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the project's modules from its checkout

from resolver.lifecycle.demo import DEMO_BATTERIES, year_of_readings  # noqa: E402

EV = "88.100.1/BAT-EV-000001"  # on cn-enterprise
SECOND_LIFE = "21.11102/SL-ESS-EV-000001"  # on eu-west
EV_NODE, SECOND_LIFE_NODE = "http://127.0.0.1:8102", "http://127.0.0.1:8104"


def call(method: str, url: str, token: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    status, _, found = exchange(method, url, token, body)
    return status, found


def exchange(
    method: str, url: str, token: str, body: bytes | None = None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """(status, headers, JSON body) of one request with the operator's token."""
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json" if body[:1] == b"[" else "application/ld+json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"{}")


def readings(nodes: dict[str, str]) -> list[str]:
    """A year of readings for each demo battery a node holds and that has none yet."""
    loaded = []
    for battery in DEMO_BATTERIES:
        for url, token in nodes.items():
            status, headers, found = exchange("GET", f"{url}/{battery.handle}/events?limit=1", token)
            if status != 200 or headers.get("Passport-Source", "").startswith("peer:"):
                continue  # not held there (a 404, or the owner's answer passed on)
            if found.get("epcisBody", {}).get("eventList"):
                break  # already has its year
            batch = json.dumps(year_of_readings(battery, time.time())).encode()
            status, answer = call("POST", f"{url}/{battery.handle}/events", token, batch)
            if status not in (200, 201):
                sys.exit(f"readings for {battery.handle} at {url}: {status} {answer}")
            loaded.append(f"{battery.handle} ({answer.get('readings')} readings)")
            break
    return loaded


def second_life(token: str) -> None:
    """Write the second-life battery on eu-west (again: a PUT that changes nothing)."""
    doc = json.loads((ROOT / "examples" / "valid" / "stationary-repurposed-from-ev.jsonld").read_bytes())
    iri = f"https://hdl.handle.net/{SECOND_LIFE}"
    doc["id"] = doc["passportIdentifier"] = iri
    doc["predecessor"] = [f"https://hdl.handle.net/{EV}"]
    status, answer = call("PUT", f"{SECOND_LIFE_NODE}/{SECOND_LIFE}", token, json.dumps(doc).encode())
    if status not in (200, 201):
        sys.exit(f"the second-life passport {SECOND_LIFE} was refused: {status} {answer}")


def main(argv: list[str]) -> int:
    nodes = dict(arg.split("=", 1) for arg in argv)
    for line in readings(nodes):
        print(f"readings: {line}", flush=True)
    second_life(nodes[SECOND_LIFE_NODE])
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:  # the announcement travels in the background
        _, lineage = call("GET", f"{EV_NODE}/{EV}/lineage", nodes[EV_NODE])
        if lineage.get("successors"):
            print(f"second life: {SECOND_LIFE} (eu-west) descends from {EV} (cn-enterprise)", flush=True)
            return 0
        time.sleep(0.5)
    print(f"second life: cn-enterprise does not show {SECOND_LIFE} yet; see var/federation/*.log", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
