"""nblabel.export: the store as Label Studio JSON / JSON_MIN / CSV / TSV, and the format registry.

The flat formats are checked against Label Studio's own converter (label-studio-sdk in the server's
venv, when it is installed) on the same task JSON; tests/server/test_cli_server.py compares them
with a real server's exports too.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import ls_server  # scripts/ (root conftest.py)
import pytest

from nblabel import Store, parse_config
from nblabel.export import FORMATS, ExportFormat, dumps_csv, export_store, json_min_rows, register, store_tasks

REPO = Path(__file__).resolve().parents[2]
LS_PYTHON = ls_server.VENV / "bin" / "python"  # $NBL_LS_CACHE/ls-venv, else .cache/ls-venv

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Choices name="tags" toName="text" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>
  <TextArea name="note" toName="text"/>
  <Labels name="ner" toName="text"><Label value="PER"/></Labels>
  <Rating name="stars" toName="text"/>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="cat"/></RectangleLabels>
</View>"""


def choice(value, name="sentiment"):
    return {
        "from_name": name,
        "to_name": "text",
        "type": "choices",
        "value": {"choices": value if isinstance(value, list) else [value]},
    }


# Task JSON covering the converter's cases: several annotators, newest first, a cancelled one,
# a task without annotations, one with only skips, a data key clashing with a control, nested
# data, unknown from_names, boxes with original_*, multi-choice, multi-line text, spans.
TASKS = [
    {
        "id": 1,
        "data": {"text": "good", "sentiment": "clash", "meta": {"k": [1, 2]}, "n": 3, "none": None, "flag": True},
        "annotations": [
            {
                "id": 10,
                "completed_by": {"email": "x@y.org"},
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
                "lead_time": 1.5,
                "result": [
                    choice("pos"),
                    choice(["a", "b"], "tags"),
                    {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ['say "hi"']}},
                    {
                        "from_name": "ner",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 0, "end": 1, "text": "g", "labels": ["PER"]},
                    },
                    {
                        "from_name": "ner",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 2, "end": 3, "text": "o", "labels": ["PER"]},
                    },
                    choice("z", "ghost"),
                ],
            },
            {
                "id": 11,
                "completed_by": 7,
                "created_at": "2024-02-01T00:00:00Z",
                "updated_at": "2024-02-01T00:00:00Z",
                "lead_time": None,
                "result": [choice("neg")],
            },
            {
                "id": 12,
                "completed_by": "ana",
                "was_cancelled": True,
                "created_at": "2024-03-01T00:00:00Z",
                "result": [],
            },
        ],
        # predictions never reach the flat formats (Label Studio's converter reads annotations only)
        "predictions": [
            {"id": 4, "result": [choice("pos"), choice(["b"], "tags")], "model_version": "m1", "score": 0.9, "task": 1}
        ],
    },
    {
        "id": 2,
        "data": {"text": "no annotations", "sentiment": "x"},
        "annotations": [],
        "predictions": [{"id": 5, "result": [choice("neg")], "model_version": "m1", "score": 0.6, "task": 2}],
    },
    {
        "id": 3,
        "data": {"text": "skipped only"},
        "annotations": [
            {"id": 13, "completed_by": "bob", "was_cancelled": True, "result": [], "created_at": "2024-01-01"}
        ],
    },
    {
        "id": "ls-4",
        "data": {"text": "ünïcode ✓", "image": "img.png"},
        "annotations": [
            {
                "id": 14,
                "completed_by": "bob",
                "created_at": "2024-01-01",
                "updated_at": "2024-01-02",
                "lead_time": 2,
                "result": [
                    {
                        "id": "r1",
                        "from_name": "box",
                        "to_name": "img",
                        "type": "rectanglelabels",
                        "original_width": 640,
                        "original_height": 480,
                        "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 0, "rectanglelabels": ["cat"]},
                    },
                    {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": 4}},
                    {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["l1", "l2"]}},
                ],
            }
        ],
    },
]


@pytest.fixture(scope="module")
def spec():
    return parse_config(CONFIG)


# --------------------------------------------------------------------------- JSON_MIN


