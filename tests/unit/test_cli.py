"""`nblabel validate`: the config check for scripts, with line:col and exit codes."""

from __future__ import annotations

import subprocess
import sys

from nblabel.cli import main

GOOD = '<View><Text name="t" value="$review"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'


def test_a_valid_config_is_summarised(tmp_path, capsys):
    path = tmp_path / "ok.xml"
    path.write_text(GOOD)
    assert main(["validate", str(path)]) == 0
    assert "controls: c (Choices); variables: $review" in capsys.readouterr().out


def test_an_invalid_config_names_line_and_column(tmp_path, capsys):
    path = tmp_path / "bad.xml"
    path.write_text('<View>\n  <Text name="t" value="$x"/>\n  <Choise name="c" toName="t"/>\n</View>')
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "line 3:3" in err and "Choice" in err


def test_a_missing_column_is_reported_with_the_closest_one(tmp_path, capsys):
    path = tmp_path / "ok.xml"
    path.write_text(GOOD)
    assert main(["validate", str(path), "--columns", "reviews,id"]) == 1
    assert "reviews" in capsys.readouterr().err


def test_an_unreadable_file_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_console_script_runs_as_a_module(tmp_path):
    path = tmp_path / "ok.xml"
    path.write_text(GOOD)
    proc = subprocess.run([sys.executable, "-m", "nblabel.cli", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
