"""Shared by every test layer: scripts/ (tools such as ls_server.py) is importable, and the nbval
plumbing for notebooks/ (tests/nbval_notebooks.py) is loaded as a plugin, so notebooks/ holds only
what users open."""

import sys
from pathlib import Path

SCRIPTS = str(Path(__file__).resolve().parent / "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

TESTS = str(Path(__file__).resolve().parent / "tests")
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

pytest_plugins = ["nbval_notebooks"]
