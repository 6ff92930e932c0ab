"""Writes the cn-battery profile files from the term table: ``python vocab/cn-battery/generate.py [ROOT]``.

build.py holds the table and writes the context and vocabulary; shapes_build.py writes the shapes
from the same table; vocab/profile_build.py, shared by both profiles, writes the files.
"""

import sys
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # vocab/: profile_build
import build
import profile_build
import shapes_build

if __name__ == "__main__":
    profile_build.generate("cn-battery", build, shapes_build, sys.argv[1:])
