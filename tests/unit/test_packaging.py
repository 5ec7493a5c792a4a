"""The wheel carries the built front end and the demo data, so `pip install` needs no node."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_bundle_and_the_demo_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("nblabel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("nblabel/static/widget.js", "nblabel/static/widget.css", "nblabel/data/reviews.csv",
                   "nblabel/data/LICENSE-reviews.txt", "nblabel/data/ner_gold.jsonl",
                   "nblabel/data/LICENSE-ner-gold.txt", "nblabel/config/tags.py"):
        assert needed in names, needed
    assert not any(n.startswith(("js/", "tests/")) for n in names)
    bundle = zipfile.ZipFile(wheel).read("nblabel/static/widget.js")
    assert b"sourceMappingURL" not in bundle and len(bundle) > 1000


def test_the_widget_loads_its_front_end_from_the_package():
    from nblabel.widget import Labeler

    source = str(Labeler._esm)
    assert "render" in source and len(source) > 1000
