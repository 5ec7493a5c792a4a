"""DataFrame <-> tasks (TaskSource, json_safe, task_key) and annotations -> wide/long DataFrames.

Real pandas, and annotations that went through a real SQLite store.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import numpy as np
import pandas as pd
import pytest

from nblabel.frame import TaskSource, annotations_to_frame, json_safe, task_key
from nblabel.store import Store

CONTROLS = {
    "sentiment": {"tag": "Choices", "type": "choices", "choice": "single", "toName": ["text"]},
    "topics": {"tag": "Choices", "type": "choices", "choice": "multiple", "toName": ["text"]},
    "note": {"tag": "TextArea", "type": "textarea", "toName": ["text"]},
    "stars": {"tag": "Rating", "type": "rating", "toName": ["text"]},
    "confidence": {"tag": "Number", "type": "number", "toName": ["text"]},
    "spans": {"tag": "Labels", "type": "labels", "choice": "single", "toName": ["text"]},
}


def item(name: str, typ: str, value: dict, rid: str = "r") -> dict:
    return {"id": rid, "from_name": name, "to_name": "text", "type": typ, "value": value}


FULL = [
    item("sentiment", "choices", {"choices": ["positive"]}, "a"),
    item("topics", "choices", {"choices": ["price", "battery"]}, "b"),
    item("note", "textarea", {"text": ["line one", "line two 🎉"]}, "c"),
    item("stars", "rating", {"rating": 4}, "d"),
    item("confidence", "number", {"number": 0.75}, "e"),
    item("spans", "labels", {"start": 0, "end": 5, "text": "Great", "labels": ["PRAISE"]}, "f"),
]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "labels.db") as s:
        yield s


def reviews(index=None, n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {"review": [f"review {i}" for i in range(n)], "score": np.arange(n) * 1.5},
        index=index if index is not None else range(n),
    )


# ---- json_safe / task_key -------------------------------------------------------------------


def test_json_safe_turns_numpy_scalars_into_python_values():
    assert json_safe(np.int64(5)) == 5 and type(json_safe(np.int64(5))) is int
    assert type(json_safe(np.float32(1.5))) is float
    assert json_safe(np.bool_(True)) is True
    assert type(json_safe(np.str_("x"))) is str
    assert json_safe(np.array([1, 2])) == [1, 2]


def test_json_safe_keeps_integers_beyond_javascripts_range_exact_as_strings():
    tweet_id = 1_790_000_000_000_000_123
    assert json_safe(np.int64(tweet_id)) == str(tweet_id)
    assert json_safe(2**53 - 1) == 2**53 - 1 and json_safe(-(2**53)) == str(-(2**53))
    assert task_key(json.loads(json.dumps(json_safe(tweet_id)))) == task_key(tweet_id) == str(tweet_id)
    src = TaskSource(pd.DataFrame({"t": ["a", "b"]}, index=[tweet_id, tweet_id + 1]), {"text": "t"})
    assert src.window(0, 1)[0]["id"] == str(tweet_id)
    assert src.positions([str(tweet_id + 1)]).tolist() == [False, True]


@pytest.mark.parametrize(
    "missing",
    [None, float("nan"), np.nan, np.float64("nan"), pd.NA, pd.NaT, np.datetime64("NaT"), float("inf"), -np.inf],
)
def test_json_safe_turns_missing_and_non_finite_values_into_none(missing):
    assert json_safe(missing) is None


def test_json_safe_writes_times_as_iso_strings():
    assert json_safe(pd.Timestamp("2024-03-09 14:30")) == "2024-03-09T14:30:00"
    assert json_safe(pd.Timestamp("2024-03-09", tz="UTC")) == "2024-03-09T00:00:00+00:00"
    assert json_safe(np.datetime64("2024-03-09T01:02:03")) == "2024-03-09T01:02:03"
    assert json_safe(dt.date(2024, 3, 9)) == "2024-03-09"
    assert json_safe(pd.Timedelta(minutes=1)) == "P0DT0H1M0S"


def test_json_safe_converts_nested_containers_and_the_result_is_valid_json():
    value = {
        "a": [np.int64(1), np.nan, (2, "x")],
        3: {"t": pd.Timestamp("2024-01-01")},
        "d": decimal.Decimal("1.5"),
        "s": {2, 1},
    }
    safe = json_safe(value)
    assert safe == {"a": [1, None, [2, "x"]], "3": {"t": "2024-01-01T00:00:00"}, "d": 1.5, "s": [1, 2]}
    json.dumps(safe, allow_nan=False)


def test_json_safe_refuses_bytes_and_unknown_objects_with_a_hint():
    with pytest.raises(TypeError, match="decode"):
        json_safe(b"\x89PNG")
    with pytest.raises(TypeError, match="object"):
        json_safe(object())
    with pytest.raises(TypeError, match="complex"):
        json_safe(np.complex128(1 + 2j))


def test_task_key_is_the_text_of_the_native_label():
    assert task_key(np.int64(5)) == task_key(5) == task_key("5") == task_key(5.0) == "5"
    assert task_key(2.5) == "2.5"
    assert task_key("row-7") == "row-7"
    assert task_key(pd.Timestamp("2024-01-02")) == "2024-01-02T00:00:00"
    assert task_key(("a", np.int64(1))) == '["a",1]'
    # a label that went to the browser as JSON and came back has the same key
    for label in [np.int64(9), "x", pd.Timestamp("2024-01-02 03:04:05.123456"), ("a", 1), 3.0]:
        assert task_key(json.loads(json.dumps(json_safe(label)))) == task_key(label)


# ---- TaskSource -----------------------------------------------------------------------------


def test_window_gives_positions_native_ids_and_only_mapped_vars():
    df = reviews(index=pd.Index([10, 20, 30, 40], dtype="int64"))
    src = TaskSource(df, {"text": "review"})
    assert src.total == 4
    window = src.window(1, 3)
    assert window == [
        {"pos": 1, "id": 20, "data": {"text": "review 1"}},
        {"pos": 2, "id": 30, "data": {"text": "review 2"}},
    ]
    assert type(window[0]["id"]) is int
    assert type(src.task_id(0)) is int and src.task_id(0) == 10
    assert src.key(3) == "40"


def test_window_is_clipped_to_the_frame():
    src = TaskSource(reviews(), {"text": "review"})
    assert [t["pos"] for t in src.window(-5, 2)] == [0, 1]
    assert [t["pos"] for t in src.window(3, 99)] == [3]
    assert src.window(4, 10) == [] and src.window(2, 1) == []


def test_nan_and_numpy_values_reach_the_window_as_json_safe_values():
    df = pd.DataFrame(
        {"text": ["a", None, "c"], "n": [1.0, np.nan, 3.0], "when": pd.to_datetime(["2024-01-01", None, "2024-01-03"])}
    )
    src = TaskSource(df, {"text": "text", "n": "n", "when": "when"})
    window = src.window(0, 3)
    assert window[1]["data"] == {"text": None, "n": None, "when": None}
    assert window[2]["data"] == {"text": "c", "n": 3.0, "when": "2024-01-03T00:00:00"}
    json.dumps(window, allow_nan=False)


def test_task_is_full_label_studio_task_json_with_every_column():
    df = pd.DataFrame({"body": ["héllo 👋"], "stars": [np.int64(3)], 7: [np.nan]}, index=["doc-1"])
    src = TaskSource(df, {"text": "body"})
    assert src.task(0) == {
        "id": "doc-1",
        "data": {"body": "héllo 👋", "stars": 3, "7": None, "text": "héllo 👋"},
        "meta": {"pos": 0},
    }
    with pytest.raises(IndexError):
        src.task(1)
    with pytest.raises(IndexError):
        src.task(-1)


def test_timestamp_index_ids_are_iso_strings_and_keys_match_them():
    idx = pd.date_range("2024-01-01", periods=3, freq="h")
    src = TaskSource(reviews(index=idx, n=3), {"text": "review"})
    assert src.window(0, 1)[0]["id"] == "2024-01-01T00:00:00"
    assert isinstance(src.task_id(1), pd.Timestamp)
    assert src.key(2) == "2024-01-01T02:00:00"
    assert src.positions(["2024-01-01T01:00:00", "2024-01-01 01:00:00", "2024-01-01"]).tolist() == [False, True, False]


def test_a_bytes_cell_fails_naming_its_column_and_row():
    src = TaskSource(pd.DataFrame({"img": [b"\x00\x01"]}), {"image": "img"})
    with pytest.raises(TypeError, match=r"column 'img', row 0.*decode"):
        src.window(0, 1)


def test_duplicate_index_labels_raise_naming_them_and_suggesting_reset_index():
    df = reviews(index=["a", "b", "a", "c"])
    with pytest.raises(ValueError, match=r"duplicate.*'a'.*reset_index"):
        TaskSource(df, {"text": "review"})


def test_duplicate_error_names_at_most_five_labels():
    df = pd.DataFrame({"x": range(20)}, index=[i % 8 for i in range(20)])
    with pytest.raises(ValueError) as info:
        TaskSource(df, {})
    message = str(info.value)
    assert "0, 1, 2, 3, 4" in message and "5, 6" not in message and "(and 3 more)" in message


def test_shuffled_string_index_duplicates_are_found():
    labels = [f"id-{i}" for i in np.random.default_rng(1).permutation(5000)]
    labels[4000] = labels[10]
    with pytest.raises(ValueError, match=repr(labels[10])):
        TaskSource(pd.DataFrame({"x": range(5000)}, index=labels), {})


def test_labels_that_read_the_same_as_text_are_duplicates_too():
    df = pd.DataFrame({"x": [1, 2]}, index=pd.Index([5, "5"], dtype=object))
    with pytest.raises(ValueError, match="'5'"):
        TaskSource(df, {})


def test_a_mapped_column_must_exist():
    with pytest.raises(KeyError, match="nope"):
        TaskSource(reviews(), {"text": "nope"})


@pytest.mark.parametrize(
    "index",
    [
        pd.RangeIndex(6),
        pd.RangeIndex(100, 40, -10),
        pd.Index([9, 3, 7, 1, 5, 2], dtype="int64"),
        pd.Index(["f", "b", "d", "a", "e", "c"]),
        pd.Index(["f", "b", "d", "a", "e", "c"], dtype=object),
        pd.Index(["a", "b", "c", "d", "e", "f"]),
        pd.Index([0.5, 1.0, 2.25, 3.0, -1.0, 7.5]),
        pd.date_range("2024-01-01", periods=6, freq="D"),
        pd.date_range("2024-01-01", periods=6, freq="37ms", tz="Europe/Paris"),
        pd.Index([1, "b", 2.5, pd.Timestamp("2024-01-01"), None, ("t", 1)], dtype=object),
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1), ("c", 2)]),
        pd.CategoricalIndex(["u", "v", "w", "x", "y", "z"]),
    ],
    ids=[
        "range",
        "range-desc",
        "int",
        "str",
        "str-object",
        "str-sorted",
        "float",
        "datetime",
        "datetime-tz",
        "mixed",
        "multi",
        "categorical",
    ],
)
def test_positions_marks_exactly_the_rows_whose_keys_are_given(index):
    src = TaskSource(reviews(index=index, n=6), {"text": "review"})
    keys = [src.key(4), src.key(1), "no-such-task", src.key(1)]
    assert np.flatnonzero(src.positions(keys)).tolist() == [1, 4]
    assert src.locate(keys).tolist() == [4, 1, -1, 1]
    # keys that arrive through the browser (JSON ids) find the same rows
    ids = [json.loads(json.dumps(t["id"])) for t in src.window(0, 6)]
    assert src.locate([task_key(i) for i in ids]).tolist() == list(range(6))
    assert src.positions([]).tolist() == [False] * 6


def test_positions_ignores_keys_that_only_parse_to_a_label():
    src = TaskSource(reviews(index=pd.Index([5, 6, 7], dtype="int64"), n=3), {"text": "review"})
    assert src.positions(["05", " 6", "7.0", "+7", "5"]).tolist() == [True, False, False]
    rng = TaskSource(reviews(n=3), {"text": "review"})
    assert rng.positions(["1", "01", "3", "-1", "x"]).tolist() == [False, True, False]


def test_positions_over_many_keys_on_a_large_shuffled_string_index():
    n = 50_000
    labels = np.array([f"doc-{i}" for i in np.random.default_rng(2).permutation(n)], dtype=object)
    src = TaskSource(pd.DataFrame({"t": np.zeros(n)}, index=labels), {"text": "t"})
    wanted = np.random.default_rng(3).choice(n, 5000, replace=False)
    mask = src.positions(labels[wanted].tolist())
    assert np.flatnonzero(mask).tolist() == sorted(wanted.tolist())


def test_appended_rows_keep_the_labels_of_existing_rows(store):
    df = reviews(index=pd.Index(["a", "b", "c"]), n=3)
    src = TaskSource(df, {"text": "review"})
    store.save(src.task_id(1), src.task(1)["data"], [FULL[0]], annotator="ana")
    store.save(src.task_id(2), src.task(2)["data"], [], annotator="ana", was_cancelled=True)

    grown = pd.concat([pd.DataFrame({"review": ["new 0", "new 1"], "score": [0.0, 0.0]}, index=["z", "y"]), df])
    src2 = TaskSource(grown, {"text": "review"})
    done = src2.positions(k for k, cancelled in store.annotated("ana").items() if not cancelled)
    skipped = src2.positions(k for k, cancelled in store.annotated("ana").items() if cancelled)
    assert np.flatnonzero(done).tolist() == [3] and np.flatnonzero(skipped).tolist() == [4]
    wide = annotations_to_frame(grown, CONTROLS, store.annotations())
    assert wide["sentiment"].isna().tolist() == [True, True, True, False, True]
    assert wide.loc["b", "sentiment"] == "positive"
    assert wide["skipped"].tolist()[2:] == [pd.NA, False, True]


# ---- annotations_to_frame: wide -------------------------------------------------------------


def test_wide_form_adds_one_column_per_control_with_extracted_labels(store):
    df = reviews(index=pd.Index([100, 101, 102], dtype="int64"), n=3)
    store.save(101, {}, FULL, annotator="ana", lead_time=12.5)
    wide = annotations_to_frame(df, CONTROLS, store.annotations())
    assert list(wide.columns) == ["review", "score", *CONTROLS, "annotator", "annotated_at", "lead_time", "skipped"]
    assert wide.index.equals(df.index)
    row = wide.loc[101]
    assert row["sentiment"] == "positive"
    assert row["topics"] == ["price", "battery"]
    assert row["note"] == "line one\nline two 🎉"
    assert row["stars"] == 4 and str(wide["stars"].dtype) == "Int64"
    assert row["confidence"] == 0.75 and str(wide["confidence"].dtype) == "Float64"
    assert row["spans"] == [{"start": 0, "end": 5, "text": "Great", "labels": ["PRAISE"]}]
    assert row["annotator"] == "ana" and row["lead_time"] == 12.5 and not row["skipped"]
    assert isinstance(row["annotated_at"], pd.Timestamp) and str(row["annotated_at"].tz) == "UTC"
    # the user's DataFrame is not touched
    assert list(df.columns) == ["review", "score"]


def test_wide_form_leaves_unannotated_rows_empty_and_marks_skips(store):
    df = reviews(n=3)
    store.save(0, {}, [FULL[0]], annotator="ana")
    store.save(2, {}, [], annotator="ana", was_cancelled=True)
    wide = annotations_to_frame(df, CONTROLS, store.annotations())
    assert wide["sentiment"].isna().tolist() == [False, True, True]
    assert wide["stars"].isna().all() and wide["confidence"].isna().all()
    assert wide["annotator"].isna().tolist() == [False, True, False]
    assert wide["annotated_at"].isna().tolist() == [False, True, False]
    assert wide.loc[1, "lead_time"] is pd.NA
    assert wide["skipped"].tolist() == [False, pd.NA, True]
    assert str(wide["skipped"].dtype) == "boolean"


def test_wide_form_uses_nullable_dtypes_so_every_empty_cell_is_na(store):
    df = reviews(n=3)
    store.save(0, {}, FULL, annotator="ana", lead_time=2.0)
    wide = annotations_to_frame(df, CONTROLS, store.annotations())
    dtypes = {c: str(wide[c].dtype) for c in [*CONTROLS, "annotator", "lead_time", "skipped"]}
    assert dtypes == {
        "sentiment": "string",
        "topics": "object",
        "note": "string",
        "stars": "Int64",
        "confidence": "Float64",
        "spans": "object",
        "annotator": "string",
        "lead_time": "Float64",
        "skipped": "boolean",
    }
    when = wide["annotated_at"].dtype
    assert isinstance(when, pd.DatetimeTZDtype) and str(when.tz) == "UTC"
    empty = wide.iloc[1]
    # one missing value everywhere (NaT is pandas' only empty datetime), never None or NaN
    assert all(empty[c] is pd.NA for c in [*CONTROLS, "annotator", "lead_time", "skipped"])
    assert empty["annotated_at"] is pd.NaT


def test_wide_form_dtypes_do_not_depend_on_whether_anything_is_labeled_yet():
    empty = annotations_to_frame(reviews(n=2), CONTROLS, [])
    assert str(empty["topics"].dtype) == "object" and str(empty["sentiment"].dtype) == "string"
    assert str(empty["stars"].dtype) == "Int64" and str(empty["confidence"].dtype) == "Float64"


def test_wide_form_suffixes_control_columns_that_clash_with_data_columns(store):
    df = pd.DataFrame({"sentiment": ["gold-pos"], "annotator": ["someone"], "sentiment_label": ["x"]})
    store.save(0, {}, [FULL[0]], annotator="ana")
    wide = annotations_to_frame(df, {"sentiment": CONTROLS["sentiment"]}, store.annotations())
    assert list(wide.columns) == [
        "sentiment",
        "annotator",
        "sentiment_label",
        "sentiment_label2",
        "annotator_label",
        "annotated_at",
        "lead_time",
        "skipped",
    ]
    assert wide.loc[0, "sentiment"] == "gold-pos" and wide.loc[0, "sentiment_label2"] == "positive"
    assert wide.loc[0, "annotator_label"] == "ana"


def test_wide_form_refuses_several_annotators_and_points_to_the_fixes(store):
    df = reviews(n=2)
    store.save(0, {}, [FULL[0]], annotator="ana")
    store.save(0, {}, [FULL[0]], annotator="ben")
    with pytest.raises(ValueError, match=r"form='long'.*annotator="):
        annotations_to_frame(df, CONTROLS, store.annotations())
    only_ben = annotations_to_frame(df, CONTROLS, store.annotations(), annotator="ben")
    assert only_ben.loc[0, "annotator"] == "ben"


def test_wide_form_matches_rows_by_index_label_not_position(store):
    df = reviews(index=pd.Index(["x", "y", "z"]), n=3)
    store.save("z", {}, [FULL[0]], annotator="ana")
    store.save("gone", {}, [FULL[0]], annotator="ana")  # a row that is no longer in df
    shuffled = df.loc[["z", "x", "y"]]
    wide = annotations_to_frame(shuffled, CONTROLS, store.annotations())
    assert wide["sentiment"].notna().tolist() == [True, False, False]
    assert len(wide) == 3


def test_wide_form_with_per_region_classifications_lists_their_labels(store):
    regions = [
        item("sentiment", "choices", {"start": 0, "end": 2, "choices": ["positive"]}, "a"),
        item("sentiment", "choices", {"start": 3, "end": 5, "choices": ["negative"]}, "b"),
    ]
    store.save(0, {}, regions, annotator="ana")
    wide = annotations_to_frame(reviews(n=1), CONTROLS, store.annotations())
    assert wide.loc[0, "sentiment"] == ["positive", "negative"]


def test_an_unknown_form_is_an_error():
    with pytest.raises(ValueError, match="wide"):
        annotations_to_frame(reviews(), CONTROLS, [], form="tall")


def test_duplicate_index_is_an_error_for_to_frame_too():
    with pytest.raises(ValueError, match="reset_index"):
        annotations_to_frame(reviews(index=[1, 1, 2, 3]), CONTROLS, [])


# ---- annotations_to_frame: long -------------------------------------------------------------


def test_long_form_has_one_row_per_result_item_with_the_original_labels(store):
    idx = pd.DatetimeIndex(["2024-05-01 10:00", "2024-05-01 11:00", "2024-05-01 12:00"])
    df = reviews(index=idx, n=3)
    store.save(idx[2], {}, FULL[:3], annotator="ana", lead_time=3.0)
    store.save(idx[0], {}, [FULL[3]], annotator="ben")
    store.save(idx[0], {}, [FULL[4]], annotator="ana")
    store.save(idx[1], {}, [], annotator="ana", was_cancelled=True)
    long = annotations_to_frame(df, CONTROLS, store.annotations(), form="long")
    assert list(long.columns) == [
        "task_id",
        "annotator",
        "from_name",
        "to_name",
        "type",
        "value",
        "raw",
        "annotated_at",
        "lead_time",
    ]
    assert [(r.task_id, r.annotator, r.type) for r in long.itertuples()] == [
        (idx[0], "ana", "number"),
        (idx[0], "ben", "rating"),
        (idx[1], "ana", "skip"),
        (idx[2], "ana", "choices"),
        (idx[2], "ana", "choices"),
        (idx[2], "ana", "textarea"),
    ]
    assert long["value"].tolist() == [0.75, 4, pd.NA, "positive", ["price", "battery"], "line one\nline two 🎉"]
    assert long["raw"].iloc[4] == {"choices": ["price", "battery"]}
    assert pd.isna(long["from_name"].iloc[2])
    assert long["lead_time"].iloc[3] == 3.0 and long["lead_time"].iloc[0] is pd.NA
    assert str(long["annotated_at"].dt.tz) == "UTC"
    assert {c: str(long[c].dtype) for c in ("annotator", "from_name", "to_name", "type", "lead_time")} == {
        "annotator": "string",
        "from_name": "string",
        "to_name": "string",
        "type": "string",
        "lead_time": "Float64",
    }
    assert long["raw"].iloc[2] is pd.NA


def test_long_form_keeps_other_result_types_and_relations_raw(store):
    relation = {"type": "relation", "from_id": "a", "to_id": "f", "direction": "right"}
    store.save(0, {}, [FULL[5], relation], annotator="ana")
    long = annotations_to_frame(reviews(n=1), CONTROLS, store.annotations(), form="long")
    assert long["type"].tolist() == ["labels", "relation"]
    assert long["value"].iloc[0] == FULL[5]["value"]
    assert long["raw"].iloc[1] == {"from_id": "a", "to_id": "f", "direction": "right"}


def test_long_form_of_no_annotations_is_empty_with_the_columns():
    long = annotations_to_frame(reviews(), CONTROLS, [], form="long")
    assert len(long) == 0 and "from_name" in long.columns
