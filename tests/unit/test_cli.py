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


THREE_MISTAKES = """<View>
  <Text name="text" value="$review"/>
  <Choise name="x" toName="text"/>
  <Choices name="sentiment" toName="text"><Choice value="a"/></Choices>
  <Rating name="r" toName="text" maxRating="lots"/>
  <Choices name="c2" toName="txt"><Choice value="b"/></Choices>
  <Choices name="sentiment" toName="text"><Choice value="c"/></Choices>
</View>"""


def test_every_mistake_is_reported_in_one_run_in_line_order(tmp_path, capsys):
    path = tmp_path / "bad.xml"
    path.write_text(THREE_MISTAKES)
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["line 3:3", "line 5:34", "line 6:22", "line 7:12"]
    assert "unknown tag <Choise>" in lines[0] and 'maxRating="lots"' in lines[1]
    assert 'toName="txt"' in lines[2] and 'duplicate name "sentiment"' in lines[3]
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert lines[-1] == f"{path}: 4 problems"


def test_every_missing_column_is_reported_with_the_cli_option_to_fix_it(tmp_path, capsys):
    path = tmp_path / "ok.xml"
    path.write_text('<View><Text name="t" value="$review"/><Header value="$title"/></View>')
    assert main(["validate", str(path), "--columns", "reviews,id"]) == 1
    err = capsys.readouterr().err
    assert "$review" in err and "$title" in err and "2 problems" in err
    assert "--columns" in err and "columns={" not in err


def test_an_unreadable_file_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_console_script_runs_as_a_module(tmp_path):
    path = tmp_path / "ok.xml"
    path.write_text(GOOD)
    proc = subprocess.run([sys.executable, "-m", "nblabel.cli", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- push / pull / export
# Everything decided before the first request to a server; the server side is in
# tests/server/test_cli_server.py.

import gzip  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402

import pytest  # noqa: E402

from nblabel import Store  # noqa: E402
from nblabel.cli import read_data  # noqa: E402

SYNC_CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
    '<Choice value="pos"/><Choice value="neg"/></Choices></View>'
)
SECRET = "s3cr3t-value-that-must-not-be-printed"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    cfg = tmp_path / "config.xml"
    cfg.write_text(SYNC_CONFIG)
    data = tmp_path / "tasks.csv"
    data.write_text("id,text\n1,good\n2,bad\n")
    return tmp_path, cfg, data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def push_args(tmp, cfg, data, *extra):
    return ["push", data, "--config", cfg, "--store", tmp / "s.db", "--project", "Reviews", *extra]


@pytest.mark.parametrize("form", [["--token", SECRET], [f"--token={SECRET}"], ["--api-key", SECRET], ["--key", SECRET]])
def test_a_token_on_the_command_line_is_refused_without_echo(files, capsys, form):
    tmp, cfg, data = files
    code, out, err = run(capsys, *push_args(tmp, cfg, data, *form))
    assert code == 1
    assert SECRET not in out + err
    assert "LABEL_STUDIO_API_KEY" in err and "--token-env" in err


def test_token_env_takes_a_name_never_the_key(files, capsys, monkeypatch):
    tmp, cfg, data = files
    code, out, err = run(capsys, *push_args(tmp, cfg, data, "--token-env", "Token " + SECRET))
    assert code == 1 and SECRET not in out + err and "NAME of an environment variable" in err
    code, out, err = run(capsys, *push_args(tmp, cfg, data, "--token-env", "MY_LS_KEY"))
    assert code == 1 and "MY_LS_KEY is not set" in err
    code, out, err = run(capsys, *push_args(tmp, cfg, data))
    assert code == 1 and "LABEL_STUDIO_API_KEY is not set" in err
    # no abbreviations: "--token-e" must not silently become --token-env
    code, out, err = run(capsys, *push_args(tmp, cfg, data, "--token-e", "X"))
    assert code == 1


def test_server_down_exits_3_and_names_the_url(files, capsys, monkeypatch):
    tmp, cfg, data = files
    monkeypatch.setenv("NBL_TEST_KEY", SECRET)
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run(
        capsys, *push_args(tmp, cfg, data, "--url", url, "--token-env", "NBL_TEST_KEY", "--no-progress")
    )
    assert code == 3, err
    assert url in err and "Cannot reach" in err and SECRET not in out + err
    monkeypatch.setenv("LABEL_STUDIO_URL", url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", SECRET)
    code, out, err = run(capsys, "pull", "--store", tmp / "s.db", "--project", "7", "--no-progress")
    assert code == 3 and url in err and SECRET not in out + err


def test_url_with_credentials_is_refused(files, capsys, monkeypatch):
    tmp, cfg, data = files
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "k")
    code, out, err = run(capsys, *push_args(tmp, cfg, data, "--url", f"http://admin:{SECRET}@127.0.0.1:9"))
    assert code == 1 and SECRET not in out + err


@pytest.mark.parametrize(
    "case, code, words",
    [
        ("missing data", 2, ["nope.csv", "no such file"]),
        ("data suffix", 1, ["tasks.xlsx", "DATA must end in"]),
        ("bad config", 1, ["bad.xml", "line"]),
        ("missing config", 2, ["missing.xml", "cannot read"]),
        ("index column", 1, ["--index 'key'", "columns: id, text"]),
        ("duplicate ids", 1, ["duplicate column 'id'", "1"]),
        ("variable not a column", 1, ["$text", "body"]),
        ("bad json", 1, ["tasks.json:2:", "not valid JSON"]),
        ("empty", 1, ["no tasks"]),
    ],
)
def test_input_errors_before_any_request(files, capsys, monkeypatch, case, code, words):
    tmp, cfg, data = files
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "k")
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{free_port()}")  # never reached
    extra: list = []
    if case == "missing data":
        data = tmp / "nope.csv"
    elif case == "data suffix":
        data = tmp / "tasks.xlsx"
        data.write_text("x")
    elif case == "bad config":
        cfg = tmp / "bad.xml"
        cfg.write_text('<View>\n<Text name="text" value="$text"/>\n<Choices name="c" toName="nope"/></View>')
    elif case == "missing config":
        cfg = tmp / "missing.xml"
    elif case == "index column":
        extra = ["--index", "key"]
    elif case == "duplicate ids":
        data.write_text("id,text\n1,a\n1,b\n")
        extra = ["--index", "id"]
    elif case == "variable not a column":
        data.write_text("id,body\n1,a\n")
    elif case == "bad json":
        data = tmp / "tasks.json"
        data.write_text('[{"text": "a"},\n {"text": }]')
    elif case == "empty":
        data.write_text("id,text\n")
    got, out, err = run(capsys, *push_args(tmp, cfg, data, *extra))
    assert got == code, err
    for w in words:
        assert w in err, err
    assert "Cannot reach" not in err


