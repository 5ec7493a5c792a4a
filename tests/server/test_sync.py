"""nblabel.sync against a real Label Studio 1.23.2 server (fixtures in conftest.py).

Everything read back is checked through the plain REST API (`raw`). Faults are real: a loopback
proxy that loses the answer to an import the server did carry out, or answers 500 instead of
forwarding it, and a second server that is stopped in the middle of a push.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import sqlite3
import socket
import sys
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest
import requests

from nblabel import Labeler, parse_config
from nblabel.frame import TaskSource
from nblabel.labelstudio import (
    AuthError,
    ConfigMismatchWarning,
    ConnectionFailed,
    LabelStudio,
    Project,
    ServerError,
    ValidationError,
)
from faults import FaultProxy
from nblabel.store import Store
import nblabel.sync as sync_module
from nblabel.sync import PullReport, PushReport, pull, push, remote_id

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ents" toName="text"><Label value="LOC"/><Label value="ORG"/></Labels>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple"><Choice value="price"/><Choice value="quality"/></Choices>
  <TextArea name="note" toName="text"/>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="amount" toName="text"/>
</View>"""
SPEC = parse_config(CONFIG)


def item(rid: str, name: str, typ: str, value: dict) -> dict:
    return {"id": rid, "from_name": name, "to_name": "text", "type": typ, "value": value}


def every_type(i: int) -> list[dict]:
    """One result item of every type the front end has, plus a text span."""
    return [
        {**item(f"s{i}", "sentiment", "choices", {"choices": ["positive"]}), "origin": "manual"},
        item(f"t{i}", "topics", "choices", {"choices": ["price", "quality"]}),
        item(f"n{i}", "note", "textarea", {"text": ["first line", "ünïcødé ✓ 日本"]}),
        item(f"r{i}", "stars", "rating", {"rating": 4}),
        item(f"a{i}", "amount", "number", {"number": 2.5}),
        item(f"e{i}", "ents", "labels", {"start": 0, "end": 5, "text": "Paris", "labels": ["LOC"]}),
    ]


def sentiment(value: str, rid: str = "s") -> list[dict]:
    return [item(rid, "sentiment", "choices", {"choices": [value]})]


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"Paris review {i}" for i in range(n)]}, index=pd.RangeIndex(100, 100 + n))


@pytest.fixture
def project_config() -> str:
    return CONFIG


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "labels.db") as s:
        yield s


def label(store: Store, df: pd.DataFrame, pos: int, result: list[dict], who: str = "ana", **kw: Any) -> dict:
    tid = df.index[pos]
    return store.save(tid, {"text": df.text.iloc[pos]}, result, annotator=who, **kw)


def counts(raw: Any, project_id: int) -> tuple[int, int, int]:
    tasks = raw.all_tasks(project_id)
    return len(tasks), sum(len(t["annotations"]) for t in tasks), sum(len(t["predictions"]) for t in tasks)


def by_key(raw: Any, project_id: int) -> dict[str, dict]:
    return {t["meta"]["nblabel"]["key"]: t for t in raw.all_tasks(project_id) if "nblabel" in (t["meta"] or {})}


def quiet_push(*args: Any, **kw: Any) -> PushReport:
    kw.setdefault("progress", False)
    return push(*args, **kw)


def quiet_pull(*args: Any, **kw: Any) -> PullReport:
    kw.setdefault("progress", False)
    return pull(*args, **kw)


def store_rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --------------------------------------------------------------------------- round trips


def test_push_sends_every_result_type_and_the_raw_api_reads_it_back_equal(
    store: Store, project: Project, raw: Any, ls_server: Any
) -> None:
    df = frame(12)
    for pos in range(5):
        label(store, df, pos, every_type(pos), lead_time=3.5)
    label(store, df, 5, [], was_cancelled=True)  # a skip
    store.add_predictions([(df.index[p], sentiment("negative", f"p{p}"), 0.25 * (p % 4), "tfidf-1") for p in range(12)])

    report = quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project, batch_size=5)

    assert (report.tasks_created, report.annotations_created, report.predictions_created) == (12, 6, 12)
    tasks = by_key(raw, project.id)
    assert sorted(tasks) == sorted(str(i) for i in df.index)
    admin = requests.get(
        f"{ls_server.url}/api/current-user/whoami", headers={"Authorization": f"Token {ls_server.token}"}, timeout=30
    ).json()["id"]
    for pos, tid in enumerate(df.index):
        task = tasks[str(tid)]
        assert task["data"] == {"text": df.text.iloc[pos]}
        assert task["meta"]["nblabel"]["store"] == store.store_id
        assert [(p["result"], p["model_version"], p["score"]) for p in task["predictions"]] == [
            (sentiment("negative", f"p{pos}"), "tfidf-1", 0.25 * (pos % 4))
        ]
        if pos < 5:
            (ann,) = task["annotations"]
            assert ann["result"] == every_type(pos)  # item ids, order, unicode: all as stored
            assert (ann["ground_truth"], ann["was_cancelled"], ann["lead_time"]) == (False, False, 3.5)
            assert ann["completed_by"] == admin  # "ana" is no member: sent as the key's user ...
            assert task["meta"]["nblabel"]["annotators"] == {str(ann["import_id"]): "ana"}  # ... named here
        elif pos == 5:
            assert [(a["result"], a["was_cancelled"]) for a in task["annotations"]] == [([], True)]
        else:
            assert task["annotations"] == []


