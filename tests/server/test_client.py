"""nblabel.labelstudio against a real Label Studio 1.23.2 server (fixtures in conftest.py).

No mocks: faults the server cannot be made to produce (503, 429) come from a loopback proxy in
front of it; everything read back is checked through the plain REST API (`raw`).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import traceback
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from nblabel.labelstudio import (
    IMPORT_BATCH_SIZE,
    PAGE_SIZE,
    AuthError,
    ConfigMismatchWarning,
    ConnectionFailed,
    ExportStream,
    LabelStudio,
    LabelStudioError,
    LabelStudioWarning,
    NotFound,
    ServerError,
    ValidationError,
    config_differences,
)


def choice(value: str, from_name: str = "sentiment") -> list[dict]:
    return [{"from_name": from_name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


class RequestSpy:
    """Counts the requests a client sends (wraps its session; the server is real)."""

    def __init__(self, client: LabelStudio, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str, dict]] = []
        real = client._session.request

        def spy(method: str, url: str, **kw: Any) -> Any:
            self.calls.append((method, url.removeprefix(client.url), dict(kw.get("params") or {})))
            return real(method, url, **kw)

        monkeypatch.setattr(client._session, "request", spy)

    def paths(self, method: str, path: str) -> list[dict]:
        return [params for m, p, params in self.calls if m == method and p == path]


# --------------------------------------------------------------------------- server and projects


def test_version_and_whoami(client: LabelStudio, ls_server: Any) -> None:
    assert client.version()["release"] == "1.23.2"
    assert client.whoami()["email"] == ls_server.username
    assert client.auth_kind == "legacy token"


def test_project_by_title_is_created_once(client: LabelStudio, raw: Any, config_xml: str, make_title: Any) -> None:
    title = make_title("create-once")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same config: no mismatch warning
        first = client.project(title, config=config_xml)
        second = client.project(title, config=config_xml)
    try:
        assert first.id == second.id and first.title == title
        assert [p["id"] for p in raw.projects_titled(title)] == [first.id]
        assert client.project(first.id) == first  # by id
        assert client.project(title, create=False).id == first.id
        assert client.project(f"  {title} ", config=config_xml).id == first.id  # the server strips titles
        assert config_differences(raw.get(f"/api/projects/{first.id}")["label_config"], config_xml) == []
        # A title that merely contains ours is not ours.
        with pytest.raises(NotFound, match="No project titled"):
            client.project(title[:-3], create=False)
        with pytest.raises(NotFound, match="pass config="):
            client.project(title + " missing")
        assert raw.projects_titled(title + " missing") == []
    finally:
        first.delete()


def test_config_mismatch_warns_and_names_the_difference(client: LabelStudio, config_xml: str, make_title: Any) -> None:
    title = make_title("mismatch")
    project = client.project(title, config=config_xml)
    try:
        # Formatting, attribute order and comments are not differences.
        reformatted = (
            config_xml.replace("\n", " ")
            .replace('toName="text" choice="single"', 'choice="single"  toName="text"')
            .replace("<View>", "<View><!-- a comment -->")
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            client.project(title, config=reformatted)

        changed = config_xml.replace('<Choice value="neutral"/>', '<Choice value="mixed"/>').replace(
            'choice="single"', 'choice="multiple"'
        )
        with pytest.warns(ConfigMismatchWarning) as rec:
            again = client.project(title, config=changed)
        msg = str(rec[0].message)
        assert again.id == project.id
        assert 'Choice[@value="neutral"]: only on the server' in msg
        assert 'Choice[@value="mixed"]: only in the given config' in msg
        assert "attribute choice is 'single' on the server, 'multiple' in the given config" in msg
        assert "update_config" in msg
        assert "neutral" in again.label_config  # the server's config was kept

        again.update_config(changed)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert "mixed" in client.project(title, config=changed).label_config
    finally:
        project.delete()


def test_invalid_config_raises_validation_error_with_server_message(
    client: LabelStudio, raw: Any, config_xml: str, make_title: Any
) -> None:
    assert client.validate_config(config_xml) is None
    bad = '<View><Text name="text" value="$text"/><Choices name="c" toName="nope"><Choice value="a"/></Choices></View>'
    with pytest.raises(ValidationError) as ei:
        client.validate_config(bad)
    err = ei.value
    assert err.status == 400
    assert err.validation_errors["label_config"] == ["toName=\"nope\" not found in names: ['c', 'text']"]
    assert 'toName="nope" not found in names' in str(err)

    with pytest.raises(ValidationError, match="unclosed token: line 1"):
        client.validate_config("<View><Text")

    title = make_title("bad-config")
    with pytest.raises(ValidationError) as ei:
        client.project(title, config=bad)
    assert "label_config" in ei.value.validation_errors
    assert 'toName="nope"' in str(ei.value)
    assert raw.projects_titled(title) == []

    with pytest.raises(ValidationError, match="title: Ensure this field has no more than 50 characters"):
        client.create_project("x" * 51, config_xml)


def test_projects_iterates_over_pages(
    client: LabelStudio, config_xml: str, make_title: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [client.create_project(make_title(f"list{i}"), config_xml) for i in range(3)]
    try:
        spy = RequestSpy(client, monkeypatch)
        listed = list(client.projects(page_size=2))
        assert {p.id for p in made} <= {p.id for p in listed}
        assert len(listed) == len({p.id for p in listed})
        assert len(spy.paths("GET", "/api/projects")) == -(-len(listed) // 2)
        assert [p.id for p in client.projects(title=made[1].title)] == [made[1].id]
    finally:
        for p in made:
            p.delete()


def test_delete_project(client: LabelStudio, raw: Any, config_xml: str, make_title: Any) -> None:
    p = client.create_project(make_title("delete"), config_xml)
    p.import_tasks([{"text": "x"}])
    p.delete()
    assert raw.call("GET", f"/api/projects/{p.id}").status_code == 404
    with pytest.raises(NotFound, match=f"No project with id {p.id}"):
        client.project(p.id)
    with pytest.raises(NotFound):
        p.delete()


# --------------------------------------------------------------------------- import and read back


def test_import_tasks_predictions_annotations_read_back(project: Any, raw: Any) -> None:
    tasks = [
        {"data": {"text": "Great battery"}, "meta": {"row": 0}},
        {
            "data": {"text": "Awful screen", "extra": [1, 2]},
            "predictions": [{"result": choice("negative"), "score": 0.9, "model_version": "m1"}],
        },
        {
            "data": {"text": "It is a phone ✓ ünïcode"},
            "annotations": [{"result": choice("neutral"), "ground_truth": False, "lead_time": 2.5}],
        },
        {"data": {"text": "fine"}},
        {"text": "a flat task"},  # becomes data
    ]
    ids = project.import_tasks(tasks)
    assert len(ids) == 5 and ids == sorted(ids)

    created = project.import_predictions(
        [
            {"task": ids[0], "result": choice("positive"), "score": 0.75, "model_version": "m2"},
            {"task": ids[3], "result": choice("neutral"), "score": 0.5, "model_version": "m2"},
        ]
    )
    assert created == 2
    ann = project.create_annotation(ids[3], choice("positive"), lead_time=1.25, ground_truth=False)
    assert ann["task"] == ids[3] and ann["result"] == choice("positive")
    upd = project.update_annotation(ann["id"], choice("negative"), lead_time=3.0)
    assert upd["id"] == ann["id"] and upd["result"] == choice("negative")

    server = {t["id"]: t for t in raw.all_tasks(project.id)}
    assert sorted(server) == ids
    for task_id, sent in zip(ids, tasks):
        got = server[task_id]
        assert got["data"] == sent.get("data", {k: v for k, v in sent.items()})
        assert got["meta"] == sent.get("meta", {})
    preds = {tid: [(p["result"], p["score"], p["model_version"]) for p in server[tid]["predictions"]] for tid in ids}
    assert preds == {
        ids[0]: [(choice("positive"), 0.75, "m2")],
        ids[1]: [(choice("negative"), 0.9, "m1")],
        ids[2]: [],
        ids[3]: [(choice("neutral"), 0.5, "m2")],
        ids[4]: [],
    }
    anns = {tid: [(a["result"], a["lead_time"], a["ground_truth"]) for a in server[tid]["annotations"]] for tid in ids}
    assert anns == {
        ids[0]: [],
        ids[1]: [],
        ids[2]: [(choice("neutral"), 2.5, False)],
        ids[3]: [(choice("negative"), 3.0, False)],
        ids[4]: [],
    }
    assert raw.get(f"/api/annotations/{ann['id']}")["result"] == choice("negative")

    # The client's own listing equals the raw API's.
    def stable(t: dict) -> tuple:
        return (
            t["id"],
            t["data"],
            t["meta"],
            [a["result"] for a in t["annotations"]],
            [(p["id"], p["result"]) for p in t["predictions"]],
        )

    assert [stable(t) for t in project.iter_tasks()] == [stable(server[i]) for i in ids]
    assert project.task_count() == 5


def test_import_batches_keep_input_order(project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = RequestSpy(project.client, monkeypatch)
    tasks = [{"data": {"text": f"task {i}"}, "meta": {"i": i}} for i in range(25)]
    ids = project.import_tasks(iter(tasks), batch_size=7)  # any iterable, consumed batch by batch
    assert len(spy.paths("POST", f"/api/projects/{project.id}/import")) == 4
    server = {t["id"]: t for t in raw.all_tasks(project.id)}
    assert [server[i]["meta"]["i"] for i in ids] == list(range(25))
    assert project.import_tasks([]) == []
    assert IMPORT_BATCH_SIZE >= 500 and PAGE_SIZE >= 100


def test_import_errors(project: Any, raw: Any) -> None:
    with pytest.raises(ValidationError) as ei:
        project.import_tasks([{"data": {"wrong": "x"}}])
    assert '"text" key is expected' in str(ei.value)
    assert ei.value.imported_task_ids == []

    # The second batch fails: the first stays imported and the error says so.
    with pytest.raises(ValidationError) as ei:
        project.import_tasks([{"text": "a"}, {"text": "b"}, {"data": {"wrong": 1}}], batch_size=2)
    err = ei.value
    assert "input items 2-2" in str(err) and "the 2 tasks of earlier batches were imported" in str(err)
    assert err.imported_task_ids == [t["id"] for t in raw.all_tasks(project.id)]
    assert len(err.imported_task_ids) == 2

    with pytest.raises(ValueError, match="task 1 cannot be sent as JSON"):
        project.import_tasks([{"text": "ok"}, {"text": float("nan")}])
    assert len(raw.all_tasks(project.id)) == 2  # nothing sent


def test_dropped_predictions_are_reported(project: Any, raw: Any) -> None:
    ids = project.import_tasks([{"text": "a"}, {"text": "b"}, {"text": "c"}])
    preds = [
        {"task": ids[0], "result": choice("positive"), "model_version": "v"},
        {"task": ids[1], "result": choice("positive", from_name="nope"), "model_version": "v"},  # unknown control
        {"task": ids[2], "result": choice("not-a-label"), "model_version": "v"},  # unknown label
    ]
    with pytest.warns(LabelStudioWarning, match="created 1 of 3 predictions and silently dropped 2"):
        assert project.import_predictions(preds) == 1
    with pytest.raises(LabelStudioError, match="dropped 2"):
        project.import_predictions(preds[1:], strict=True)
    assert [len(t["predictions"]) for t in raw.all_tasks(project.id)] == [1, 0, 0]
    with pytest.raises(ValidationError, match='invalid "task" field'):
        project.import_predictions([{"task": 10**9, "result": choice("positive")}])


# --------------------------------------------------------------------------- pagination and export


def test_iter_tasks_pages_and_stops_at_total(project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = project.import_tasks([{"data": {"text": f"t{i}"}} for i in range(250)])
    spy = RequestSpy(project.client, monkeypatch)
    got = list(project.iter_tasks(page_size=100))
    assert [t["id"] for t in got] == ids
    assert [t["data"]["text"] for t in got] == [f"t{i}" for i in range(250)]
    assert [p["page"] for p in spy.paths("GET", "/api/tasks")] == [1, 2, 3]  # no request past `total`

    short = list(project.iter_tasks(page_size=100, fields=None))
    assert [t["id"] for t in short] == ids and "annotations" not in short[0]

    # The server's own behaviour the iterator relies on: 404 "Invalid page." past the last page.
    r = raw.call("GET", "/api/tasks", params={"project": project.id, "page": 4, "page_size": 100})
    assert r.status_code == 404 and r.json()["detail"] == "Invalid page."


def test_iter_tasks_ends_on_404_past_the_last_page(project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = project.import_tasks([{"data": {"text": f"t{i}"}} for i in range(250)])
    spy = RequestSpy(project.client, monkeypatch)
    it = project.iter_tasks(page_size=100)
    first = [next(it) for _ in range(200)]  # pages 1 and 2 (total said 250)
    raw.delete_tasks(project.id, ids[-60:])  # 190 left: page 3 no longer exists
    rest = list(it)
    assert [t["id"] for t in first] == ids[:200] and rest == []
    assert [p["page"] for p in spy.paths("GET", "/api/tasks")] == [1, 2, 3]  # page 3 answered 404


def test_iter_tasks_unknown_project_is_not_found(client: LabelStudio, project: Any) -> None:
    ghost = type(project)(client, {"id": 10**9, "title": "ghost"})
    with pytest.raises(NotFound, match="No Project matches"):
        next(ghost.iter_tasks())


def test_export_streams_and_equals_raw_export(
    project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tasks = [
        {
            "data": {"text": f't{i} ✓ ünï "quoted" [bracket], ' + "x" * (i * 7)},
            "annotations": [{"result": choice("positive"), "ground_truth": False}] if i % 3 == 0 else [],
            "predictions": [{"result": choice("neutral"), "score": i / 100}],
        }
        for i in range(120)
    ]
    ids = project.import_tasks(tasks)
    path = f"/api/projects/{project.id}/export"
    expected = raw.call("GET", path, params={"exportType": "JSON", "download_all_tasks": "true"}).json()
    monkeypatch.setattr(ExportStream, "_CHUNK", 37)  # items straddle many chunk boundaries
    with project.export() as stream:
        got = list(stream)
    assert got == expected and stream.count == 120
    assert [t["id"] for t in got] == ids
    assert [t["data"] for t in got] == [t["data"] for t in tasks]
    assert sum(1 for t in got if t["annotations"]) == 40

    annotated = list(project.export(download_all_tasks=False))
    assert [t["id"] for t in annotated] == ids[::3]
    assert [t["id"] for t in project.export(ids=ids[5:8])] == ids[5:8]
    rows = list(project.export("JSON_MIN"))
    assert rows == raw.call("GET", path, params={"exportType": "JSON_MIN", "download_all_tasks": "true"}).json()

    # Closing early releases the connection; a closed stream is exhausted.
    stream = project.export()
    assert next(stream)["id"] == ids[0]
    stream.close()
    assert list(stream) == []

    csv = tmp_path / "export.csv"
    assert project.export_to_file(csv, "CSV") == csv.stat().st_size > 0
    assert "sentiment" in csv.read_text().splitlines()[0]
    with pytest.raises(ValueError, match="export_to_file"):
        project.export("CSV")


def snapshots_on_server(raw: Any, project_id: int) -> list[dict]:
    return raw.get(f"/api/projects/{project_id}/exports")


def test_snapshot_streams_every_task_like_the_export_and_leaves_nothing_on_the_server(
    project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = [
        {
            "data": {"text": f't{i} ✓ "quoted" [bracket], ' + "x" * (i * 5)},
            "annotations": ([{"result": choice("positive"), "lead_time": 1.5}] if i % 3 == 0 else [])
            + ([{"result": [], "was_cancelled": True}] if i % 5 == 0 else [])
            + ([{"result": choice("neutral"), "ground_truth": True}] if i == 7 else []),
            "predictions": [{"result": choice("negative"), "score": i / 100}],
        }
        for i in range(60)
    ]
    ids = project.import_tasks(tasks)
    expected = raw.call(
        "GET", f"/api/projects/{project.id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}
    ).json()
    monkeypatch.setattr(ExportStream, "_CHUNK", 41)  # items straddle many chunk boundaries
    with project.snapshot() as stream:
        got = list(stream)

    assert [t["id"] for t in got] == ids and stream.count == 60
    assert [t["data"] for t in got] == [t["data"] for t in tasks]
    keep = ("id", "result", "was_cancelled", "ground_truth", "completed_by", "lead_time", "created_at")
    assert [[{k: a[k] for k in keep} for a in t["annotations"]] for t in got] == [
        [{k: a[k] for k in keep} for a in t["annotations"]] for t in expected
    ]
    assert sum(len(t["annotations"]) for t in got) == 20 + 12 + 1  # usual, skipped and ground truth all come
    assert all(isinstance(a["completed_by"], int) for t in got for a in t["annotations"])
    assert [t["predictions"] for t in got] == [t["predictions"] for t in expected]  # ids, like the export
    assert snapshots_on_server(raw, project.id) == []

    stream = project.snapshot()  # closed early: deleted all the same
    assert next(stream)["id"] == ids[0]
    assert len(snapshots_on_server(raw, project.id)) == 1
    stream.close()
    assert list(stream) == [] and snapshots_on_server(raw, project.id) == []


def test_a_snapshot_built_in_the_background_is_waited_for_and_a_failed_one_is_an_error(
    proxy: Any, ls_server: Any, project: Any, raw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where Label Studio has a background worker, creating a snapshot answers at once with a
    status to poll. This server builds it within the request, so the proxy rewrites the
    answer's status; the polls then read the real one."""
    ids = project.import_tasks([{"data": {"text": f"t{i}"}} for i in range(5)])
    answer = {"status": "in_progress"}
    proxy.rule = lambda method, path: (
        (lambda body: {**body, **answer}) if method == "POST" and path.endswith("/exports") else None
    )
    monkeypatch.setattr("nblabel.labelstudio.SNAPSHOT_POLL", 0.01)
    p = LabelStudio(proxy.url, ls_server.token).project(project.id)
    assert [t["id"] for t in p.snapshot()] == ids
    polls = [h for h in proxy.hits if h[0] == "GET" and "/exports/" in h[1] and "/download" not in h[1]]
    assert len(polls) == 1  # one status read found it completed
    assert snapshots_on_server(raw, project.id) == []

    answer["status"] = "failed"
    with pytest.raises(LabelStudioError, match=r"export snapshot \d+ of project \d+ failed on the server"):
        p.snapshot()
    assert snapshots_on_server(raw, project.id) == []  # the failed one is deleted too