def test_usage_errors_exit_1_and_never_echo_values(capsys):
    code, _, err = run(capsys, "push", "x.csv")
    assert code == 1 and "--config" in err
    code, _, err = run(capsys, "export", "--store", "s.db", "--config", "c.xml", "--out", "o", "--format", "coco")
    assert code == 1 and "invalid choice" in err
    code, _, err = run(capsys, "pull", "--store", "s.db", "--project", "1", "--tok", SECRET)
    assert code == 1 and "--tok" in err and SECRET not in err
    assert run(capsys, "push", "--help")[0] == 0


# --------------------------------------------------------------------------- reading DATA


def test_read_csv_tsv_jsonl_and_compressed(tmp_path):
    (tmp_path / "a.csv").write_text("id,text\n10,x\n11,y\n")
    df, preds = read_data(str(tmp_path / "a.csv"), "id")
    assert list(df.index) == [10, 11] and list(df.text) == ["x", "y"] and preds == []
    (tmp_path / "a.tsv").write_text("id\ttext\n1\tx, with comma\n")
    df, _ = read_data(str(tmp_path / "a.tsv"))
    assert df.text[0] == "x, with comma" and list(df.index) == [0]
    (tmp_path / "a.jsonl").write_text('{"text": "x", "k": 1}\n\n{"text": "y", "k": 2}\n')
    df, _ = read_data(str(tmp_path / "a.jsonl"), "k")
    assert list(df.index) == [1, 2]
    with gzip.open(tmp_path / "a.csv.gz", "wt") as fh:
        fh.write("text\nzipped\n")
    df, _ = read_data(str(tmp_path / "a.csv.gz"))
    assert df.text[0] == "zipped"