@pytest.mark.parametrize("method", ["pages", "export", "snapshot"])
def test_annotations_made_in_label_studio_are_pulled_equal(
    store: Store, project: Project, raw: Any, ls_server: Any, method: str
) -> None:
    df = frame(6)
    quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project)
    tasks = by_key(raw, project.id)
    made = {}
    for pos in range(3):
        r = raw.call(
            "POST",
            f"/api/tasks/{tasks[str(df.index[pos])]['id']}/annotations",
            json={"result": every_type(pos), "lead_time": 7.0},
        )
        assert r.status_code == 201, r.text
        made[str(df.index[pos])] = r.json()
    # a task created in Label Studio, labeled there
    r = raw.call(
        "POST",
        f"/api/projects/{project.id}/import",
        params={"return_task_ids": "true"},
        json=[{"data": {"text": "made in LS"}, "annotations": [{"result": sentiment("neutral", "z")}]}],
    )
    ls_task = r.json()["task_ids"][0]

    report = quiet_pull(store, SPEC, project, method=method)

    assert (report.tasks_seen, report.annotations_new, report.annotations_updated, report.conflicts) == (7, 4, 0, 0)
    admin = ls_server.username
    for key, ann in made.items():
        stored = store.annotation(key, admin)
        assert stored["result"] == ann["result"] == every_type(int(key) - 100)
        assert stored["lead_time"] == 7.0 and stored["was_cancelled"] is False
    assert store.annotation(f"ls-{ls_task}", admin)["result"] == sentiment("neutral", "z")
    assert {"id": f"ls-{ls_task}", "data": {"text": "made in LS"}} in [
        {k: t[k] for k in ("id", "data")} for t in store.tasks()
    ]
    again = quiet_pull(store, SPEC, project, method=method)
    assert (again.annotations_new, again.annotations_updated, again.conflicts) == (0, 0, 0)
    assert len(store.annotations()) == 4


VISION_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="cat"/><Label value="dog"/></RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="cat"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="image"><Label value="eye"/></KeyPointLabels>
  <BrushLabels name="brush" toName="image"><Label value="cat"/></BrushLabels>
  <Taxonomy name="tax" toName="image"><Choice value="Animal"><Choice value="Cat"/></Choice></Taxonomy>
  <Relations><Relation value="near"/></Relations>
