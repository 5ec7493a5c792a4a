"""The wheel carries the built front end and the demo data, so `pip install` needs no node."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_bundle_and_the_demo_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("nblabel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "nblabel/static/widget.js",
        "nblabel/static/widget.css",
        "nblabel/data/reviews.csv",
        "nblabel/data/LICENSE-reviews.txt",
        "nblabel/data/ner_gold.jsonl",
        "nblabel/data/LICENSE-ner-gold.txt",
        "nblabel/config/tags.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("js/", "tests/")) for n in names)
    bundle = zipfile.ZipFile(wheel).read("nblabel/static/widget.js")
    assert b"sourceMappingURL" not in bundle and len(bundle) > 1000


def test_the_widget_loads_its_front_end_from_the_package():
    from nblabel.widget import Labeler

    source = str(Labeler._esm)
    assert "render" in source and len(source) > 1000


# --------------------------------------------------------------------------- release build

PYPROJECT = ROOT / "pyproject.toml"


def _python_versions() -> list[str]:
    """The Python interpreters to install the wheel into: the oldest and newest declared version
    found here (pyenv shims or PATH), else this interpreter. NBL_PYTHONS overrides (paths, comma-separated)."""
    import glob
    import os
    import shutil

    if os.environ.get("NBL_PYTHONS"):
        return [p for p in os.environ["NBL_PYTHONS"].split(",") if p]
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = []
    for minor in (10, 11, 12, 13):
        candidates = [shutil.which(f"python3.{minor}"), *sorted(glob.glob(f"{pyenv}/versions/3.{minor}.*/bin/python3"))]
        # pyenv's shims only run the versions selected for the directory: use the interpreters themselves
        usable = [c for c in candidates if c and "/shims/" not in c]
        if usable:
            found.append(usable[0])
    picks = [found[0], found[-1]] if found else []
    return list(dict.fromkeys(picks)) or [sys.executable]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """`python -m build` (sdist and wheel), then a second wheel built from the sdist with no node on PATH."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "-o", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    [sdist] = out.glob("nblabel-*.tar.gz")
    [wheel] = out.glob("nblabel-*.whl")
    return out, sdist, wheel


def test_the_sdist_carries_the_bundle_and_builds_a_wheel_without_node(dist, tmp_path):
    import shutil
    import tarfile

    _, sdist, wheel = dist
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path, filter="data")
    for needed in (
        "nblabel/static/widget.js",
        "nblabel/static/widget.css",
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "nblabel/py.typed",
        "nblabel/data/reviews.csv",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("js/", "tests/", "node_modules/")) for n in names), sorted(names)

    src = next(tmp_path.glob("nblabel-*"))
    bin_dir = str(Path(sys.executable).parent)
    assert shutil.which("node", path=bin_dir) is None, "the venv has a node: this would not prove anything"
    env = {"PATH": bin_dir, "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    out = tmp_path / "from-sdist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(src)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    [rebuilt] = out.glob("nblabel-*.whl")
    a, b = zipfile.ZipFile(wheel), zipfile.ZipFile(rebuilt)
    assert a.read("nblabel/static/widget.js") == b.read("nblabel/static/widget.js")
    assert sorted(a.namelist()) == sorted(b.namelist())


def test_the_metadata_has_one_version_and_declares_python_3_10_to_3_13(dist):
    import email

    import nblabel

    _, _, wheel = dist
    assert wheel.name.startswith(f"nblabel-{nblabel.__version__}-")
    with zipfile.ZipFile(wheel) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(meta_name))
    assert meta["Version"] == nblabel.__version__
    assert meta["Requires-Python"] == ">=3.10"
    classifiers = meta.get_all("Classifier")
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "License :: OSI Approved :: Apache Software License" in classifiers
    with zipfile.ZipFile(wheel) as z:  # the Apache-2.0 text travels with the wheel
        licence = [n for n in z.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert licence, z.namelist()
        assert "Apache License" in z.read(licence[0]).decode()
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"], "one version source: nblabel/__init__.py"


SMOKE = r"""
import json, sys, tempfile, pathlib, warnings
import nblabel
df = nblabel.load_reviews().head(20)
store = pathlib.Path(tempfile.mkdtemp()) / "s.nblabel.db"
lab = nblabel.Labeler(df, '''<View><Text name="t" value="$review"/>
  <Choices name="c" toName="t"><Choice value="a"/><Choice value="b"/></Choices></View>''', store=str(store))
bundle = lab._repr_mimebundle_()
bundle = bundle[0] if isinstance(bundle, tuple) else bundle
print(json.dumps({"python": sys.version.split()[0], "version": nblabel.__version__,
                  "esm": len(str(lab._esm)), "css": len(str(lab._css)),
                  "view": "application/vnd.jupyter.widget-view+json" in bundle,
                  "total": lab.total, "rows": len(lab.to_dataframe()), "store": store.exists(),
                  "location": nblabel.__file__}))
"""


@pytest.mark.parametrize("python", _python_versions())
def test_the_wheel_installs_into_a_fresh_venv_and_renders_a_labeler(dist, tmp_path, python):
    """A fresh venv with no dev dependencies: pip install the wheel, construct and display a Labeler."""
    import json

    _, _, wheel = dist
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
    vpy = venv / "bin" / "python"
    # --no-compile: byte-compiling pandas and numpy costs CPU and is not what is under test
    pip = subprocess.run(
        [str(vpy), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    listed = subprocess.run(
        [str(vpy), "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout.lower()
    for dev_only in ("pytest", "jupyterlab", "playwright", "nbval", "marimo"):
        assert f"\n{dev_only}==" not in "\n" + listed, f"{dev_only} got into a plain install"
    run = subprocess.run([str(vpy), "-c", SMOKE], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["location"].startswith(str(venv)), got  # the installed copy, not the work tree
    assert got["esm"] > 1000 and got["css"] > 100 and got["view"], got
    assert got["total"] == 20 and got["rows"] == 20 and got["store"], got
    version = subprocess.run([str(venv / "bin" / "nblabel"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"nblabel {got['version']}", version
