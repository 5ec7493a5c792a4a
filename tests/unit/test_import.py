"""Label Studio JSON exports into a store: import_labelstudio and `nblabel import`.

The export below has the shape Label Studio 1.23.2 writes (checked against a real export in
tests/server/test_team_sync.py): annotations with completed_by as a user id (a dict with the
e-mail where the snapshot was asked for it), predictions in full or as ids, ground truth
flags, nblabel's own task meta.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import nblabel
from nblabel import Labeler, Store
from nblabel.cli import main
from nblabel.importer import LabelStudioExportError

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


def choice(label: str) -> list[dict]:
    return [{"id": "c", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


USERS = {1: "ana@example.org", 2: "ben@example.org"}


def annotation(aid: int, user: int, email: str, label: str, **extra) -> dict:
    by = user if user in USERS else {"id": user, "email": email}  # cy: a snapshot with user details
    return {
        "id": aid,
        "completed_by": by,
        "result": choice(label),
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 3.5,
        "created_at": "2026-01-02T10:00:00.123456Z",
        "updated_at": "2026-01-02T10:05:00.000001Z",
        **extra,
    }


EXPORT = [
    {
        "id": 11,
        "data": {"review": "great"},
        "meta": {},
        "annotations": [
            annotation(1, 1, "ana@example.org", "positive"),
            annotation(2, 2, "ben@example.org", "negative", ground_truth=True),
            annotation(3, 3, "cy@example.org", "positive"),
        ],
        "predictions": [{"id": 5, "result": choice("positive"), "score": 0.9, "model_version": "v1"}],
    },
    {
        "id": 12,
        "data": {"review": "awful"},
        "meta": {},
        "annotations": [
            annotation(4, 1, "ana@example.org", "negative"),
            annotation(5, 1, "ana@example.org", "positive"),
        ],  # the same author twice
        "predictions": [7],
    },  # ids only (plain export)
    {
        "id": 13,
        "data": {"review": "pushed"},
        "meta": {"nblabel": {"key": "row-7", "store": "abc", "annotators": {"99": "teacher"}}},
        "annotations": [annotation(6, 1, "ana@example.org", "positive", import_id=99)],
        "predictions": [],
    },
]


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(EXPORT))
    return path


def test_an_export_brings_tasks_annotators_predictions_and_ground_truth(export, tmp_path):
    with Store(tmp_path / "s.db") as store:
        report = nblabel.import_labelstudio(export, store=store, config=CONFIG, annotators=USERS)
        assert (report.tasks, report.annotations, report.predictions) == (3, 7, 1)
        assert report.consensus == 1 and report.predictions_without_result == 1
        by = {(a["task_id"], a["annotator"]): a for a in store.annotations()}
        assert sorted(by) == [
            ("11", "ana@example.org"),
            ("11", "ben@example.org"),
            ("11", "consensus"),
            ("11", "cy@example.org"),
            ("12", "ana@example.org"),
            ("12", "ana@example.org (ls#5)"),
            ("row-7", "teacher"),
        ]
        assert by[("11", "consensus")]["result"] == choice("negative")  # ben's ground truth
        assert by[("11", "ana@example.org")]["updated_at"] == "2026-01-02T10:05:00.000001+00:00"
        assert by[("11", "ana@example.org")]["lead_time"] == 3.5
        assert store.predictions(["11"])["11"][0]["model_version"] == "v1"
        assert {t["id"]: t["data"] for t in store.tasks()}["row-7"] == {"review": "pushed"}


def test_importing_the_same_export_again_changes_nothing(export, tmp_path):
    with Store(tmp_path / "s.db") as store:
        nblabel.import_labelstudio(export, store=store, annotators=USERS)
        history = len(store.history())
        again = nblabel.import_labelstudio(export, store=store, annotators=USERS)
        assert again.annotations == 0 and again.skipped == 7
        assert len(store.history()) == history and len(store.annotations()) == 7


def test_imported_labels_show_in_a_labeler_over_the_same_tasks(export, tmp_path):
    nblabel.import_labelstudio(export, store=tmp_path / "s.db", annotators=USERS)
    df = pd.DataFrame({"review": ["great", "awful"]}, index=[11, 12])
    wide = Labeler(df, CONFIG, store=tmp_path / "s.db").to_dataframe()
    assert wide.loc[11, "sentiment"] == "negative" and not wide.loc[11, "sentiment_tie"]  # ground truth wins
    assert pd.isna(wide.loc[12, "sentiment"]) and wide.loc[12, "sentiment_tie"]  # ana's two answers: 1:1
    assert wide["n_annotators"].tolist() == [3, 2]


@pytest.mark.parametrize(
    "task, message",
    [
        ({"id": 14, "annotations": []}, r"task 3 \(id 14\): 'data' must be an object"),
        (
            {"id": 14, "data": {}, "annotations": [{"result": "positive"}]},
            r"task 3 \(id 14\): annotations\[0\].result must be a list",
        ),
        (
            {"id": 14, "data": {}, "annotations": [{"result": choice("maybe")}]},
            r"task 3 \(id 14\): annotations\[0\]: .*'maybe'",
        ),
        (
            {"id": 14, "data": {}, "predictions": [{"result": choice("positive"), "score": "high"}]},
            r"task 3 \(id 14\): predictions\[0\].score must be a number",
        ),
        ({"id": 11, "data": {}}, r"task 3 \(id 11\): a second task with key '11'"),
    ],
)
def test_a_malformed_export_names_the_task_and_writes_nothing(tmp_path, task, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(EXPORT + [task]))
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(LabelStudioExportError, match=message):
            nblabel.import_labelstudio(path, store=store, config=CONFIG)
        assert store.annotations() == [] and store.tasks() == []


def test_a_file_that_is_not_an_export_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"a": 1}')
    with pytest.raises(LabelStudioExportError, match="a list of tasks"):
        nblabel.import_labelstudio(path, store=tmp_path / "s.db")
    path.write_text("not json")
    with pytest.raises(LabelStudioExportError, match="is not JSON"):
        nblabel.import_labelstudio(path, store=tmp_path / "s.db")


def test_key_by_a_data_field(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "data": {"rid": "r1", "review": "x"},
                    "annotations": [annotation(1, 1, "ana@example.org", "positive")],
                }
            ]
        )
    )
    with Store(tmp_path / "s.db") as store:
        nblabel.import_labelstudio(path, store=store, key="rid")
        assert [(a["task_id"], a["annotator"]) for a in store.annotations()] == [("r1", "user-1")]  # no map


def test_the_import_command(export, tmp_path, capsys):
    config = tmp_path / "c.xml"
    config.write_text(CONFIG)
    db = tmp_path / "s.db"
    assert main(["import", str(export), "--store", str(db), "--config", str(config)]) == 0
    assert "imported 3 tasks, 7 annotations (0 already stored)" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": 3, "data": {}, "annotations": [{"result": 5}]}]))
    assert main(["import", str(bad), "--store", str(db)]) == 1
    assert "task 0 (id 3): annotations[0].result must be a list" in capsys.readouterr().err
