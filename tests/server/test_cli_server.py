"""`nblabel push | pull | export` as subprocesses against a real Label Studio 1.23.2 server.

Everything read back goes through the plain REST API (`raw`); the flat export formats are compared
with the server's own JSON_MIN / CSV / TSV exports of the same project.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nblabel import Store, parse_config
from nblabel.export import dumps_csv, json_min_rows

KEY_ENV = "NBL_TEST_LS_KEY"  # the key reaches the CLI through a variable named with --token-env


def choice(value: str) -> list[dict]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


class Cli:
    def __init__(self, server: Any, tmp: Path) -> None:
        self.server, self.tmp = server, tmp

    def __call__(
        self, *argv: Any, key: str | None = None, url: str | None = None, check: int | None = 0
    ) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        env[KEY_ENV] = self.server.token if key is None else key
        env["LABEL_STUDIO_URL"] = url or self.server.url
        args = [str(a) for a in argv]
        if args[0] in ("push", "pull"):
            args += ["--token-env", KEY_ENV, "--no-progress"]
        proc = subprocess.run(
            [sys.executable, "-m", "nblabel.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.tmp,
        )
        secret = env[KEY_ENV]
        assert secret not in proc.stdout + proc.stderr, "the API key was printed"
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc


@pytest.fixture
def cli(ls_server: Any, tmp_path: Path) -> Cli:
    return Cli(ls_server, tmp_path)


@pytest.fixture
def files(tmp_path: Path, config_xml: str) -> tuple[Path, Path]:
    cfg = tmp_path / "config.xml"
    cfg.write_text(config_xml)
    data = tmp_path / "reviews.csv"
    data.write_text(
        'key,text,stars\nk1,great value,5\nk2,broke after a day,1\nk3,"fine, I guess",3\n'
        "k4,would buy again,5\nk5,meh,2\n"
    )
    return cfg, data


def project_id(raw: Any, title: str) -> int:
    found = raw.projects_titled(title)
    assert len(found) == 1, found
    return int(found[0]["id"])


def test_push_is_idempotent_and_carries_annotations(
    cli: Cli, raw: Any, files: tuple[Path, Path], make_title: Any, tmp_path: Path
) -> None:
    cfg, data = files
    db = tmp_path / "labels.db"
    with Store(db) as s:  # labeled in a notebook: one by a server member, one by a notebook name
        s.save("k1", {"text": "great value"}, choice("positive"), annotator="admin@nblabel.test", lead_time=3.0)
        s.save("k2", {"text": "broke after a day"}, choice("negative"), annotator="ana")
    title = make_title("cli push")
    out = cli("push", data, "--config", cfg, "--store", db, "--project", title, "--index", "key").stdout
    assert "5 tasks created" in out and "2 annotations created" in out, out
    pid = project_id(raw, title)
    tasks = raw.all_tasks(pid)
    assert sorted(t["meta"]["nblabel"]["key"] for t in tasks) == ["k1", "k2", "k3", "k4", "k5"]
    by_key = {t["meta"]["nblabel"]["key"]: t for t in tasks}
    assert by_key["k3"]["data"] == {"text": "fine, I guess", "stars": 3}
    (a1,), (a2,) = by_key["k1"]["annotations"], by_key["k2"]["annotations"]
    assert a1["result"] == choice("positive") and a1["lead_time"] == 3.0 and a1["completed_by"] == 1
    assert a2["result"] == choice("negative")
    # a notebook name that is no member's email: sent as the key's user, the name kept in task meta
    assert "ana" in by_key["k2"]["meta"]["nblabel"].get("annotators", {}).values()

    again = cli("push", data, "--config", cfg, "--store", db, "--project", str(pid), "--index", "key").stdout
    assert "0 tasks created" in again and "0 annotations created" in again, again
    assert len(raw.all_tasks(pid)) == 5
    assert sum(len(t["annotations"]) for t in raw.all_tasks(pid)) == 2


def test_push_label_studio_task_json_with_predictions(
    cli: Cli, raw: Any, config_xml: str, make_title: Any, tmp_path: Path
) -> None:
    (tmp_path / "c.xml").write_text(config_xml)
    tasks = [
        {
            "id": 100 + i,
            "data": {"text": f"text {i}"},
            "predictions": [{"model_version": "rules-1", "score": 0.25 * i, "result": choice("neutral")}],
        }
        for i in range(4)
    ]
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    title = make_title("cli json")
    out = cli(
        "push", "tasks.json", "--config", "c.xml", "--store", "p.db", "--project", title, "--batch-size", "3"
    ).stdout
    assert "4 tasks created" in out and "4 predictions created" in out, out
    server = raw.all_tasks(project_id(raw, title))
    assert sorted(t["meta"]["nblabel"]["key"] for t in server) == ["100", "101", "102", "103"]
    preds = [p for t in server for p in t["predictions"]]
    assert len(preds) == 4 and all(p["model_version"] == "rules-1" and p["result"] == choice("neutral") for p in preds)
    assert sorted(p["score"] for p in preds) == [0.0, 0.25, 0.5, 0.75]
    assert (
        "0 predictions created"
        in cli("push", "tasks.json", "--config", "c.xml", "--store", "p.db", "--project", title).stdout
    )


def test_pull_brings_server_annotations_and_export_shows_them(
    cli: Cli, raw: Any, client: Any, config_xml: str, make_title: Any, tmp_path: Path
) -> None:
    (tmp_path / "c.xml").write_text(config_xml)
    project = client.create_project(make_title("cli pull"), config_xml)
    try:
        ids = project.import_tasks([{"data": {"text": t}} for t in ("one", "two", "three")])
        project.create_annotation(ids[0], choice("positive"), lead_time=1.5)
        project.create_annotation(ids[2], choice("negative"))
        project.create_annotation(ids[2], [], was_cancelled=True)
        for method in ("pages", "export"):
            db = tmp_path / f"{method}.db"
            out = cli("pull", "--store", db, "--project", project.id, "--method", method).stdout  # config: the server's
            assert "3 tasks seen" in out and "3 annotations new" in out, out
            assert (
                "0 annotations new"
                in cli(
                    "pull", "--store", db, "--config", "c.xml", "--project", project.title, "--method", method
                ).stdout
            )
        cli("export", "--store", "pages.db", "--config", "c.xml", "--format", "json_min", "--out", "min.json")
        rows = json.loads((tmp_path / "min.json").read_text())
        assert sorted((r["id"], r["text"], r["sentiment"], r["annotator"]) for r in rows) == [
            (f"ls-{ids[0]}", "one", "positive", "admin@nblabel.test"),
            (f"ls-{ids[2]}", "three", "negative", "admin@nblabel.test"),
        ]  # the skip is no row (Label Studio's rule); the unannotated task is not exported
        cli("export", "--store", "pages.db", "--config", "c.xml", "--out", "all.json", "--all-tasks")
        tasks = json.loads((tmp_path / "all.json").read_text())
        assert len(tasks) == 3 and sum(len(t["annotations"]) for t in tasks) == 3
        authors = [a["completed_by"] for t in tasks for a in t["annotations"]]
        # the skip is the admin's second annotation of that task: kept apart under a name of its own
        assert authors.count({"email": "admin@nblabel.test"}) == 2
        assert [a for a in authors if isinstance(a, str) and a.startswith("admin@nblabel.test (ls#")]
        # the same through the server: its JSON_MIN has the same labels for the same texts
        with project.export("JSON_MIN", download_all_tasks=False) as stream:
            theirs = sorted((r["text"], r["sentiment"], r.get("lead_time")) for r in stream)
        assert sorted((r["text"], r["sentiment"], r["lead_time"]) for r in rows) == theirs
    finally:
        project.delete()


RICH_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="positive"/><Choice value="negative"/></Choices>
  <Choices name="topics" toName="text" choice="multiple"><Choice value="price"/><Choice value="quality"/></Choices>
  <Labels name="spans" toName="text"><Label value="PRODUCT"/><Label value="PERSON"/></Labels>
  <TextArea name="note" toName="text"/>
  <Rating name="stars" toName="text"/>
</View>"""


