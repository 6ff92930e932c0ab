"""``validate FILE`` and ``readiness FILE|ID`` judge a passport by its profile: ``--profile``,
else the one the configuration gives its prefix, else the one its context names."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cn-battery" / "pack-lfp.jsonld"
EU_EXAMPLE = REPO / "examples" / "valid" / "ev-nmc811.jsonld"
CODE = "X9KPB1ANB51234T3E0000042"
CONFIG = """prefixes = ["88.100.1", "88.300.1"]
store = "sqlite:///{store}"

[profiles]
"88.300.1" = "cn-battery"
"""


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["validate", "--json", *args])
    outcomes = orjson.loads(capsys.readouterr().out)
    return code, outcomes[0]


def _under(prefix: str, tmp_path: Path) -> Path:
    doc = orjson.loads(EXAMPLE.read_bytes())
    doc["id"] = f"https://hdl.handle.net/{prefix}/{CODE}"
    path = tmp_path / f"{prefix}.jsonld"
    path.write_bytes(orjson.dumps(doc))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(CONFIG.format(store=tmp_path / "p.sqlite3"), encoding="utf-8")
    return path


def test_validate_judges_a_file_by_the_profile_its_context_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, outcome = _validate(capsys, str(EXAMPLE))
    assert (code, outcome["status"], outcome["profile"]) == (0, "valid", "cn-battery")
    code, outcome = _validate(capsys, str(EU_EXAMPLE))
    assert (code, outcome["profile"]) == (0, "eu-battery")
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "valid (judged by cn-battery)" in capsys.readouterr().out


def test_profile_option_wins(capsys: pytest.CaptureFixture[str]) -> None:
    code, outcome = _validate(capsys, "--profile", "eu-battery", str(EXAMPLE))
    assert (code, outcome["status"], outcome["profile"]) == (1, "invalid", "eu-battery")


def test_with_a_config_the_prefix_chooses(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    code, outcome = _validate(capsys, "--config", str(config), str(_under("88.300.1", tmp_path)))
    assert (code, outcome["profile"]) == (0, "cn-battery")
    # A cn passport under a prefix the node keeps for eu-battery is judged as the node would.
    code, outcome = _validate(capsys, "--config", str(config), str(_under("88.100.1", tmp_path)))
    assert (code, outcome["status"], outcome["profile"]) == (1, "invalid", "eu-battery")


def test_readiness_of_a_stored_cn_passport_uses_the_prefixes_profile(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    assert main(["import", str(_under("88.300.1", tmp_path)), "--config", str(config), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["readiness", CODE, "--config", str(config), "--market", "cn", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["profile"] == "cn-battery" and report["ready"] is True
    assert (
        main(
            [
                "readiness",
                f"88.300.1/{CODE}",
                "--config",
                str(config),
                "--market",
                "eu",
                "--on",
                "2027-03",
                "--json",
            ]
        )
        == 1
    )
    report = orjson.loads(capsys.readouterr().out)
    assert report["mapped"] is True and report["category"] == "EV"
    lines = {line["key"]: line["status"] for line in report["lines"]}
    assert lines["dp12"] == "valid" and lines["dp13"] == "missing"


def test_readiness_reads_a_utf16_file_as_validate_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "utf16.jsonld"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("utf-16"))
    assert main(["readiness", str(path), "--market", "cn", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["profile"] == "cn-battery"


def test_an_import_stores_a_cn_item_with_its_model_and_batch_in_any_order(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    from tests.linked.test_cn_linked import split

    item, model, batch = split()
    files = []
    for name, doc in (("item", item), ("model", model), ("batch", batch)):  # the item first
        path = tmp_path / f"{name}.jsonld"
        path.write_bytes(orjson.dumps(doc))
        files.append(str(path))
    assert main(["import", *files, "--config", str(config), "--workers", "1", "--json"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    assert summary["rejected"] == 0 and summary["created"] == 3, summary
