"""Shared by every test layer: scripts/ (tools such as ls_server.py) is importable."""

import sys
from pathlib import Path

SCRIPTS = str(Path(__file__).resolve().parent / "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)