def test_flat_formats_equal_the_servers_exports(client: Any, make_title: Any) -> None:
    """nblabel's JSON_MIN / CSV / TSV of the server's JSON export == the server's own exports."""
    spec = parse_config(RICH_CONFIG)
    project = client.create_project(make_title("cli formats"), RICH_CONFIG)
    rich = [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}},
        {"from_name": "topics", "to_name": "text", "type": "choices", "value": {"choices": ["price", "quality"]}},
        {
            "id": "s1",
            "from_name": "spans",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 5, "text": "Phone", "labels": ["PRODUCT"]},
        },
        {
            "id": "s2",
            "from_name": "spans",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 10, "end": 13, "text": "Ann", "labels": ["PERSON"]},
        },
        {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ['says "ok", twice']}},
        {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": 4}},
    ]
    try:
        project.import_tasks(
            [
                {
                    "data": {"text": "Phone for Ann, ünïcode ✓", "extra": {"nested": [1, 2]}, "n": 7},
                    "annotations": [{"result": rich, "lead_time": 12.5}, {"result": choice("negative")}],
                },
                {"data": {"text": "no annotation", "n": None}},
                {"data": {"text": "skipped", "n": 1}, "annotations": [{"result": [], "was_cancelled": True}]},
                {
                    "data": {"text": "two lines", "sentiment": "clashes with a control"},
                    "annotations": [
                        {
                            "result": [
                                {
                                    "from_name": "note",
                                    "to_name": "text",
                                    "type": "textarea",
                                    "value": {"text": ["a", "b"]},
                                }
                            ]
                        }
                    ],
                },
            ]
        )
        with project.export("JSON") as stream:
            tasks = list(stream)
        with project.export("JSON_MIN") as stream:
            assert list(json_min_rows(tasks, spec)) == list(stream)
        for fmt, sep in (("CSV", ","), ("TSV", "\t")):
            r = client.request(
                "GET", f"/api/projects/{project.id}/export", params={"exportType": fmt, "download_all_tasks": "true"}
            )
            theirs = r.content.decode("utf-8")
            mine = dumps_csv(tasks, spec, sep=sep)
            if mine != theirs:  # the server's JSON escapes "/" as "\/": compare parsed cells
                assert _cells(mine, sep) == _cells(theirs, sep)
            assert mine.splitlines()[0] == theirs.splitlines()[0]
    finally:
        project.delete()


