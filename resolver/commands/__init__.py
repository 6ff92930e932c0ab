"""The ``passport-node`` commands; each module has ``add_parser(subparsers: Subparsers)``."""

import argparse
from typing import TypeAlias

# What ``add_parser`` of each command module is given (argparse names no public type for it).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