def test_read_label_studio_tasks_with_predictions(tmp_path, capsys):
    tasks = [
        {
            "id": 7,
            "data": {"text": "a", "extra": {"n": 1}},
            "predictions": [{"model_version": "m1", "score": 0.5, "result": [{"from_name": "sentiment"}]}],
        },
        {"id": 8, "data": {"text": "b"}, "annotations": [{"result": []}]},
    ]
    (tmp_path / "t.json").write_text(json.dumps(tasks))
    df, preds = read_data(str(tmp_path / "t.json"))
    assert list(df.index) == [7, 8] and list(df.text) == ["a", "b"] and df.extra[7] == {"n": 1}
    assert preds == [(7, [{"from_name": "sentiment"}], 0.5, "m1")]
    assert "1 annotations in the file are not pushed" in capsys.readouterr().err


def test_parquet_reads_or_says_what_is_missing(tmp_path, capsys):
    import pandas as pd

    path = tmp_path / "t.parquet"
    try:
        pd.DataFrame({"text": ["a"]}).to_parquet(path)
    except ImportError:
        path.write_bytes(b"PAR1")
        from nblabel.cli import CliError

        with pytest.raises(CliError) as exc:
            read_data(str(path))
        assert exc.value.code == 2 and "parquet" in str(exc.value)
    else:
        df, _ = read_data(str(path))
        assert list(df.text) == ["a"]


# --------------------------------------------------------------------------- export


@pytest.fixture
def labeled(tmp_path):
    path = tmp_path / "labels.db"
    with Store(path) as s:
        s.save(
            1,
            {"text": "good"},
            [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}],
            annotator="ana",
        )
        s.save(
            2,
            {"text": "bad"},
            [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}],
            annotator="bo@example.org",
        )
    cfg = tmp_path / "config.xml"
    cfg.write_text(SYNC_CONFIG)
    return tmp_path, path, cfg


def test_export_json_min_and_csv(labeled, capsys):
    tmp, db, cfg = labeled
    code, out, err = run(
        capsys, "export", "--store", db, "--config", cfg, "--format", "JSON_MIN", "--out", tmp / "o.json"
    )
    assert code == 0, err
    rows = json.loads((tmp / "o.json").read_text())
    assert [(r["id"], r["sentiment"], r["annotator"]) for r in rows] == [
        (1, "pos", "ana"),
        (2, "neg", "bo@example.org"),
    ]
    assert "wrote 2 rows (2 tasks) as JSON_MIN" in out
    code, out, err = run(
        capsys, "export", "--store", db, "--config", cfg, "--format", "csv", "--out", "-", "--annotator", "ana"
    )
    assert code == 0, err
    assert (
        out.splitlines()[0]
        == '"annotation_id","annotator","created_at","id","lead_time","sentiment","text","updated_at"'
    )
    assert len(out.splitlines()) == 2 and '"ana"' in out


def test_export_errors(labeled, capsys):
    tmp, db, cfg = labeled
    code, _, err = run(capsys, "export", "--store", tmp / "none.db", "--config", cfg, "--out", tmp / "o.json")
    assert code == 2 and "none.db" in err and not (tmp / "none.db").exists()
    code, _, err = run(capsys, "export", "--store", db, "--config", cfg, "--out", tmp / "o.json", "--annotator", "anna")
    assert code == 1 and "'anna'" in err and "'ana'" in err and not (tmp / "o.json").exists()
    code, _, err = run(capsys, "export", "--store", db, "--config", cfg, "--out", tmp / "no" / "dir" / "o.json")
    assert code == 2 and "cannot write" in err
    (tmp / "text.db").write_text("not a database")
    code, _, err = run(capsys, "export", "--store", tmp / "text.db", "--config", cfg, "--out", tmp / "o.json")
    assert code == 2 and "not an nblabel store" in err


def test_export_warns_about_tasks_without_data(labeled, capsys):
    import sqlite3

    tmp, db, cfg = labeled
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM tasks WHERE key = '2'")
    code, out, err = run(capsys, "export", "--store", db, "--config", cfg, "--out", tmp / "o.json")
    assert code == 0 and "1 exported tasks have no data" in err


def test_version_prints_the_package_version(capsys):
    import nblabel

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nblabel {nblabel.__version__}"