def test_json_min_rows_follow_label_studio(spec):
    rows = list(json_min_rows(TASKS, spec))
    # task 1: two non-cancelled annotations, newest first; task 2: one bare row; task 3: none
    assert [(r["id"], r["annotation_id"]) for r in rows] == [(1, 11), (1, 10), (2, None), ("ls-4", 14)]
    newest, older, bare, boxes = rows
    assert newest["sentiment"] == "neg" and newest["annotator"] == 7  # an int id stays an int
    assert older["sentiment"] == "pos"  # a control overrides the data key in JSON_MIN
    assert older["tags"] == {"choices": ["a", "b"]}  # one item, several choices: the value dict
    assert older["note"] == 'say "hi"'  # one TextArea line: a bare string
    assert older["ner"] == [
        {"start": 0, "end": 1, "text": "g", "labels": ["PER"]},
        {"start": 2, "end": 3, "text": "o", "labels": ["PER"]},
    ]
    assert "ghost" not in older  # not a control of the config
    assert older["annotator"] == "x@y.org" and older["lead_time"] == 1.5
    assert list(older)[:7] == ["text", "sentiment", "meta", "n", "none", "flag", "id"]  # data keys first
    assert list(older)[-5:] == ["annotator", "annotation_id", "created_at", "updated_at", "lead_time"]
    assert bare == {
        "text": "no annotations",
        "sentiment": "x",
        "id": 2,
        "annotator": None,
        "annotation_id": None,
        "created_at": None,
        "updated_at": None,
        "lead_time": None,
    }
    assert boxes["box"] == [
        {
            "x": 1,
            "y": 2,
            "width": 3,
            "height": 4,
            "rotation": 0,
            "rectanglelabels": ["cat"],
            "original_width": 640,
            "original_height": 480,
        }
    ]
    assert boxes["stars"] == [{"rating": 4}] and boxes["note"] == {"text": ["l1", "l2"]}
    assert TASKS[0]["annotations"][0]["result"][0]["value"] == {"choices": ["pos"]}  # input untouched


def test_csv_columns_sorted_clash_renamed_values_json(spec):
    text = dumps_csv(TASKS, spec)
    header = next(csv.reader(io.StringIO(text)))
    assert header == sorted(header)
    assert "_data_sentiment" in header and "sentiment" in header  # the data key moved aside
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert rows[0]["annotator"] == "7" and rows[0]["sentiment"] == "neg" and rows[0]["_data_sentiment"] == "clash"
    assert json.loads(rows[1]["ner"])[1]["start"] == 2
    assert json.loads(rows[1]["meta"]) == {"k": [1, 2]}
    assert rows[1]["note"] == 'say "hi"'
    assert rows[3]["text"] == "ünïcode ✓"
    assert text.splitlines()[1].split(",")[1] == "11"  # numbers unquoted (QUOTE_NONNUMERIC)
    tsv = dumps_csv(TASKS, spec, sep="\t")
    assert next(csv.reader(io.StringIO(tsv), delimiter="\t")) == header