</View>"""


def vision_result(i: int) -> list[dict]:
    """Regions of every image family (box, polygon, keypoint, brush RLE), a taxonomy path and a
    relation between two regions: sync carries results whatever the widget renders."""

    def region(rid: str, name: str, typ: str, value: dict) -> dict:
        return {
            "id": f"{rid}{i}",
            "from_name": name,
            "to_name": "image",
            "type": typ,
            "original_width": 640,
            "original_height": 480,
            "image_rotation": 0,
            "value": value,
        }

    return [
        region(
            "b",
            "box",
            "rectanglelabels",
            {"x": 10.5 + i, "y": 20.25, "width": 30, "height": 15, "rotation": 0, "rectanglelabels": ["cat"]},
        ),
        region(
            "p",
            "poly",
            "polygonlabels",
            {"points": [[1.5, 2], [30, 40], [5, 60.75]], "closed": True, "polygonlabels": ["cat"]},
        ),
        region("k", "kp", "keypointlabels", {"x": 5, "y": 6, "width": 0.5, "keypointlabels": ["eye"]}),
        region("r", "brush", "brushlabels", {"format": "rle", "rle": [0, 1, 2, 250, 13, i], "brushlabels": ["cat"]}),
        {
            "id": f"t{i}",
            "from_name": "tax",
            "to_name": "image",
            "type": "taxonomy",
            "value": {"taxonomy": [["Animal", "Cat"]]},
        },
        {"from_id": f"b{i}", "to_id": f"k{i}", "type": "relation", "direction": "right", "labels": ["near"]},
    ]


@pytest.mark.parametrize("project_config", [VISION_CONFIG])
def test_image_regions_taxonomy_and_relations_go_both_ways_unchanged(
    store: Store, project: Project, raw: Any, ls_server: Any
) -> None:
    spec = parse_config(VISION_CONFIG)
    df = pd.DataFrame({"image": [f"/data/local-files/?d=img/{i}.jpg" for i in range(3)]}, index=["a", "b", "c"])
    store.save("a", {"image": df.image.iloc[0]}, vision_result(0), annotator="ana")
    quiet_push(store, TaskSource(df, {"image": "image"}), spec, project)
    tasks = by_key(raw, project.id)
    assert [a["result"] for a in tasks["a"]["annotations"]] == [vision_result(0)]
    r = raw.call("POST", f"/api/tasks/{tasks['b']['id']}/annotations", json={"result": vision_result(1)})
    assert r.status_code == 201, r.text

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every result fits the config: no misfit warning
        report = quiet_pull(store, spec, project)

    assert (report.annotations_new, report.annotations_updated, report.conflicts) == (1, 0, 0)
    assert store.annotation("b", ls_server.username)["result"] == vision_result(1)
    assert store.annotation("a", "ana")["result"] == vision_result(0)


def test_push_twice_and_after_a_pull_creates_nothing_twice(store: Store, project: Project, raw: Any) -> None:
    df = frame(20)
    source = TaskSource(df, {"text": "text"})
    for pos in range(0, 20, 3):
        label(store, df, pos, sentiment("positive", f"s{pos}"))
    store.add_predictions([(t, sentiment("neutral"), 0.5, "v1") for t in df.index])
    first = quiet_push(store, source, SPEC, project, batch_size=6)
    assert counts(raw, project.id) == (20, 7, 20)
    second = quiet_push(store, source, SPEC, project, batch_size=6)
    assert dataclasses.astuple(second)[:5] == (0, 0, 0, 0, 0) and second.unchanged == 47
    quiet_pull(store, SPEC, project)
    third = quiet_push(store, source, SPEC, project, batch_size=6)
    assert dataclasses.astuple(third)[:5] == (0, 0, 0, 0, 0)
    assert counts(raw, project.id) == (20, 7, 20)
    assert first.tasks_created == 20

    # only what changed goes: one edit, one new label, one new prediction, one new row
    label(store, df, 0, sentiment("negative", "s0"))
    label(store, df, 1, sentiment("neutral", "s1"))
    store.add_predictions([(df.index[2], sentiment("positive"), 0.9, "v2")])
    df2 = pd.concat([df, frame(21).iloc[20:]])
    fourth = quiet_push(store, TaskSource(df2, {"text": "text"}), SPEC, project, batch_size=6)
    assert (
        fourth.tasks_created,
        fourth.annotations_created,
        fourth.annotations_updated,
        fourth.predictions_created,
    ) == (1, 1, 1, 1)
    assert counts(raw, project.id) == (21, 8, 21)
    assert by_key(raw, project.id)["100"]["annotations"][0]["result"] == sentiment("negative", "s0")


# --------------------------------------------------------------------------- faults


def import_fault(upstream: str, nth: int, mode: str, suffix: str = "/import") -> FaultProxy:
    """A FaultProxy in front of the server whose `nth` POST (counting from 1) ending with `suffix`
    (task imports by default) is lost after the server did the work (`"lose"`) or answered 500
    without forwarding (`"fail"`)."""
    posts = itertools.count(1)

    def rule(method: str, path: str) -> str | None:
        if method == "POST" and path.split("?")[0].endswith(suffix) and next(posts) == nth:
            return mode
        return None

    return FaultProxy(upstream, rule)


def labeled_store(store: Store, df: pd.DataFrame) -> None:
    for pos in range(len(df)):
        label(store, df, pos, sentiment("positive" if pos % 2 else "negative", f"s{pos}"))
    store.add_predictions([(t, sentiment("neutral"), 0.5, "v1") for t in df.index])


@pytest.mark.parametrize("mode, reading", [("lose", "pages"), ("lose", "snapshot"), ("fail", "pages")])
def test_an_interrupted_push_resumes_without_duplicates(
    store: Store, project: Project, raw: Any, ls_server: Any, mode: str, reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resumed push reads the project (pages for a small one, a snapshot with whole
    predictions from SNAPSHOT_FROM tasks) to link what the lost batch created."""
    monkeypatch.setattr(sync_module, "SNAPSHOT_FROM", 1 if reading == "snapshot" else 100)
    df = frame(20)
    source = TaskSource(df, {"text": "text"})
    labeled_store(store, df)
    fault = import_fault(ls_server.url, nth=2, mode=mode)
    try:
        via_proxy = LabelStudio(fault.url, ls_server.token).project(project.id)
        with pytest.raises(ConnectionFailed if mode == "lose" else ServerError) as info:
            quiet_push(store, source, SPEC, via_proxy, batch_size=5)
    finally:
        fault.close()
    if mode == "lose":
        assert "may still have carried out" in str(info.value)
        assert counts(raw, project.id) == (10, 10, 10)  # the lost batch did arrive
    else:
        assert counts(raw, project.id) == (5, 5, 5)
    assert len(store.pending(remote_id(project))) == 5  # journaled before it was sent

    with reading_requests(monkeypatch) as asked:
        report = quiet_push(store, source, SPEC, project, batch_size=5)  # the direct URL: same project

    assert (
        asked
        == {"pages": ["GET /api/tasks"], "snapshot": ["POST /exports", "GET /exports/download", "DELETE /exports"]}[
            reading
        ]
    )
    assert (report.tasks_resumed, report.tasks_created) == ((5, 10) if mode == "lose" else (0, 15))
    assert counts(raw, project.id) == (20, 20, 20)
    assert sorted(by_key(raw, project.id)) == sorted(str(t) for t in df.index)
    assert store.pending(remote_id(project)) == []
    assert dataclasses.astuple(quiet_push(store, source, SPEC, project))[:5] == (0, 0, 0, 0, 0)
    assert quiet_pull(store, SPEC, project).annotations_new == 0


