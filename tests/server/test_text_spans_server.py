"""Text spans and relations against a real Label Studio 1.23.2: offsets survive both directions.

Label Studio stores Text offsets as code points; nblabel too. A span on emoji / CJK text pushed
from nblabel comes back from the server's export with the same offsets (and the server's own
CONLL2003 export equals nblabel's); a span made through Label Studio's API pulls into nblabel with
``text[start:end] == value["text"]``; relations travel unchanged.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import nblabel
from nblabel import Labeler
from nblabel.labelstudio import Project
from nblabel.prelabel import span_results
from nblabel.regions import OffsetMap

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Relations><Relation value="works_at"/><Relation value="located_in"/><Relation value="lives_in"/>
    <Relation value="born_in"/></Relations>
</View>"""

# the gold sentences with emoji (ZWJ, flags), CJK, combining marks and CRLF
TRICKY = ["s06", "s07", "s08", "s09", "s10", "s12", "s19", "s23", "s31"]


@pytest.fixture
def project_config() -> str:
    return CONFIG


@pytest.fixture
def gold() -> pd.DataFrame:
    return nblabel.load_ner_gold().loc[TRICKY]


def label_gold(lab: Labeler, gold: pd.DataFrame) -> dict[str, list[dict]]:
    """Save the gold spans and relations through the labeler's save path (checked offsets)."""
    results = {}
    for pos, (sid, text, entities, relations) in enumerate(gold.itertuples()):
        result = span_results(text, entities, from_name="label", to_name="text", relations=relations)
        reply = lab._session.handle({"type": "save", "seq": pos + 1, "pos": pos, "task_id": sid, "result": result})
        assert reply["type"] == "ack", reply
        results[sid] = result
    return results


def test_spans_on_emoji_and_cjk_text_pushed_to_label_studio_export_back_with_the_same_offsets(
    tmp_path: Path, project: Project, raw: Any, ls_server: Any, gold: pd.DataFrame
) -> None:
    lab = Labeler(gold[["text"]], CONFIG, store=tmp_path / "ner.db", annotator=ls_server.username)
    results = label_gold(lab, gold)
    lab.push(project, progress=False)

    r = raw.call("GET", f"/api/projects/{project.id}/export", params={"exportType": "JSON"})
    assert r.status_code == 200, r.text[:300]
    exported = {t["meta"]["nblabel"]["key"]: t for t in r.json()}
    assert set(exported) == set(TRICKY)
    for sid, result in results.items():
        [annotation] = exported[sid]["annotations"]
        assert annotation["result"] == result  # same ids, offsets, texts, labels and relations
        text = exported[sid]["data"]["text"]
        assert text == gold.text[sid]
        for item in annotation["result"]:
            if item["type"] == "labels":
                v = item["value"]
                assert text[v["start"] : v["end"]] == v["text"]
    # the emoji really are astral: the browser's UTF-16 offsets would differ from these
    assert any(OffsetMap(gold.text[s]).utf16_length > len(gold.text[s]) for s in TRICKY)

    # Label Studio's own CONLL2003 export of those annotations equals nblabel's
    path = tmp_path / "server.conll"
    project.export_to_file(path, "CONLL2003", download_all_tasks=False)
    ours = lab.export("conll2003", tmp_path / "ours.conll")
    assert ours.records == len(TRICKY)
    assert (tmp_path / "ours.conll").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_a_span_and_a_relation_made_in_label_studio_pull_in_with_exact_text(
    tmp_path: Path, project: Project, raw: Any, ls_server: Any, gold: pd.DataFrame
) -> None:
    lab = Labeler(gold[["text"]], CONFIG, store=tmp_path / "ner.db", annotator=ls_server.username)
    lab.push(project, progress=False)
    tasks = {t["meta"]["nblabel"]["key"]: t for t in raw.all_tasks(project.id)}

    # what Label Studio's editor sends: code-point offsets, its own region ids, a relation
    text = gold.text["s08"]  # "Our team 👩‍👩‍👧‍👦 flew to Berlin with Lufthansa ✈️."
    berlin, lufthansa = text.index("Berlin"), text.index("Lufthansa")
    made = [
        {
            "id": "LSreg0001",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": berlin, "end": berlin + 6, "text": "Berlin", "labels": ["LOC"]},
        },
        {
            "id": "LSreg0002",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": lufthansa, "end": lufthansa + 9, "text": "Lufthansa", "labels": ["ORG"]},
        },
        {
            "type": "relation",
            "from_id": "LSreg0002",
            "to_id": "LSreg0001",
            "direction": "right",
            "labels": ["located_in"],
        },
    ]
    r = raw.call("POST", f"/api/tasks/{tasks['s08']['id']}/annotations", json={"result": made, "lead_time": 3})
    assert r.status_code == 201, r.text[:300]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every result fits the config: no misfit warning
        report = lab.pull(project, progress=False)
    assert report.annotations_new == 1

    assert lab.store.annotation("s08", ls_server.username)["result"] == r.json()["result"] == made
    spans = lab.to_dataframe(form="spans")
    assert spans[["task_id", "start", "end", "text", "label", "region_id"]].values.tolist() == [
        ["s08", berlin, berlin + 6, "Berlin", "LOC", "LSreg0001"],
        ["s08", lufthansa, lufthansa + 9, "Lufthansa", "ORG", "LSreg0002"],
    ]
    for row in spans.itertuples():
        assert gold.text[row.task_id][row.start : row.end] == row.text
    relations = lab.relations()
    assert relations[["from_text", "to_text", "labels", "direction"]].values.tolist() == [
        ["Lufthansa", "Berlin", ["located_in"], "right"]
    ]
    # and the pulled annotation is what the labeler shows for that task
    entry = next(t for t in lab.window["tasks"] if t["id"] == "s08")
    assert entry["annotation"]["result"] == made


def test_a_pulled_span_with_wrong_offsets_is_kept_and_warned_about(
    tmp_path: Path, project: Project, raw: Any, ls_server: Any, gold: pd.DataFrame
) -> None:
    lab = Labeler(gold[["text"]], CONFIG, store=tmp_path / "ner.db", annotator=ls_server.username)
    lab.push(project, progress=False)
    tasks = {t["meta"]["nblabel"]["key"]: t for t in raw.all_tasks(project.id)}
    text = gold.text["s08"]
    m = OffsetMap(text)
    b = text.index("Berlin")
    # UTF-16 offsets (what an old editor bug stored after an emoji): the server accepts anything
    wrong = [
        {
            "id": "LSbad0001",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": m.to_utf16(b), "end": m.to_utf16(b) + 6, "text": "Berlin", "labels": ["LOC"]},
        }
    ]
    assert raw.call("POST", f"/api/tasks/{tasks['s08']['id']}/annotations", json={"result": wrong}).status_code == 201

    with pytest.warns(
        UserWarning,
        match=r"1 pulled annotations have text spans whose offsets do not fit.*"
        r"task 's08'.*UTF-16 code units",
    ):
        report = lab.pull(project, progress=False)
    assert report.annotations_new == 1
    assert lab.store.annotation("s08", ls_server.username)["result"] == wrong  # kept as the server has it