@pytest.mark.skipif(not LS_PYTHON.exists(), reason="label-studio-sdk (the server's venv) is not installed")
def test_flat_formats_equal_label_studio_converter(spec, tmp_path):
    """Label Studio's own converter (label-studio-sdk 2.1.2) on the same task JSON is the oracle."""
    (tmp_path / "tasks.json").write_text(json.dumps(TASKS))
    (tmp_path / "config.xml").write_text(CONFIG)
    script = (
        "import sys; from label_studio_sdk.converter import Converter\n"
        "d = sys.argv[1]\n"
        "c = Converter(config=open(d + '/config.xml').read(), project_dir=None, download_resources=False)\n"
        "c.convert_to_json_min(d + '/tasks.json', d + '/min', is_dir=False)\n"
        "c.convert_to_csv(d + '/tasks.json', d + '/csv', is_dir=False, sep=',')\n"
        "c.convert_to_csv(d + '/tasks.json', d + '/tsv', is_dir=False, sep='\\t')\n"
    )
    proc = subprocess.run([str(LS_PYTHON), "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads((tmp_path / "min" / "result.json").read_text())
    mine = list(json_min_rows(TASKS, spec))
    assert mine == theirs
    assert [list(r) for r in mine] == [list(r) for r in theirs]  # same key order
    # CSV: same bytes, except that the SDK's JSON escapes "/" as "\/" inside JSON cells (none here)
    assert dumps_csv(TASKS, spec).encode() == (tmp_path / "csv" / "result.csv").read_bytes()
    assert dumps_csv(TASKS, spec, sep="\t").encode() == (tmp_path / "tsv" / "result.csv").read_bytes()


# --------------------------------------------------------------------------- the store as task JSON


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "labels.db")
    s.save(0, {"text": "fine", "n": 1}, [choice("pos")], annotator="ana", lead_time=2.0)
    s.save(0, {"text": "fine", "n": 1}, [choice("neg")], annotator="bo@example.org")
    s.save("a-b", {"text": "str id"}, [], annotator="ana", was_cancelled=True)
    s.save(5, {"text": "cleared"}, [choice("pos")], annotator="ana")
    s.save(5, {"text": "cleared"}, [], annotator="ana")  # a clear: no annotation left
    s.add_predictions([(0, [choice("pos")], 0.75, "m1"), (5, [choice("neg")], None, "m1")])
    yield s
    s.close()


def test_store_tasks_are_label_studio_task_json(store):
    tasks = list(store_tasks(store))
    assert [t["id"] for t in tasks] == [0, "a-b"]  # int keys as ints; the cleared task has no annotation
    t0 = tasks[0]
    assert t0["data"] == {"text": "fine", "n": 1}
    anns = t0["annotations"]
    assert [a["completed_by"] for a in anns] == ["ana", {"email": "bo@example.org"}]
    assert anns[0]["result"] == [choice("pos")] and anns[0]["lead_time"] == 2.0 and anns[0]["ground_truth"] is False
    assert isinstance(anns[0]["id"], int) and anns[0]["created_at"] and anns[0]["updated_at"]
    # as Label Studio's full-prediction export writes them (without its server-only keys)
    (p0,) = t0["predictions"]
    assert list(p0) == ["id", "result", "model_version", "score", "created_at", "updated_at", "task"]
    assert p0["result"] == [choice("pos")] and p0["score"] == 0.75 and p0["model_version"] == "m1"
    assert isinstance(p0["id"], int) and p0["task"] == 0 and p0["created_at"] == p0["updated_at"] != ""
    assert tasks[1]["annotations"][0]["was_cancelled"] is True

    only_bo = list(store_tasks(store, "bo@example.org"))
    assert [t["id"] for t in only_bo] == [0] and len(only_bo[0]["annotations"]) == 1
    every = list(store_tasks(store, "*", all_tasks=True))
    assert [t["id"] for t in every] == [0, "a-b", 5]
    assert every[2]["annotations"] == [] and every[2]["predictions"][0]["model_version"] == "m1"


def test_store_rows_through_json_min(store, spec):
    rows = list(json_min_rows(store_tasks(store), spec))
    assert sorted((r["annotator"], r["sentiment"]) for r in rows) == [("ana", "pos"), ("bo@example.org", "neg")]
    assert all(r["id"] == 0 for r in rows)  # the skipped-only task gives no row


@pytest.mark.parametrize("fmt", ["json", "json_min", "csv", "tsv"])
def test_export_store_writes_every_registered_format(store, spec, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    res = export_store(store, spec, out, fmt)
    assert res.path == out and res.tasks == 2
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        assert res.records == 2 and [t["id"] for t in data] == [0, "a-b"]
    elif fmt == "json_min":
        assert res.records == 2 and len(json.loads(text)) == 2
    else:
        rows = list(csv.DictReader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        assert res.records == 2 and {r["annotator"] for r in rows} == {"ana", "bo@example.org"}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_big_export_shows_progress_and_a_small_one_does_not(store, spec, tmp_path, capsys, monkeypatch):
    import re

    import nblabel.export.core as core

    monkeypatch.delenv("NBL_PROGRESS", raising=False)
    export_store(store, spec, tmp_path / "small.json", "json", progress=True)
    assert capsys.readouterr().err == ""  # 3 stored tasks < PROGRESS_FROM
    monkeypatch.setattr(core, "PROGRESS_FROM", 3)
    export_store(store, spec, tmp_path / "big.json", "json", progress=True)
    lines = re.split(r"[\r\n]+", capsys.readouterr().err)
    assert any(ln.startswith("export json: 2 (") for ln in lines), lines  # the 2 exported tasks
    export_store(store, spec, tmp_path / "quiet.json", "json", progress=False)
    assert capsys.readouterr().err == ""


def test_empty_export_is_an_empty_list(tmp_path, spec):
    with Store(tmp_path / "empty.db") as s:
        res = export_store(s, spec, tmp_path / "e.json", "json")
    assert res.records == 0 and json.loads((tmp_path / "e.json").read_text()) == []


def test_failed_export_leaves_no_file(store, spec, tmp_path):
    def boom(tasks, spec, path):
        path.write_text("half")
        raise RuntimeError("disk full")

    FORMATS["boom"] = ExportFormat("BOOM", ".x", "fails", boom)
    try:
        with pytest.raises(RuntimeError):
            export_store(store, spec, tmp_path / "x.out", "boom")
    finally:
        del FORMATS["boom"]
    assert list(tmp_path.glob("x.out*")) == [] and list(tmp_path.glob(".x.out*")) == []


def test_registry_takes_new_formats(store, spec, tmp_path):
    def ids(tasks, spec, path):
        lines = [str(t["id"]) for t in tasks]
        path.write_text("\n".join(lines))
        return len(lines)

    fmt = register("ids_test", ExportFormat("IDS", ".txt", "task ids, one per line", ids))
    try:
        assert FORMATS["ids_test"] is fmt
        with pytest.raises(ValueError, match="already registered"):
            register("IDS_TEST", fmt)
        res = export_store(store, spec, tmp_path / "ids.txt", "IDS_TEST")
        assert res.records == 2 and (tmp_path / "ids.txt").read_text() == "0\na-b"
    finally:
        del FORMATS["ids_test"]
    with pytest.raises(ValueError, match="unknown export format 'coco'.*json_min"):
        export_store(store, spec, tmp_path / "c.json", "coco")


def test_annotations_without_task_data_are_flagged(store, spec, tmp_path):
    import sqlite3

    with sqlite3.connect(store.path) as conn:  # as after a pull of a task pushed from a DataFrame
        conn.execute("DELETE FROM tasks WHERE key = '0'")
    tasks = list(store_tasks(store))
    assert [t["id"] for t in tasks] == ["a-b", 0]
    assert tasks[1]["data"] == {} and tasks[1]["meta"] == {"nblabel_missing_data": True}
    assert len(tasks[1]["annotations"]) == 2
    res = export_store(store, spec, tmp_path / "o.json", "json_min")
    assert res.missing_data == 1 and res.tasks == 2


def test_all_tasks_adds_predicted_tasks_with_data_from_task_data(store, spec, tmp_path):
    store.add_predictions([(9, [choice("neg")], 0.4, "m2"), ("x", [choice("pos")], 0.8, "m2")])
    # without a source of task data: exported, flagged as missing data
    every = {t["id"]: t for t in store_tasks(store, all_tasks=True)}
    assert list(every) == [0, "a-b", 5, 9, "x"]
    assert every[9]["data"] == {} and every[9]["meta"] == {"nblabel_missing_data": True}
    assert every[9]["annotations"] == [] and every[9]["predictions"][0]["score"] == 0.4

    asked = []

    def task_data(keys):
        asked.append(list(keys))
        return {"9": {"text": "nine"}}  # knows one of the two

    every = {t["id"]: t for t in store_tasks(store, all_tasks=True, task_data=task_data)}
    assert asked == [["9", "x"]]  # only the tasks without a snapshot are looked up
    assert every[9]["data"] == {"text": "nine"} and "meta" not in every[9]
    assert every["x"]["meta"] == {"nblabel_missing_data": True}
    assert every[0]["data"] == {"text": "fine", "n": 1}  # a snapshot wins
    # the default export stays Label Studio's: annotated tasks only
    assert [t["id"] for t in store_tasks(store, task_data=task_data)] == [0, "a-b"]
    res = export_store(store, spec, tmp_path / "all.csv", "csv", all_tasks=True, task_data=task_data)
    assert res.tasks == 5 and res.missing_data == 1