def test_a_lost_answer_to_a_single_annotation_is_linked_not_sent_again(
    store: Store, project: Project, raw: Any, ls_server: Any
) -> None:
    df = frame(6)
    source = TaskSource(df, {"text": "text"})
    quiet_push(store, source, SPEC, project)  # the tasks first: later labels go one by one
    for pos in range(4):
        label(store, df, pos, sentiment("positive", f"s{pos}"), who=ls_server.username)
    fault = import_fault(ls_server.url, nth=2, mode="lose", suffix="/annotations")
    try:
        with pytest.raises(ConnectionFailed):
            quiet_push(store, source, SPEC, LabelStudio(fault.url, ls_server.token).project(project.id))
    finally:
        fault.close()
    assert any(r["kind"] == "annotation" for r in store.pending(remote_id(project)))
    quiet_push(store, source, SPEC, project)
    assert counts(raw, project.id) == (6, 4, 0)  # the one whose answer was lost is not there twice
    assert store.pending(remote_id(project)) == []
    assert dataclasses.astuple(quiet_push(store, source, SPEC, project))[:5] == (0, 0, 0, 0, 0)
    assert quiet_pull(store, SPEC, project).annotations_new == 0
    results = sorted(a["result"][0]["id"] for t in raw.all_tasks(project.id) for a in t["annotations"])
    assert results == ["s0", "s1", "s2", "s3"]


def test_a_server_stopped_mid_push_gives_a_clear_error_and_the_next_push_completes(
    store: Store, ls_module: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "ls-data"
    server = ls_module.start(data_dir)
    try:
        project = LabelStudio(server.url, server.token).create_project("stopped mid push", CONFIG)
        df = frame(15)
        labeled_store(store, df)
        real = Project.import_encoded
        calls = []

        def import_then_stop(self: Project, *args: Any, **kw: Any) -> list[int]:
            calls.append(1)
            if len(calls) == 2:
                server.stop()  # really gone: the 2nd batch meets a closed port
            return real(self, *args, **kw)

        monkeypatch.setattr(Project, "import_encoded", import_then_stop)
        with pytest.raises(ConnectionFailed, match="connection refused"):
            quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project, batch_size=5)
        monkeypatch.setattr(Project, "import_encoded", real)
    finally:
        server.stop()
    server = ls_module.start(data_dir)  # the same data; maybe another port
    try:
        again = LabelStudio(server.url, server.token, timeout=60).project(project.id)
        report = quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, again, batch_size=5)
        assert (report.tasks_resumed, report.tasks_created, report.annotations_created) == (0, 10, 10)
        tasks = list(again.iter_tasks())
        assert len(tasks) == 15 and sum(len(t["annotations"]) for t in tasks) == 15
        assert sorted(t["meta"]["nblabel"]["key"] for t in tasks) == sorted(str(t) for t in df.index)
    finally:
        server.stop()


