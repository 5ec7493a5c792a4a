"""to_dataframe for the text-family types: the label itself, not Label Studio's value dict."""

from __future__ import annotations

import pandas as pd

from nblabel import Store, parse_config
from nblabel.frame import annotations_to_frame

CONFIG = """<View>
  <Text name="prompt" value="$prompt"/>
  <Taxonomy name="topic" toName="prompt"><Choice value="Science"><Choice value="Biology"/></Choice></Taxonomy>
  <DateTime name="when" toName="prompt"/>
  <List name="answers" value="$items"/>
  <Ranker name="rank" toName="answers"/>
  <Pairwise name="pw" toName="prompt,other"/>
  <Text name="other" value="$other"/>
</View>"""
CONTROLS = parse_config(CONFIG).controls


def item(name: str, to: str, typ: str, value: dict) -> dict:
    return {"id": f"{name[:4]}xxxxxxx"[:10], "from_name": name, "to_name": to, "type": typ, "value": value}


RESULT = [
    item("topic", "prompt", "taxonomy", {"taxonomy": [["Science", "Biology"]]}),
    item("when", "prompt", "datetime", {"datetime": "2024-03-09T14:30"}),
    item("rank", "answers", "ranker", {"ranker": {"rank": ["b", "a"]}}),
    item("pw", "pw", "pairwise", {"selected": "right"}),
]


def test_wide_form_gives_paths_strings_and_buckets(tmp_path):
    df = pd.DataFrame({"prompt": ["p", "q"], "other": ["o", "o"], "items": [[], []]})
    with Store(tmp_path / "s.db") as store:
        store.save(0, {}, RESULT, annotator="ana")
        wide = annotations_to_frame(df, CONTROLS, store.annotations())
    row = wide.loc[0]
    assert row["topic"] == [["Science", "Biology"]]
    assert row["when"] == "2024-03-09T14:30" and str(wide["when"].dtype) == "string"
    assert row["rank"] == {"rank": ["b", "a"]}
    assert row["pw"] == "right" and str(wide["pw"].dtype) == "string"
    assert wide.loc[1, ["topic", "when", "rank", "pw"]].isna().all()
    assert wide["topic"].dtype == object


def test_long_form_values_are_the_labels(tmp_path):
    df = pd.DataFrame({"prompt": ["p"], "other": ["o"], "items": [[]]})
    with Store(tmp_path / "s.db") as store:
        store.save(0, {}, RESULT, annotator="ana")
        long = annotations_to_frame(df, CONTROLS, store.annotations(), form="long")
    assert long["value"].tolist() == [[["Science", "Biology"]], "2024-03-09T14:30", {"rank": ["b", "a"]}, "right"]
    assert long["raw"].tolist() == [r["value"] for r in RESULT]
