"""Incremental pull, predictions pulled, watch() and a real Label Studio export imported, against a
real Label Studio 1.23.2 server (fixtures in conftest.py).

Every change is made through Label Studio's own REST API (`raw`): new annotations, an edit, a
deletion, a prediction, a task created on the server. The incremental pull must end where a full
pull of the same project ends, nothing missed and nothing twice, while reading only the changed
tasks.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pandas as pd
import pytest

import nblabel
import nblabel.sync as sync_module
from nblabel import Labeler, parse_config
from nblabel.frame import TaskSource
from nblabel.labelstudio import LabelStudio, Project
from nblabel.store import Store
from nblabel.sync import pull, push

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>"""
SPEC = parse_config(CONFIG)


@pytest.fixture
def project_config() -> str:
    return CONFIG


def sentiment(value: str) -> list[dict]:
    return [{"id": "s", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"review {i}" for i in range(n)]}, index=pd.RangeIndex(n))


def state(store: Store) -> tuple[set, set]:
    """What a store holds of a project: annotations and predictions, comparable across stores."""
    anns = {
        (a["task_id"], a["annotator"], json.dumps(a["result"], sort_keys=True), a["was_cancelled"])
        for a in store.annotations()
    }
    keys = [a["task_id"] for a in store.annotations()] + [t["id"] for t in store.tasks()]
    preds = {
        (p["task_id"], p["model_version"], json.dumps(p["result"], sort_keys=True), p["score"])
        for p in store.prediction_rows(keys)
    }
    return anns, preds


def task_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = LabelStudio.request

    def counted(self: LabelStudio, method: str, path: str, **kw: Any) -> Any:
        calls.append(f"{method} {re.sub(r'/[0-9]+', '', path.split('?')[0].split('/api/projects', 1)[-1])}")
        return real(self, method, path, **kw)

    monkeypatch.setattr(LabelStudio, "request", counted)
    return calls


def test_an_incremental_pull_ends_where_a_full_pull_ends_reading_only_changed_tasks(
    tmp_path, project: Project, raw: Any, ls_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_module, "PULL_OVERLAP", 0.0)  # this test's changes are seconds apart
    df = frame(30)
    with Store(tmp_path / "pusher.db") as pusher:
        for i in range(10):
            pusher.save(i, {"text": df.text[i]}, sentiment("positive"), annotator="ana")
        push(pusher, TaskSource(df, {"text": "text"}), SPEC, project, progress=False)
    time.sleep(2.1)  # the next start is kept a second before the read began (the Date header has seconds)
    tasks = {t["meta"]["nblabel"]["key"]: t for t in raw.all_tasks(project.id)}
    mine, full = Store(tmp_path / "incremental.db"), Store(tmp_path / "full.db")
    first = pull(mine, SPEC, project, progress=False)
    pull(full, SPEC, project, progress=False)
    assert not first.incremental and first.tasks_seen == 30
    time.sleep(1.1)  # the server's clock moves past the first pull's last change

    # changes through Label Studio's API: 3 new annotations, an edit, a deletion, a prediction, a new task
    for key in ("20", "21", "22"):
        r = raw.call("POST", f"/api/tasks/{tasks[key]['id']}/annotations", json={"result": sentiment("neutral")})
        assert r.status_code == 201, r.text
    edited = tasks["3"]["annotations"][0]["id"]
    assert raw.call("PATCH", f"/api/annotations/{edited}", json={"result": sentiment("negative")}).status_code == 200
    assert raw.call("DELETE", f"/api/annotations/{tasks['4']['annotations'][0]['id']}").status_code == 204
    r = raw.call(
        "POST",
        "/api/predictions",
        json={"task": tasks["25"]["id"], "result": sentiment("negative"), "score": 0.8, "model_version": "backend-v1"},
    )
    assert r.status_code == 201, r.text
    r = raw.call("POST", "/api/tasks", json={"project": project.id, "data": {"text": "made on the server"}})
    assert r.status_code == 201, r.text
    new_task = r.json()["id"]
    r = raw.call("POST", f"/api/tasks/{new_task}/annotations", json={"result": sentiment("positive")})
    assert r.status_code == 201

    reads = task_reads(monkeypatch)
    report = pull(mine, SPEC, project, progress=False)
    monkeypatch.undo()
    assert report.incremental
    assert report.tasks_seen == 7  # 20, 21, 22, 3, 4, 25 and the new one: nothing else read
    assert (report.annotations_new, report.annotations_updated) == (4, 1)
    assert [r for r in reads if "/api/tasks" in r or "/export" in r] == ["GET /api/tasks"]
    pull(full, SPEC, project, progress=False, incremental=False)
    # a pulled prediction shows in the store; deletions on the server stay local in both (sync rule)
    assert state(mine) == state(full)
    anns, preds = state(mine)
    key = {k: f"ls-{t['id']}" for k, t in tasks.items()}  # tasks another store pushed: keyed by server id
    assert (key["25"], "backend-v1", json.dumps(sentiment("negative"), sort_keys=True), 0.8) in preds
    assert any(a[0] == f"ls-{new_task}" for a in anns)
    assert (key["3"], "ana", json.dumps(sentiment("negative"), sort_keys=True), False) in anns

    again = pull(mine, SPEC, project, progress=False)
    assert again.incremental and (again.annotations_new, again.annotations_updated, again.predictions) == (0, 0, 0)
    assert state(mine) == state(full)
    mine.close()
    full.close()