@pytest.mark.parametrize("fault", ["token", "url", "config", "mapping"])
def test_bad_token_url_config_or_mapping_fail_before_anything_is_written(
    tmp_path: Path, project: Project, raw: Any, ls_server: Any, fault: str
) -> None:
    path = tmp_path / "labels.db"
    df = frame(5)
    with Store(path) as store:
        labeled_store(store, df)
        before = {t: store_rows(path, t) for t in ("links", "pending", "annotations", "history")}
        spec, target, kw = SPEC, project, {}
        if fault == "token":
            target = Project(LabelStudio(ls_server.url, "wrong-key"), project.data)
            expected: type[Exception] = AuthError
        elif fault == "url":
            with socket.socket() as s:  # a port nobody listens on
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            target = Project(LabelStudio(f"http://127.0.0.1:{port}", ls_server.token, retries=0), project.data)
            expected = ConnectionFailed
        elif fault == "config":
            # The local parser refuses every config the server was seen to refuse, so hand the
            # server a duplicate name directly.
            spec = dataclasses.replace(SPEC, xml=CONFIG.replace('name="note"', 'name="stars"'))
            expected = ValidationError
        else:
            kw = {"annotators": {"ana": "nobody@nowhere.test"}}
            expected = ValueError
        with pytest.raises(expected) as info:
            quiet_push(store, TaskSource(df, {"text": "text"}), spec, target, **kw)
        if fault in ("token", "url"):
            with pytest.raises(expected):
                quiet_pull(store, spec, target)
        after = {t: store_rows(path, t) for t in before}
    assert after == before
    assert counts(raw, project.id) == (0, 0, 0)
    assert {
        "token": "Invalid token",
        "url": "connection refused",
        "config": "non-uniq",
        "mapping": "nobody@nowhere.test",
    }[fault] in str(info.value)


# --------------------------------------------------------------------------- conflicts and identity


def test_changes_on_both_sides_are_kept_apart_never_overwritten(
    store: Store, project: Project, raw: Any, ls_server: Any
) -> None:
    df = frame(4)
    source = TaskSource(df, {"text": "text"})
    label(store, df, 0, sentiment("positive", "a"))
    label(store, df, 1, sentiment("positive", "b"))
    quiet_push(store, source, SPEC, project)
    quiet_pull(store, SPEC, project)  # learns the server ids
    tasks = by_key(raw, project.id)
    ann0, ann1 = tasks["100"]["annotations"][0], tasks["101"]["annotations"][0]
    # task 100: changed on both sides; task 101: changed on the server only
    assert raw.call("PATCH", f"/api/annotations/{ann0['id']}", json={"result": sentiment("negative", "a")}).ok
    assert raw.call("PATCH", f"/api/annotations/{ann1['id']}", json={"result": sentiment("neutral", "b")}).ok
    label(store, df, 0, sentiment("neutral", "a"))
    # task 102: labeled here and there by the same person (the notebook annotator is the admin's email)
    admin = ls_server.username
    label(store, df, 2, sentiment("positive", "c"), who=admin)
    assert raw.call(
        "POST", f"/api/tasks/{tasks['102']['id']}/annotations", json={"result": sentiment("negative", "c")}
    ).ok

    report = quiet_pull(store, SPEC, project)

    assert (report.conflicts, report.annotations_updated, report.annotations_new) == (2, 1, 0)
    assert store.annotation(100, "ana")["result"] == sentiment("neutral", "a")  # local kept
    assert store.annotation(100, f"ana (ls#{ann0['id']})")["result"] == sentiment("negative", "a")  # server kept
    assert store.annotation(101, "ana")["result"] == sentiment("neutral", "b")  # server-only change applied
    assert store.annotation(102, admin)["result"] == sentiment("positive", "c")
    (copy_102,) = [a for a in store.annotations() if a["task_id"] == "102" and a["annotator"] != admin]
    assert copy_102["annotator"].startswith(f"{admin} (ls#") and copy_102["result"] == sentiment("negative", "c")

    pushed = quiet_push(store, source, SPEC, project)
    assert (pushed.annotations_created, pushed.annotations_updated) == (2, 0)  # local versions as new ones
    results = {
        k: sorted(a["result"][0]["value"]["choices"][0] for a in t["annotations"])
        for k, t in by_key(raw, project.id).items()
    }
    assert results == {"100": ["negative", "neutral"], "101": ["neutral"], "102": ["negative", "positive"], "103": []}
    final = quiet_pull(store, SPEC, project)
    assert (final.annotations_new, final.annotations_updated, final.conflicts) == (0, 0, 0)


