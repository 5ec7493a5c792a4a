"""The text-family result types round-trip with a real Label Studio 1.23.2.

Results shaped as nblabel's front end writes them (taxonomy, datetime, ranker, pairwise,
chatmessage, plus choices on a Paragraphs dialogue and a Table) are pushed, and the project's
own JSON export gives them back identical; the same types made through Label Studio's API pull
into the store identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nblabel import parse_config
from nblabel.frame import TaskSource
from nblabel.results import validate_result
from nblabel.store import Store
from nblabel.sync import pull, push

CONFIG = """<View>
  <Text name="prompt" value="$prompt"/>
  <Taxonomy name="topic" toName="prompt">
    <Choice value="Science"><Choice value="Biology" alias="bio"/></Choice>
    <Choice value="Art"/>
  </Taxonomy>
  <DateTime name="when" toName="prompt" only="date,time"/>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers"><Bucket name="good" title="Good"/><Bucket name="bad" title="Bad"/></Ranker>
  <Pairwise name="pw" toName="left,right"/>
  <Text name="left" value="$a"/>
  <Text name="right" value="$b"/>
  <Chat name="chat" value="$chat"/>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <Choices name="tone" toName="dialogue" layout="select"><Choice value="calm"/><Choice value="angry"/></Choices>
  <Table name="meta" value="$meta"/>
  <Rating name="stars" toName="meta" defaultValue="3"/>
</View>"""
SPEC = parse_config(CONFIG)


def results(i: int) -> list[dict]:
    """One item of each text-family type, as the front end writes it (ids, origin, unicode)."""

    def it(rid: str, name: str, to: str, typ: str, value: dict) -> dict:
        return {
            "id": f"{rid}{i}xxxxxxxx"[:10],
            "from_name": name,
            "to_name": to,
            "type": typ,
            "value": value,
            "origin": "manual",
        }

    return [
        it("tx", "topic", "prompt", "taxonomy", {"taxonomy": [["Science", "bio"], ["Art"]]}),
        it("dt", "when", "prompt", "datetime", {"datetime": f"2024-03-0{i + 1}T14:30"}),
        it("rk", "rank", "answers", "ranker", {"ranker": {"_": ["x2"], "good": ["x3"], "bad": ["x1"]}}),
        it("pw", "pw", "pw", "pairwise", {"selected": "right" if i % 2 else "left"}),
        it(
            "c1",
            "chat",
            "chat",
            "chatmessage",
            {"chatmessage": {"role": "user", "content": "Hi 😀 你好", "createdAt": 1733300000000 + i}},
        ),
        it(
            "c2",
            "chat",
            "chat",
            "chatmessage",
            {
                "chatmessage": {
                    "role": "assistant",
                    "content": "Hello!\nHow can I help?",
                    "createdAt": 1733300001000 + i,
                }
            },
        ),
        it("tn", "tone", "dialogue", "choices", {"choices": ["calm"]}),
        it("st", "stars", "meta", "rating", {"rating": 3}),
    ]


def frame(n: int) -> pd.DataFrame:
    items = [{"id": "x1", "title": "First"}, {"id": "x2", "title": "Second"}, {"id": "x3", "html": "<b>Third</b>"}]
    return pd.DataFrame(
        {
            "prompt": [f"prompt {i}" for i in range(n)],
            "items": [items] * n,
            "a": ["left"] * n,
            "b": ["right"] * n,
            "chat": [[{"role": "system", "content": "Be brief."}]] * n,
            "dialogue": [[{"author": "A", "text": "hello"}, {"author": "B", "text": "hi"}]] * n,
            "meta": [{"lang": "en", "n": i} for i in range(n)],
        },
        index=pd.RangeIndex(200, 200 + n),
    )


@pytest.fixture
def project_config() -> str:
    return CONFIG


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "labels.db") as s:
        yield s


def exported(raw: Any, project_id: int) -> dict[str, dict]:
    """The project's JSON export (Label Studio's own serializer), by nblabel task key."""
    r = raw.call("GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON"})
    assert r.status_code == 200, r.text[:300]
    return {t["meta"]["nblabel"]["key"]: t for t in r.json()}


def test_text_family_results_pushed_export_back_identical(store: Store, project: Any, raw: Any) -> None:
    df = frame(3)
    source = TaskSource(df, SPEC.bind(df.columns))
    for pos in range(3):
        validate_result(SPEC, results(pos))  # what the front end writes passes nblabel's own check
        store.save(df.index[pos], source.task(pos)["data"], results(pos), annotator="ana")

    report = push(store, source, SPEC, project, progress=False)

    assert (report.tasks_created, report.annotations_created) == (3, 3)
    tasks = exported(raw, project.id)
    for pos, tid in enumerate(df.index):
        (ann,) = tasks[str(tid)]["annotations"]
        assert ann["result"] == results(pos)
        assert tasks[str(tid)]["data"]["items"] == df["items"].iloc[pos]


def test_text_family_results_made_in_label_studio_pull_identical(
    store: Store, project: Any, raw: Any, ls_server: Any
) -> None:
    df = frame(2)
    source = TaskSource(df, SPEC.bind(df.columns))
    push(store, source, SPEC, project, progress=False)
    ids = {t["meta"]["nblabel"]["key"]: t["id"] for t in raw.all_tasks(project.id)}
    made = {}
    for pos, tid in enumerate(df.index):
        r = raw.call("POST", f"/api/tasks/{ids[str(tid)]}/annotations", json={"result": results(pos + 5)})
        assert r.status_code == 201, r.text
        made[str(tid)] = r.json()["result"]

    report = pull(store, SPEC, project, progress=False)

    assert report.annotations_new == 2 and report.conflicts == 0
    for key, result in made.items():
        stored = store.annotation(key, ls_server.username)
        assert stored["result"] == result == results(int(key) - 200 + 5)
        validate_result(SPEC, stored["result"])
