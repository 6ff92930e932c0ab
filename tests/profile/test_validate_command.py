"""``passport-node validate``: readable report, JSON for machines, exit 0 / 1 / 2."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.profile.conftest import Validate

ROOT = Path(__file__).resolve().parents[2]
EV = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"


def _invalid(tmp_path: Path) -> Path:
    doc = orjson.loads(EV.read_bytes())
    doc["expectedLifetimeCycles"] = "a great many"
    path = tmp_path / "invalid.jsonld"
    path.write_bytes(orjson.dumps(doc))
    return path


def test_a_valid_passport_exits_0_with_its_iri(validate_cli: Validate) -> None:
    result = validate_cli(EV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{EV}: valid: https://hdl.handle.net/88.100.1/BAT-EV-000001\n"


def test_an_invalid_passport_exits_1_naming_the_data_point(validate_cli: Validate, tmp_path: Path) -> None:
    result = validate_cli(_invalid(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "INVALID" in result.stdout
    assert "data point 31" in result.stdout
    assert "value 'a great many'" in result.stdout


def test_json_output_lists_each_file(validate_cli: Validate, tmp_path: Path) -> None:
    result = validate_cli("--json", EV, _invalid(tmp_path))
    assert result.returncode == 1
    valid, invalid = orjson.loads(result.stdout)
    assert valid["status"] == "valid" and valid["report"] == {"conforms": True, "results": []}
    assert invalid["status"] == "invalid"
    assert any(31 in r["dataPoints"] for r in invalid["report"]["results"])


def test_unusable_input_wins_over_invalid(validate_cli: Validate, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonld"
    bad.write_bytes(b"{")
    result = validate_cli(_invalid(tmp_path), bad, EV)
    assert result.returncode == 2
    assert result.stdout.count("\n") >= 3  # every file is still reported


def test_a_passport_with_a_warning_exits_0_and_prints_the_warning_with_its_data_point(
    validate_cli: Validate,
) -> None:
    path = ROOT / "examples" / "invalid" / "ev-with-remaining-capacity.jsonld"
    result = validate_cli(path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: valid with 1 warning: https://hdl.handle.net/88.100.1/BAT-EV-000001"
    assert lines[1].startswith("  - Warning, data point 62: Data point 62 (remaining capacity): the EC")