def test_a_push_does_not_overwrite_a_server_change_it_has_not_seen(store: Store, project: Project, raw: Any) -> None:
    df = frame(2)
    source = TaskSource(df, {"text": "text"})
    label(store, df, 0, sentiment("positive", "a"))
    quiet_push(store, source, SPEC, project)
    (ann,) = by_key(raw, project.id)["100"]["annotations"]
    assert raw.call("PATCH", f"/api/annotations/{ann['id']}", json={"result": sentiment("negative", "a")}).ok
    label(store, df, 0, sentiment("neutral", "a"))
    report = quiet_push(store, source, SPEC, project)  # no pull in between
    assert (report.annotations_created, report.annotations_updated) == (1, 0)
    assert sorted(a["result"][0]["value"]["choices"][0] for a in by_key(raw, project.id)["100"]["annotations"]) == [
        "negative",
        "neutral",
    ]
    back = quiet_pull(store, SPEC, project)
    assert (back.annotations_new, back.conflicts) == (1, 0)
    assert store.annotation(100, f"ana (ls#{ann['id']})")["result"] == sentiment("negative", "a")


def test_annotators_are_sent_as_members_by_email_and_come_back_with_their_names(
    store: Store, project: Project, raw: Any, ls_server: Any, tmp_path: Path
) -> None:
    email = f"ana-{uuid.uuid4().hex[:8]}@example.org"
    r = raw.call("POST", "/api/users", json={"email": email, "username": email.split("@")[0]})
    assert r.status_code == 201, r.text
    ana_id = r.json()["id"]
    admin = ls_server.username
    admin_id = raw.get("/api/current-user/whoami")["id"]
    df = frame(4)
    source = TaskSource(df, {"text": "text"})
    label(store, df, 0, sentiment("positive", "a"), who="ana")  # mapped to the member by email
    label(store, df, 0, sentiment("negative", "b"), who="bob")  # no member: the key's user
    label(store, df, 1, sentiment("neutral", "c"), who=admin)  # a member's email as the name
    quiet_push(store, source, SPEC, project, annotators={"ana": email})
    # later labels of tasks already on the server go one by one: same rules
    label(store, df, 2, sentiment("positive", "d"), who="ana")
    label(store, df, 2, sentiment("negative", "e"), who="bob")
    report = quiet_push(store, source, SPEC, project, annotators={"ana": email})
    assert report.annotations_created == 2

    tasks = by_key(raw, project.id)
    authors = {(k, a["result"][0]["id"]): a["completed_by"] for k, t in tasks.items() for a in t["annotations"]}
    assert authors == {
        ("100", "a"): ana_id,
        ("100", "b"): admin_id,
        ("101", "c"): admin_id,
        ("102", "d"): ana_id,
        ("102", "e"): admin_id,
    }
    assert sorted(tasks["100"]["meta"]["nblabel"]["annotators"].values()) == ["bob"]
    assert sorted(tasks["102"]["meta"]["nblabel"]["annotators"].values()) == ["bob"]

    # this store: every annotation is its own, names unchanged
    assert quiet_pull(store, SPEC, project).annotations_new == 0
    # another notebook's store: members by email, the others by the name kept in task meta
    with Store(tmp_path / "other.db") as other:
        got = quiet_pull(other, SPEC, project)
        assert got.annotations_new == 5
        names = sorted((a["task_id"], a["annotator"], a["result"][0]["id"]) for a in other.annotations())
    assert names == sorted(
        [
            ("ls-%d" % tasks["100"]["id"], "bob", "b"),
            ("ls-%d" % tasks["100"]["id"], email, "a"),
            ("ls-%d" % tasks["101"]["id"], admin, "c"),
            ("ls-%d" % tasks["102"]["id"], "bob", "e"),
            ("ls-%d" % tasks["102"]["id"], email, "d"),
        ]
    )


def test_labeler_push_and_pull_show_label_studio_labels_in_the_widget(
    tmp_path: Path, project: Project, raw: Any, ls_server: Any
) -> None:
    df = frame(8)
    admin = ls_server.username
    store = Store(tmp_path / "lab.db")
    store.save(100, {"text": df.text.iloc[0]}, sentiment("positive"), annotator=admin)
    lab = Labeler(df, CONFIG, store=store, annotator=admin)
    report = lab.push(project, progress=False)
    assert report.tasks_created == 8
    task = by_key(raw, project.id)["103"]
    assert raw.call("POST", f"/api/tasks/{task['id']}/annotations", json={"result": sentiment("negative", "q")}).ok
    assert lab.done == 1
    pulled = lab.pull(project, progress=False)
    assert pulled.annotations_new == 1
    assert (lab.done, lab.progress.done) == (2, 2)
    wide = lab.to_dataframe()
    assert wide.loc[103, "sentiment"] == "negative" and wide.loc[100, "sentiment"] == "positive"
    entry = next(t for t in lab.window["tasks"] if t["id"] == 103)
    assert entry["annotation"]["result"] == sentiment("negative", "q")


