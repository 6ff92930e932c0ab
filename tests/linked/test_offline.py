"""Linked passports from files: ``validate --model/--batch`` and ``readiness --model/--batch``
on OpenEPCIS's published Amperia StaxWall 10 item, model and batch passports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from resolver.commands import readiness, validate

DATA = Path(__file__).parent / "data"
ITEM, MODEL, BATCH = (DATA / f"openepcis-amperia-staxwall-{n}.jsonld" for n in ("item", "model", "batch"))


def _validate(capsys: pytest.CaptureFixture[str], path: Path, **given: Path | None) -> dict[str, object]:
    args = argparse.Namespace(
        files=[path], json=True, format="auto", model=None, batch=None, profile=None, config=None
    )
    for role, file in given.items():
        setattr(args, role, file)
    validate.run(args)
    outcome: dict[str, object] = json.loads(capsys.readouterr().out)[0]
    return outcome


def _required(outcome: dict[str, object]) -> int:
    report = outcome["report"]
    assert isinstance(report, dict)
    return sum(": required" in r["message"] for r in report["results"])


def test_validate_with_model_and_batch_drops_the_missing_reports_they_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alone = _required(_validate(capsys, ITEM))
    linked = _required(_validate(capsys, ITEM, model=MODEL, batch=BATCH))
    assert 0 < linked < alone / 2  # what is left is missing from all three


def test_model_and_batch_passports_are_not_reported_for_what_their_items_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path in (MODEL, BATCH):
        outcome = _validate(capsys, path)
        assert _required(outcome) == 0, path


def test_readiness_counts_the_models_and_batchs_data_points(capsys: pytest.CaptureFixture[str]) -> None:
    counts = []
    for given in ({}, {"model": MODEL, "batch": BATCH}):
        args = argparse.Namespace(
            passport=str(ITEM),
            market="eu",
            on="2027-03-01",
            json=True,
            html=False,
            model=None,
            batch=None,
            profile=None,
            config=None,
        )
        for role, file in given.items():
            setattr(args, role, file)
        assert readiness.run(args) == 1
        report = json.loads(capsys.readouterr().out)
        counts.append(sum(line["status"] == "missing" for line in report["lines"]))
    assert counts[1] < counts[0] // 2