def test_bulk_imported_predictions_make_the_next_pull_a_full_read(
    tmp_path, project: Project, raw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/import/predictions does not move a task's updated_at: the prediction count says it happened."""
    monkeypatch.setattr(sync_module, "PULL_OVERLAP", 0.0)
    df = frame(5)
    with Store(tmp_path / "s.db") as store:
        push(store, TaskSource(df, {"text": "text"}), SPEC, project, progress=False)
        time.sleep(2.1)
        pull(store, SPEC, project, progress=False)
        time.sleep(1.1)
        ids = [t["id"] for t in raw.all_tasks(project.id)]
        r = raw.call(
            "POST",
            f"/api/projects/{project.id}/import/predictions",
            json=[{"task": i, "result": sentiment("neutral"), "model_version": "bulk"} for i in ids],
        )
        assert r.status_code == 201, r.text
        report = pull(store, SPEC, project, progress=False)
        assert not report.incremental and report.predictions == 5
        assert pull(store, SPEC, project, progress=False).incremental


def test_watch_pulls_in_the_background_calls_back_on_new_labels_and_stops(tmp_path, project: Project, raw: Any) -> None:
    df = frame(4)
    lab = Labeler(df, CONFIG, store=tmp_path / "w.db", annotator="ana")
    lab.push(project, progress=False)
    seen: list[Any] = []
    arrived = threading.Event()

    def on_new(report: Any) -> None:
        seen.append(report)
        arrived.set()

    watcher = nblabel.watch(project, lab, every=0.5, on_new=on_new)
    try:
        task = raw.all_tasks(project.id)[0]["id"]
        assert (
            raw.call("POST", f"/api/tasks/{task}/annotations", json={"result": sentiment("negative")}).status_code
            == 201
        )
        assert arrived.wait(60), f"no callback; errors: {watcher.errors}"
    finally:
        watcher.stop()
    assert not watcher.running and watcher.errors == []
    assert seen[0].annotations_new == 1
    assert lab.to_dataframe()["n_annotators"].fillna(0).sum() == 1
    pulls = watcher.pulls
    time.sleep(1.2)
    assert watcher.pulls == pulls  # stopped means stopped


def test_a_real_label_studio_export_imports_like_a_pull(tmp_path, project: Project, raw: Any, ls_server: Any) -> None:
    """An export snapshot with whole predictions, imported without a server, gives the labels a
    pull gives the store that pushed the tasks (same keys, authors, results)."""
    df = frame(6)
    src = Store(tmp_path / "src.db")
    for i in range(3):
        src.save(i, {"text": df.text[i]}, sentiment("positive"), annotator=ls_server.username)
    src.add_predictions([(i, sentiment("neutral"), 0.5, "m1") for i in range(6)])
    push(src, TaskSource(df, {"text": "text"}), SPEC, project, progress=False)
    ids = [t["id"] for t in raw.all_tasks(project.id)]
    assert (
        raw.call("POST", f"/api/tasks/{ids[4]}/annotations", json={"result": sentiment("negative")}).status_code == 201
    )
    r = raw.call(
        "POST",
        f"/api/projects/{project.id}/exports/",
        json={"serialization_options": {"predictions": {"only_id": False}}},
    )
    assert r.status_code == 201, r.text
    body = raw.call(
        "GET", f"/api/projects/{project.id}/exports/{r.json()['id']}/download", params={"exportType": "JSON"}
    )
    path = tmp_path / "export.json"
    path.write_bytes(body.content)
    exported = json.loads(body.content)
    assert isinstance(exported[0]["annotations"][0]["completed_by"], int)  # user ids, no e-mails, in exports
    admin = raw.get("/api/current-user/whoami")["id"]

    with Store(tmp_path / "imported.db") as imported:
        report = nblabel.import_labelstudio(path, store=imported, config=CONFIG, annotators={admin: ls_server.username})
        assert (report.tasks, report.annotations, report.predictions) == (6, 4, 6)
        pull(src, SPEC, project, progress=False)
        assert {(a["task_id"], a["annotator"], json.dumps(a["result"])) for a in imported.annotations()} == {
            (a["task_id"], a["annotator"], json.dumps(a["result"])) for a in src.annotations()
        }
        assert {(p["task_id"], p["model_version"]) for p in imported.prediction_rows(map(str, range(6)))} == {
            (str(i), "m1") for i in range(6)
        }
        assert nblabel.import_labelstudio(path, store=imported, annotators={admin: ls_server.username}).annotations == 0
    src.close()


def test_review_flags_and_decisions_are_pushed_as_task_meta(tmp_path, project: Project, raw: Any) -> None:
    df = frame(3)
    lab = Labeler(df, CONFIG, store=tmp_path / "r.db", annotator="ana")
    for i in range(3):
        lab.store.save(i, {"text": df.text[i]}, sentiment("positive"), annotator="ana")
    lab.refresh()
    lab.push(project, progress=False)
    assert lab.review_sample(rate=1.0) == [0, 1, 2]
    lab.review(1, "reject", comment="not positive")
    assert lab.push(project, progress=False).reviews == 3
    meta = {t["meta"]["nblabel"]["key"]: t["meta"] for t in raw.all_tasks(project.id)}
    assert meta["0"]["needs_review"] is True and meta["1"]["needs_review"] is False
    assert meta["1"]["nblabel_review"]["comment"] == "not positive"
    assert meta["1"]["nblabel"]["key"] == "1"  # the sync marks are kept
    assert lab.push(project, progress=False).reviews == 0  # nothing changed since
    lab.review(0, "accept")
    assert lab.push(project, progress=False).reviews == 1