def test_progress_goes_to_stderr_unless_turned_off(
    store: Store, project: Project, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBL_PROGRESS", raising=False)  # a combined run with --nbval sets it for the notebooks
    df = frame(3)
    push(store, TaskSource(df, {"text": "text"}), SPEC, project, progress=False)
    pull(store, SPEC, project, progress=False)
    assert capsys.readouterr().err == ""
    push(store, TaskSource(frame(4), {"text": "text"}), SPEC, project)
    pull(store, SPEC, project, incremental=False)  # a full read shows its total
    lines = re.split(r"[\r\n]+", capsys.readouterr().err)  # tqdm rewrites its line with \r
    assert any(ln.startswith("push tasks: 4/4 (") for ln in lines), lines
    assert any(ln.startswith("pull: 4/4 (") for ln in lines), lines


def test_a_pull_says_it_waits_for_the_server_while_the_export_is_built(
    store: Store, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBL_PROGRESS", raising=False)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet_push(store, TaskSource(frame(3), {"text": "text"}), SPEC, project)
    for method, what in (("export", "export"), ("snapshot", "export snapshot")):
        term = Terminal()
        monkeypatch.setattr(sys, "stderr", term)
        pull(store, SPEC, project, method=method)
        lines = term.getvalue().split("\r")
        waiting = [ln for ln in lines if f"waiting for Label Studio to build the {what}" in ln]
        assert waiting and waiting[0].startswith("pull: 0/3 (")  # before any task arrived
        assert lines[-1].startswith("pull: 3/3 (") and "waiting" not in lines[-1]


def test_a_config_that_differs_from_the_project_is_warned_about(store: Store, project: Project) -> None:
    other = parse_config(CONFIG.replace('<Choice value="neutral"/>', ""))
    with pytest.warns(ConfigMismatchWarning, match="neutral"):
        quiet_push(store, TaskSource(frame(1), {"text": "text"}), other, project)


def test_the_progress_bar_in_a_notebook_is_an_ipywidgets_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBL_PROGRESS", raising=False)
    import tqdm.notebook

    import nblabel.progress as progress

    monkeypatch.setattr(progress, "in_notebook_kernel", lambda: True)
    monkeypatch.setattr(tqdm.notebook, "display", lambda *a, **k: None)
    with progress.progress_reporter("push tasks", 10) as bar:
        bar.update(4)
        bar.update(6)
    assert isinstance(bar, progress.TqdmReporter) and isinstance(bar.bar, tqdm.notebook.tqdm_notebook)
    _, pbar, label = bar.bar.container.children  # tqdm.notebook's HBox: description, bar, count
    assert (pbar.value, pbar.max, pbar.bar_style) == (10, 10, "success")
    assert label.value.strip().startswith("10/10")
    silent = progress.progress_reporter("x", 3, enabled=False)
    assert type(silent) is progress.Reporter
    monkeypatch.setenv("NBL_PROGRESS", "0")  # what the nbval runs set
    assert type(progress.progress_reporter("x", 3)) is progress.Reporter


def reads(requests_: list[tuple[str, str]]) -> list[str]:
    """The requests that read tasks, as "METHOD path" without the project prefix and ids."""
    out = [f"{m} {re.sub(r'/[0-9]+', '', p.split('?')[0].split('/api/projects', 1)[-1])}" for m, p in requests_]
    return [r for r in out if "/export" in r or "/api/tasks" in r]


@contextmanager
def reading_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The requests that read tasks (see reads()) while the block runs; filled when it ends."""
    calls: list[tuple[str, str]] = []
    real = LabelStudio.request

    def counted(self: LabelStudio, method_: str, path: str, **kw: Any) -> Any:
        calls.append((method_, path))
        return real(self, method_, path, **kw)

    asked: list[str] = []
    with monkeypatch.context() as m:
        m.setattr(LabelStudio, "request", counted)
        yield asked
    asked += reads(calls)


@pytest.mark.parametrize("method", ["pages", "export", "snapshot"])
def test_pull_keeps_the_data_of_pushed_tasks_labeled_only_in_label_studio(
    store: Store, project: Project, raw: Any, ls_server: Any, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pushed task labeled only on the server has no local snapshot: the pull stores the task
    data it already received (same requests as without the snapshot), and leaves alone a
    snapshot the notebook made and tasks nobody labeled."""
    df = frame(4)
    store.save(df.index[3], {"text": "the notebook's copy"}, sentiment("positive"), annotator="ana")
    quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project)
    assert [t["id"] for t in store.tasks()] == [str(df.index[3])]
    tasks = by_key(raw, project.id)
    for pos in (0, 1, 3):
        r = raw.call(
            "POST", f"/api/tasks/{tasks[str(df.index[pos])]['id']}/annotations", json={"result": sentiment("negative")}
        )
        assert r.status_code == 201, r.text
    with reading_requests(monkeypatch) as asked:
        report = quiet_pull(store, SPEC, project, method=method)

    assert (report.tasks_seen, report.annotations_new, report.conflicts) == (4, 3, 0)
    snapshots = {t["id"]: t for t in store.tasks()}
    assert set(snapshots) == {str(df.index[p]) for p in (0, 1, 3)}  # task 2: nobody labeled it
    for pos in (0, 1):
        assert snapshots[str(df.index[pos])]["data"] == {"text": df.text.iloc[pos]}
        assert "meta" not in snapshots[str(df.index[pos])]  # nblabel's bookkeeping stays on the server
    assert snapshots[str(df.index[3])]["data"] == {"text": "the notebook's copy"}  # not overwritten
    assert store.annotation(str(df.index[0]), ls_server.username)["result"] == sentiment("negative")
    # the one listing page or export, or the snapshot's create, download and delete: none per task
    assert (
        asked
        == {
            "pages": ["GET /api/tasks"],
            "export": ["GET /export"],
            "snapshot": ["POST /exports", "GET /exports/download", "DELETE /exports"],
        }[method]
    )


def test_auto_pull_reads_a_small_project_with_the_export_and_a_bigger_one_with_a_snapshot(
    store: Store, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet_push(store, TaskSource(frame(5), {"text": "text"}), SPEC, project)
    assert sync_module.SNAPSHOT_FROM > 5
    with reading_requests(monkeypatch) as small:
        quiet_pull(store, SPEC, project)
    monkeypatch.setattr(sync_module, "SNAPSHOT_FROM", 5)
    with reading_requests(monkeypatch) as big:
        quiet_pull(store, SPEC, project, incremental=False)
    assert small == ["GET /export"]
    assert big == ["POST /exports", "GET /exports/download", "DELETE /exports"]


@pytest.mark.parametrize(
    "missing, snapshot_from, used",
    [
        (["/exports"], 1, ["POST /exports", "GET /export"]),
        (["/export"], 100, ["GET /export", "POST /exports", "GET /exports/download", "DELETE /exports"]),
        (["/exports", "/export"], 1, ["POST /exports", "GET /export", "GET /api/tasks"]),
    ],
    ids=["no-snapshots", "no-export", "neither"],
)
def test_pull_falls_back_to_what_the_server_has(
    store: Store,
    project: Project,
    raw: Any,
    ls_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    missing: list[str],
    snapshot_from: int,
    used: list[str],
) -> None:
    df = frame(5)
    quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project)
    tasks = by_key(raw, project.id)
    for pos in (1, 4):
        r = raw.call(
            "POST", f"/api/tasks/{tasks[str(df.index[pos])]['id']}/annotations", json={"result": sentiment("neutral")}
        )
        assert r.status_code == 201, r.text
    monkeypatch.setattr(sync_module, "SNAPSHOT_FROM", snapshot_from)
    older = FaultProxy(ls_server.url, lambda method, path: 404 if path.split("?")[0].endswith(tuple(missing)) else None)
    try:
        report = quiet_pull(store, SPEC, LabelStudio(older.url, ls_server.token).project(project.id))
    finally:
        older.close()

    assert (report.tasks_seen, report.annotations_new) == (5, 2)
    assert store.annotation(str(df.index[4]), ls_server.username)["result"] == sentiment("neutral")
    assert reads([(m, p) for m, p, _ in older.hits]) == used


def test_an_error_preparing_a_batch_still_links_the_batch_in_flight(store: Store, project: Project, raw: Any) -> None:
    """Batches are sent from a background thread while the next is prepared: when preparing
    fails (a value that is not JSON), the batch already sent is linked, nothing stays journaled,
    and the next push sends only the rest."""
    df = frame(12).astype({"text": object})
    df.iloc[7, 0] = object()  # not JSON: the second batch fails while the first is in flight
    with pytest.raises(TypeError, match="row 7"):
        quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project, batch_size=5)
    assert counts(raw, project.id) == (5, 0, 0)
    assert store.pending(remote_id(project)) == []
    assert len(store.links(remote_id(project), "task")) == 5  # the batch that arrived is linked

    df.iloc[7, 0] = "fixed"
    report = quiet_push(store, TaskSource(df, {"text": "text"}), SPEC, project, batch_size=5)
    assert (report.tasks_resumed, report.tasks_created, report.unchanged) == (0, 7, 5)
    assert sorted(by_key(raw, project.id)) == sorted(str(t) for t in df.index)
