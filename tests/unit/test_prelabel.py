"""The bundled NER gold set and model-free pre-labels (span results from known spans and a gazetteer)."""

from __future__ import annotations

import unicodedata

import pytest

import nblabel
from nblabel import Labeler
from nblabel.prelabel import (
    gazetteer_predictions,
    gazetteer_spans,
    region_id,
    span_results,
)
from nblabel.regions import SpanError, check_span

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Relations><Relation value="works_at"/><Relation value="located_in"/><Relation value="lives_in"/>
    <Relation value="born_in"/></Relations>
</View>"""


def test_the_gold_set_has_exact_code_point_spans_on_tricky_texts():
    gold = nblabel.load_ner_gold()
    assert 30 <= len(gold) <= 50 and gold.index.is_unique and list(gold.columns) == ["text", "entities", "relations"]
    labels = set()
    for text, entities, relations in gold.itertuples(index=False):
        for e in entities:
            assert text[e["start"] : e["end"]] == e["text"]
            labels.add(e["label"])
        for r in relations:
            assert 0 <= r["from"] < len(entities) and 0 <= r["to"] < len(entities)
    assert labels == {"PER", "ORG", "LOC", "MISC"}
    everything = "".join(gold.text)
    assert "\r\n" in everything and "\u200d" in everything  # CRLF lines, ZWJ emoji sequences
    assert any(0x1F1E6 <= ord(c) <= 0x1F1FF for c in everything)  # flags
    assert any(unicodedata.category(c) == "Mn" for c in everything)  # combining marks
    assert any("\u4e00" <= c <= "\u9fff" for c in everything)  # CJK ideographs


def test_span_results_make_label_studio_spans_and_relations_with_stable_ids():
    text = "🇯🇵 Kenji works at Sony."
    result = span_results(
        text,
        [{"start": 3, "end": 8, "label": "PER", "text": "Kenji"}, (18, 22, "ORG")],
        from_name="label",
        to_name="text",
        relations=[{"from": 0, "to": 1, "label": "works_at"}],
    )
    assert result[0] == {
        "id": region_id("text", 3, 8, "PER"),
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 3, "end": 8, "text": "Kenji", "labels": ["PER"]},
    }
    assert result[2] == {
        "type": "relation",
        "from_id": result[0]["id"],
        "to_id": result[1]["id"],
        "direction": "right",
        "labels": ["works_at"],
    }
    assert len(result[0]["id"]) == 10 and result == span_results(
        text,
        [(3, 8, "PER"), (18, 22, "ORG")],
        from_name="label",
        to_name="text",
        relations=[{"from": 0, "to": 1, "label": "works_at"}],
    )
    with pytest.raises(SpanError, match="span 0: text 'Kenji' does not match"):
        span_results(text, [{"start": 2, "end": 7, "label": "PER", "text": "Kenji"}], from_name="l", to_name="t")


def test_the_gazetteer_finds_longest_whole_word_matches_in_any_script():
    gaz = {"Ana": "PER", "Ana Lima": "PER", "東京": "LOC", "Amazon": "ORG", "José\u0301": "PER", "José": "PER"}
    text = "Ana Limas met Ana Lima, Anastasia and José\u0301 in 東京大学 👩‍👩‍👧 at Amazon."
    found = [
        (r["value"]["text"], r["value"]["labels"][0])
        for r in gazetteer_spans(text, gaz, from_name="label", to_name="text")
    ]
    # "José" alone would end before a combining mark: only the whole "José\u0301" matches
    assert found == [("Ana", "PER"), ("Ana Lima", "PER"), ("José\u0301", "PER"), ("東京", "LOC"), ("Amazon", "ORG")]
    for r in gazetteer_spans(text, gaz, from_name="label", to_name="text"):
        check_span(text, r["value"])
        assert r["origin"] == "prediction"
    assert [
        r["value"]["text"] for r in gazetteer_spans("ana and AMAZON", gaz, from_name="l", to_name="t", ignore_case=True)
    ] == ["ana", "AMAZON"]


def test_gazetteer_predictions_go_into_the_store_and_reach_the_browser_window(tmp_path):
    gold = nblabel.load_ner_gold()
    gaz = {e["text"]: e["label"] for ents in gold.entities for e in ents}
    rows = gazetteer_predictions(gold, gaz, column="text", from_name="label", to_name="text")
    assert len(rows) == sum(1 for ents in gold.entities if ents)
    lab = Labeler(gold[["text"]], CONFIG, store=tmp_path / "ner.db")
    assert lab.store.add_predictions(rows) == len(rows)
    lab.set_data(gold[["text"]])
    first = lab.window["tasks"][0]
    assert first["id"] == "s01" and first["predictions"][0]["model_version"] == "gazetteer"
    assert [r["value"]["text"] for r in first["predictions"][0]["result"]] == ["Ana Lima", "ACME Corp.", "Lisbon"]
    with pytest.raises(KeyError, match="column 'sentence'"):
        gazetteer_predictions(gold, gaz, column="sentence", from_name="label", to_name="text")


def test_gold_results_pass_the_save_check_and_come_back_as_spans_and_relations(tmp_path):
    gold = nblabel.load_ner_gold()
    lab = Labeler(gold[["text"]], CONFIG, store=tmp_path / "ner.db", annotator="gold")
    for pos, (text, entities, relations) in enumerate(gold.itertuples(index=False)):
        result = span_results(text, entities, from_name="label", to_name="text", relations=relations)
        reply = lab._session.handle(
            {"type": "save", "seq": pos + 1, "pos": pos, "task_id": gold.index[pos], "result": result}
        )
        assert reply["type"] == "ack", reply
    spans = lab.to_dataframe(form="spans")
    assert len(spans) == sum(map(len, gold.entities))
    assert all(gold.text[t][s:e] == x for t, s, e, x in spans[["task_id", "start", "end", "text"]].values)
    rel = lab.relations()
    assert len(rel) == sum(map(len, gold.relations))
    assert rel.iloc[0][["from_text", "from_label", "labels", "to_text", "to_label"]].tolist() == [
        "Ana Lima",
        "PER",
        ["works_at"],
        "ACME Corp.",
        "ORG",
    ]
