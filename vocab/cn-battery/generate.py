"""Writes the cn-battery profile files from the term table: ``python vocab/cn-battery/generate.py [ROOT]``.

build.py holds the table and writes the context and vocabulary; shapes_build.py writes the shapes
from the same table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import build  # beside this file
import shapes_build  # beside this file


def main(root: Path) -> None:
    """Write vocab/cn-battery/{context.jsonld, vocab.ttl} and shapes/cn-battery/*.ttl under ``root``."""
    vocab_dir = root / "vocab" / "cn-battery"
    vocab_dir.mkdir(parents=True, exist_ok=True)
    (vocab_dir / "context.jsonld").write_text(
        json.dumps(build.build_context(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (vocab_dir / "vocab.ttl").write_text(build.build_vocab(), encoding="utf-8")
    shapes_dir = root / "shapes" / "cn-battery"
    shapes_dir.mkdir(parents=True, exist_ok=True)
    for name, text in shapes_build.build_shapes().items():
        (shapes_dir / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