def _cells(text: str, sep: str) -> list[list[Any]]:
    out = []
    for row in csv.reader(io.StringIO(text), delimiter=sep):
        cells = []
        for c in row:
            try:
                cells.append(json.loads(c) if c[:1] in "[{" else c)
            except ValueError:
                cells.append(c)
        out.append(cells)
    return out


def test_errors_name_the_problem(
    cli: Cli, ls_server: Any, files: tuple[Path, Path], make_title: Any, tmp_path: Path
) -> None:
    cfg, data = files
    base = ["push", data, "--config", cfg, "--store", tmp_path / "e.db", "--index", "key"]
    bad = cli(*base, "--project", make_title("cli err"), key="wrong-key-0123456789", check=3)
    assert "401" in bad.stderr and "Invalid token" in bad.stderr and ls_server.url in bad.stderr
    missing = cli("pull", "--store", tmp_path / "e.db", "--project", "no such project title", check=1)
    assert "no such project title" in missing.stderr and "pull reads an existing project" in missing.stderr
    missing = cli("pull", "--store", tmp_path / "e.db", "--project", "987654", check=1)
    assert "987654" in missing.stderr
    unmapped = cli(*base, "--project", make_title("cli map"), "--annotator-map", "ana=nobody@example.org", check=1)
    assert "nobody@example.org" in unmapped.stderr and "members" in unmapped.stderr
    not_ls = cli(*base, "--project", make_title("cli url"), url=ls_server.url + "/static", check=3)
    assert "/static" in not_ls.stderr and "check the URL" in not_ls.stderr
