"""``to_dataframe(form="spans")`` and ``relations()``: spans and relations of stored annotations as frames."""

from __future__ import annotations

import pandas as pd
import pytest

from nblabel import Labeler

CONFIG = """<View>
  <Text name="text" value="$sentence"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/></Labels>
  <Labels name="tags" toName="text" choice="multiple"><Label value="a"/><Label value="b"/></Labels>
  <Choices name="sure" toName="text" perRegion="true"><Choice value="yes"/><Choice value="no"/></Choices>
  <TextArea name="note" toName="text" perRegion="true"/>
  <Choices name="lang" toName="text"><Choice value="en"/></Choices>
  <Relations><Relation value="works_at"/><Relation value="lives_in"/></Relations>
</View>"""

TEXTS = ["👩‍👩‍👧‍👦 Ana works at ACME in 東京.", "Bo\r\nlives in Zürich", "nothing"]


def region(text: str, word: str, label: str, rid: str, name: str = "ner", labels: list | None = None) -> dict:
    s = text.index(word)
    return {
        "id": rid,
        "from_name": name,
        "to_name": "text",
        "type": "labels",
        "value": {"start": s, "end": s + len(word), "text": word, "labels": labels or [label]},
    }


def per_region(span: dict, name: str, typ: str, value: dict) -> dict:
    v = {k: span["value"][k] for k in ("start", "end", "text")}
    return {"id": span["id"], "from_name": name, "to_name": "text", "type": typ, "value": {**v, **value}}


@pytest.fixture
def lab(tmp_path):
    df = pd.DataFrame({"sentence": TEXTS}, index=["s1", "s2", "s3"])
    lab = Labeler(df, CONFIG, store=tmp_path / "ner.db", annotator="ana")
    t = TEXTS[0]
    ana, acme, tokyo = region(t, "Ana", "PER", "r1"), region(t, "ACME", "ORG", "r2"), region(t, "東京", "LOC", "r3")
    result = [
        tokyo,
        ana,
        acme,
        per_region(ana, "sure", "choices", {"choices": ["yes"]}),
        per_region(acme, "note", "textarea", {"text": ["the company"]}),
        {"id": "c1", "from_name": "lang", "to_name": "text", "type": "choices", "value": {"choices": ["en"]}},
        region(t, "works", "", "r4", name="tags", labels=["a", "b"]),
        {"type": "relation", "from_id": "r1", "to_id": "r2", "direction": "right", "labels": ["works_at"]},
        {"type": "relation", "from_id": "r1", "to_id": "r3", "direction": "bi"},
    ]
    save(lab, 0, result)
    bo = region(TEXTS[1], "Bo", "PER", "q1")
    zurich = region(TEXTS[1], "Zürich", "LOC", "q2")
    save(lab, 1, [bo, zurich, {"type": "relation", "from_id": "q1", "to_id": "q2", "labels": ["lives_in"]}])
    return lab


def save(lab: Labeler, pos: int, result: list, who: Labeler | None = None) -> None:
    reply = lab._session.handle(
        {"type": "save", "seq": pos + 1, "pos": pos, "task_id": lab._session.source.task_id(pos), "result": result}
    )
    assert reply["type"] == "ack", reply


def test_one_row_per_span_in_text_order_with_per_region_attributes(lab):
    spans = lab.to_dataframe(form="spans")
    assert list(spans.columns) == [
        "task_id",
        "annotator",
        "from_name",
        "start",
        "end",
        "text",
        "label",
        "region_id",
        "sure",
        "note",
    ]
    assert spans[["task_id", "from_name", "text", "label", "region_id"]].values.tolist() == [
        ["s1", "ner", "Ana", "PER", "r1"],
        ["s1", "tags", "works", ["a", "b"], "r4"],
        ["s1", "ner", "ACME", "ORG", "r2"],
        ["s1", "ner", "東京", "LOC", "r3"],
        ["s2", "ner", "Bo", "PER", "q1"],
        ["s2", "ner", "Zürich", "LOC", "q2"],
    ]
    assert spans.sure.fillna("-").tolist() == ["yes", "-", "-", "-", "-", "-"]
    assert spans.note.fillna("-").tolist() == ["-", "-", "the company", "-", "-", "-"]
    assert spans.sure.isna().sum() == 5  # pandas' nullable dtypes, as in the other forms
    assert {c: str(spans[c].dtype) for c in ("start", "end", "text", "region_id", "sure", "note")} == {
        "start": "Int64",
        "end": "Int64",
        "text": "string",
        "region_id": "string",
        "sure": "string",
        "note": "string",
    }
    assert spans.label.dtype == object and (spans.annotator == "ana").all()  # a list label: object
    for row in spans.itertuples():  # code-point offsets: Python slicing gives the span's text
        assert TEXTS[int(row.task_id[1]) - 1][row.start : row.end] == row.text