# --------------------------------------------------------------------------- errors, auth, retries


def test_wrong_token_is_auth_error_with_detail(ls_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "definitely-not-the-key-0123456789"
    with pytest.raises(AuthError) as ei:
        LabelStudio(ls_server.url, wrong).whoami()
    err = ei.value
    assert err.status == 401 and err.detail == "Invalid token."
    assert "Invalid token." in str(err) and "LABEL_STUDIO_API_KEY" in str(err)
    assert wrong not in str(err) and wrong not in repr(err)

    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    anonymous = LabelStudio(ls_server.url)
    assert anonymous.auth_kind == "none"
    assert anonymous.version()["release"] == "1.23.2"  # needs no key
    with pytest.raises(AuthError, match="Authentication credentials were not provided.*No API key"):
        anonymous.projects().__next__()


def test_env_defaults(ls_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url + "/")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    c = LabelStudio()
    assert c.url == ls_server.url and c.auth_kind == "legacy token"
    assert c.whoami()["email"] == ls_server.username


def test_server_down_fails_fast_with_a_hint(ls_module: Any) -> None:
    url = f"http://127.0.0.1:{ls_module.free_port()}"  # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(ConnectionFailed) as ei:
        LabelStudio(url, "k", retries=0).version()
    assert time.monotonic() - t0 < 2
    msg = str(ei.value)
    assert url in msg and "connection refused" in msg and "scripts/ls_server.py start" in msg

    t0 = time.monotonic()
    with pytest.raises(ConnectionFailed, match="tried 4 times"):
        LabelStudio(url, "k").version()  # default: 3 retries, 0.25/0.5/1 s apart
    assert time.monotonic() - t0 < 5


def test_wrong_url_is_a_clear_error(ls_server: Any) -> None:
    class Html(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>not Label Studio</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        with pytest.raises(LabelStudioError, match="not JSON.*Is .* a Label Studio server"):
            LabelStudio(url, "k").version()
    finally:
        srv.shutdown()
        srv.server_close()
    with pytest.raises(NotFound, match="HTML page"):  # a path prefix the server does not have
        LabelStudio(ls_server.url + "/nowhere", ls_server.token).whoami()


def test_idempotent_requests_are_retried_on_5xx(proxy: Any, ls_server: Any, project: Any, config_xml: str) -> None:
    c = LabelStudio(proxy.url, ls_server.token, backoff=0.01)
    proxy.fail_next(2)  # 503, 503, then the real server
    assert c.project(project.id).title == project.title
    assert [h[:2] for h in proxy.hits] == [("GET", f"/api/projects/{project.id}")] * 3

    proxy.fail_next(2)  # a POST the client marks idempotent (validation changes nothing)
    assert c.validate_config(config_xml) is None
    assert [h[:2] for h in proxy.hits] == [("POST", "/api/projects/validate/")] * 3

    proxy.fail_next(1, 429, {"Retry-After": "0"})
    assert c.version()["release"] == "1.23.2"
    assert len(proxy.hits) == 2

    proxy.fail_next(10)
    with pytest.raises(ServerError) as ei:
        LabelStudio(proxy.url, ls_server.token, retries=2, backoff=0.01).version()
    assert ei.value.status == 503 and "injected failure" in str(ei.value)
    assert len(proxy.hits) == 3


def test_non_idempotent_posts_are_not_retried(proxy: Any, ls_server: Any, project: Any, raw: Any) -> None:
    c = LabelStudio(proxy.url, ls_server.token, backoff=0.01)
    p = c.project(project.id)
    (task_id,) = p.import_tasks([{"text": "x"}])

    proxy.fail_next(1)
    with pytest.raises(ServerError):
        p.create_annotation(task_id, choice("positive"))
    assert [h[:2] for h in proxy.hits] == [("POST", f"/api/tasks/{task_id}/annotations")]

    proxy.fail_next(1)
    with pytest.raises(ServerError):
        p.import_tasks([{"text": "y"}])
    assert len(proxy.hits) == 1

    proxy.fail_next(1)
    with pytest.raises(ServerError):
        p.import_predictions([{"task": task_id, "result": choice("positive")}])
    assert len(proxy.hits) == 1

    (task,) = raw.all_tasks(project.id)  # nothing was created behind our back
    assert task["annotations"] == [] and task["predictions"] == []


def test_personal_access_token_flow(
    ls_server: Any, pat: str, proxy: Any, raw: Any, config_xml: str, make_title: Any
) -> None:
    c = LabelStudio(proxy.url, pat, backoff=0.01)
    assert c.auth_kind == "personal access token"
    assert c.whoami()["email"] == ls_server.username
    assert [h[:3] for h in proxy.hits] == [
        ("POST", "/api/token/refresh/", ""),
        ("GET", "/api/current-user/whoami", "Bearer"),
    ]
    assert c._creds.refreshes == 1

    # Renewed before it expires (300 s lifetime, renewed within the last 30 s).
    c._creds.access_expires = time.time() + 10
    proxy.hits.clear()
    c.whoami()
    assert [h[1] for h in proxy.hits] == ["/api/token/refresh/", "/api/current-user/whoami"]
    assert c._creds.refreshes == 2

    # An access token the server rejects (401): renewed once, and the request - even a POST - repeated.
    c._creds.access = c._creds.access[:-4] + "AAAA"
    proxy.hits.clear()
    title = make_title("pat")
    project = c.create_project(title, config_xml)
    try:
        assert [h[:2] for h in proxy.hits] == [
            ("POST", "/api/projects"),
            ("POST", "/api/token/refresh/"),
            ("POST", "/api/projects"),
        ]
        assert [p["id"] for p in raw.projects_titled(title)] == [project.id]  # created once
    finally:
        project.delete()

    # A revoked PAT: clear AuthError, the PAT never sent as a Bearer token.
    assert raw.call("POST", "/api/token/blacklist/", json={"refresh": pat}).status_code == 204
    with pytest.raises(AuthError, match="rejected the personal access token .*Token is blacklisted"):
        LabelStudio(ls_server.url, pat).whoami()
    with pytest.raises(AuthError, match="rejected the personal access token"):
        LabelStudio(ls_server.url, pat[:-6] + "AAAAAA").whoami()  # a tampered signature


def test_secrets_never_leak(
    ls_server: Any,
    pat: str,
    proxy: Any,
    config_xml: str,
    make_title: Any,
    ls_module: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    legacy = ls_server.token
    wrong = legacy[:-1] + "X"
    legacy_client = LabelStudio(proxy.url, legacy, backoff=0.01)
    pat_client = LabelStudio(proxy.url, pat, backoff=0.01)
    texts: list[str] = []
    errors: list[BaseException] = []

    def expect(exc_type: type, fn: Any) -> None:
        with pytest.raises(exc_type) as ei:
            fn()
        errors.append(ei.value)

    for c in (legacy_client, pat_client):
        c.whoami()
        project = c.create_project(make_title("leak"), config_xml)
        texts += [repr(c), str(c), repr(project), str(project), repr(c._creds)]
        texts.append(pickle.dumps(c).decode("latin-1"))
        texts.append(pickle.dumps(project).decode("latin-1"))
        proxy.fail_next(1 + c.retries)
        expect(ServerError, c.version)  # after retries (logged as warnings)
        expect(NotFound, lambda: c.project(10**9))
        expect(ValidationError, lambda: c.validate_config("<View><Text"))
        expect(ValidationError, lambda: project.import_tasks([{"nope": 1}]))
        project.delete()
    expect(AuthError, lambda: LabelStudio(ls_server.url, wrong).whoami())
    expect(AuthError, lambda: LabelStudio(ls_server.url, pat[:-6] + "AAAAAA").whoami())
    expect(
        ConnectionFailed,
        lambda: LabelStudio(f"http://127.0.0.1:{ls_module.free_port()}", legacy, retries=1, backoff=0.01).version(),
    )
    for e in errors:
        texts += [
            str(e),
            repr(e),
            "".join(traceback.format_exception(e)),
            pickle.dumps(e).decode("latin-1"),
            repr(vars(e)),
        ]
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    assert any("retry" in r.getMessage() for r in caplog.records)  # the log was exercised

    secrets = [legacy, wrong, pat, pat[:-6] + "AAAAAA", pat_client._creds.access]
    for secret in secrets:
        assert secret and len(secret) > 20
        for text in texts:
            assert secret not in text

    # An unpickled client has no key, unless LABEL_STUDIO_API_KEY provides one.
    clone = pickle.loads(pickle.dumps(legacy_client))
    assert clone.auth_kind == "none" and clone.url == proxy.url
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", legacy)
    assert pickle.loads(pickle.dumps(legacy_client)).whoami()["email"] == ls_server.username


# --------------------------------------------------------------------------- the server script


def test_start_confirms_the_port_when_it_is_taken(ls_module: Any, ls_server: Any) -> None:
    """Label Studio silently moves to the next port when the one asked for is busy: start()
    reads the port it really took from the log and checks the admin's key there."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        server = ls_module.start(port=taken)
        try:
            assert server.port != taken and server.url.endswith(f":{server.port}")
            c = LabelStudio(server.url, server.token)
            assert c.whoami()["email"] == server.username
            assert server.token not in repr(server)
        finally:
            server.stop()
    assert not Path(f"/proc/{server.pid}").exists()
    assert not server.cleanup_dir.exists()
    with pytest.raises(ConnectionFailed):
        LabelStudio(server.url, server.token, retries=0).version()


def test_cli_status_without_a_server(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "ls_server.py"
    env = dict(os.environ, NBL_LS_CACHE=str(tmp_path))
    r = subprocess.run([sys.executable, str(script), "status"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "not running" in r.stdout
    r = subprocess.run([sys.executable, str(script), "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "no server recorded" in r.stdout


# --------------------------------------------------------------------------- measurements (opt-in)


@pytest.mark.skipif(os.environ.get("NBL_LS_BENCH") != "1", reason="set NBL_LS_BENCH=1 to measure (~5 min)")
def test_measure_batch_and_page_sizes(client: LabelStudio, config_xml: str, make_title: Any) -> None:
    """How the import batch size and listing page size were chosen (numbers in labelstudio.py)."""
    n = int(os.environ.get("NBL_LS_BENCH_TASKS", "10000"))
    tasks = [{"data": {"text": f"review number {i}: the battery is fine but the screen is dim"}} for i in range(n)]
    report: dict[str, dict[int, list[float]]] = {"import": {}, "predictions": {}, "list": {}}
    for _rep in range(2):
        for bs in (500, 1000, 2000, 5000, n):
            p = client.create_project(make_title("bench"), config_xml)
            t = time.perf_counter()
            p.import_tasks(tasks, batch_size=bs)
            report["import"].setdefault(bs, []).append(round(time.perf_counter() - t, 2))
            p.delete()
    for pbs in (1000, 5000, n):
        p = client.create_project(make_title("bench"), config_xml)
        ids = p.import_tasks(tasks, batch_size=n)
        preds = [{"task": i, "result": choice("positive"), "score": 0.5, "model_version": "b"} for i in ids]
        t = time.perf_counter()
        assert p.import_predictions(preds, batch_size=pbs) == n
        report["predictions"].setdefault(pbs, []).append(round(time.perf_counter() - t, 2))
        if pbs == n:
            for ps in (100, 500, 1000, 5000):
                t = time.perf_counter()
                assert sum(1 for _ in p.iter_tasks(page_size=ps)) == n
                report["list"].setdefault(ps, []).append(round(time.perf_counter() - t, 2))
        p.delete()
    print("\n" + json.dumps(report, indent=1))