def test_relations_carry_both_spans_text_and_label(lab):
    rel = lab.relations()
    assert list(rel.columns) == [
        "task_id",
        "annotator",
        "from_id",
        "to_id",
        "direction",
        "labels",
        "from_text",
        "from_label",
        "to_text",
        "to_label",
    ]
    assert rel.drop(columns="annotator").values.tolist() == [
        ["s1", "r1", "r2", "right", ["works_at"], "Ana", "PER", "ACME", "ORG"],
        ["s1", "r1", "r3", "bi", [], "Ana", "PER", "東京", "LOC"],
        ["s2", "q1", "q2", "right", ["lives_in"], "Bo", "PER", "Zürich", "LOC"],
    ]


def test_every_annotator_with_star_and_empty_frames_keep_their_columns(lab, tmp_path):
    other = Labeler(lab._session.df, CONFIG, store=lab.store, annotator="bo")
    save(other, 0, [region(TEXTS[0], "ACME", "ORG", "x1")])
    assert len(lab.to_dataframe(form="spans", annotator="ana")) == 6
    everyone = lab.to_dataframe(form="spans", annotator="*")
    assert sorted(everyone.annotator.unique()) == ["ana", "bo"] and len(everyone) == 7
    assert len(lab.to_dataframe(form="spans")) == 7  # the default is everyone, as for the other forms
    assert other.relations().empty and list(other.relations().columns)[:6] == [
        "task_id",
        "annotator",
        "from_id",
        "to_id",
        "direction",
        "labels",
    ]
    empty = Labeler(lab._session.df, CONFIG, store=lab.store, annotator="cy").to_dataframe(form="spans", annotator="cy")
    assert empty.empty and list(empty.columns) == [
        "task_id",
        "annotator",
        "from_name",
        "start",
        "end",
        "text",
        "label",
        "region_id",
    ]


def test_a_span_stored_without_text_takes_it_from_the_dataframe(tmp_path):
    df = pd.DataFrame({"s": ["🇯🇵 Tokyo"]})
    lab = Labeler(df, CONFIG, store=tmp_path / "x.db", columns={"sentence": "s"})
    item = region(df.s[0], "Tokyo", "LOC", "r1")
    del item["value"]["text"]
    save(lab, 0, [item])
    assert lab.to_dataframe(form="spans").text.tolist() == ["Tokyo"]


def test_hypertext_spans_use_global_offsets(tmp_path):
    config = (
        '<View><HyperText name="doc" value="$html"/><HyperTextLabels name="ner" toName="doc">'
        '<Label value="LOC"/></HyperTextLabels></View>'
    )
    df = pd.DataFrame({"html": ["<p>🇯🇵 <b>Tokyo</b></p>"]})
    lab = Labeler(df, config, store=tmp_path / "h.db")
    save(
        lab,
        0,
        [
            {
                "id": "h1",
                "from_name": "ner",
                "to_name": "doc",
                "type": "hypertextlabels",
                "value": {
                    "start": "/p[1]/b[1]/text()[1]",
                    "end": "/p[1]/b[1]/text()[1]",
                    "startOffset": 0,
                    "endOffset": 5,
                    "globalOffsets": {"start": 3, "end": 8},
                    "text": "Tokyo",
                    "hypertextlabels": ["LOC"],
                },
            }
        ],
    )
    spans = lab.to_dataframe(form="spans")
    assert spans[["start", "end", "text", "label"]].values.tolist() == [[3, 8, "Tokyo", "LOC"]]
