"""Text span offsets: code points (Label Studio, Python) ↔ UTF-16 (the browser), checked on save.

Property-based over random Unicode with the characters that break offsets in practice mixed in:
emoji (ZWJ sequences, flags, skin tones), CJK (BMP and astral), combining marks and ``\\r\\n``.
"""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nblabel import parse_config
from nblabel.regions import (
    OffsetMap,
    SpanError,
    check_result_spans,
    check_span,
    codepoint_offset,
    hypertext_plain,
    span_value,
    utf16_len,
    utf16_offset,
)
from nblabel.session import LabelSession
from nblabel.store import Store

TRICKY = [
    "👩‍👩‍👧‍👦",  # family: 4 emoji joined by ZWJ (7 code points, 11 UTF-16 units)
    "🇯🇵",
    "🇩🇪",  # flags: two regional indicators each
    "👍🏽",  # emoji + skin-tone modifier
    "❤️",  # BMP heart + variation selector
    "東京",
    "北京大学",
    "𠀋𡈽",  # CJK, BMP and astral (plane 2)
    "e\u0301",
    "n\u0303a",
    "ไทย",  # combining marks
    "\r\n",
    "\n",
    "\t",
    " ",
    "Ω",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  # mathematical letters (astral)
]

# random Unicode scalar values (no lone surrogates: they cannot travel as JSON text)
_chars = st.characters(exclude_categories=("Cs",))
texts = st.lists(st.one_of(st.text(_chars, max_size=8), st.sampled_from(TRICKY)), max_size=30).map("".join)


def browser_slice(text: str, a16: int, b16: int) -> str:
    """What a browser's ``text.slice(a16, b16)`` gives (UTF-16 code units)."""
    return text.encode("utf-16-le")[2 * a16 : 2 * b16].decode("utf-16-le")


def spans(text: str, rng: random.Random, n: int = 5) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        a = rng.randint(0, len(text))
        out.append((a, rng.randint(a, len(text))))
    return out


@settings(max_examples=300, deadline=None)
@given(texts, st.randoms(use_true_random=False))
def test_code_point_and_utf16_offsets_convert_both_ways(text, rng):
    m = OffsetMap(text)
    assert m.utf16_length == utf16_len(text) == len(text.encode("utf-16-le")) // 2
    for a, b in spans(text, rng):
        a16, b16 = m.to_utf16(a), m.to_utf16(b)
        assert a16 == utf16_offset(text, a) == len(text[:a].encode("utf-16-le")) // 2
        assert (m.to_codepoint(a16), m.to_codepoint(b16)) == (a, b)
        assert codepoint_offset(text, b16) == b
        # the browser, given the converted offsets, highlights exactly the span's characters
        assert browser_slice(text, a16, b16) == text[a:b]


@settings(max_examples=300, deadline=None)
@given(texts, st.randoms(use_true_random=False))
def test_a_browser_selection_converted_to_code_points_gives_the_selected_text(text, rng):
    m = OffsetMap(text)
    boundaries = [m.to_utf16(i) for i in range(len(text) + 1)]  # UTF-16 offsets on characters
    a16 = rng.choice(boundaries)
    b16 = rng.choice([x for x in boundaries if x >= a16])
    value = {
        "start": m.to_codepoint(a16),
        "end": m.to_codepoint(b16),
        "text": browser_slice(text, a16, b16),
        "labels": ["X"],
    }
    check_span(text, value)  # passes
    assert text[value["start"] : value["end"]] == value["text"]


@settings(max_examples=200, deadline=None)
@given(texts, st.randoms(use_true_random=False))
def test_span_value_is_always_a_valid_span(text, rng):
    for a, b in spans(text, rng):
        value = span_value(text, a, b, ["PER"])
        check_span(text, value)
        assert text[value["start"] : value["end"]] == value["text"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(TRICKY), min_size=1, max_size=5).map("".join),
    st.sampled_from(["Paris", "東京 tower", "x"]),
)
def test_utf16_offsets_after_astral_characters_are_refused_with_a_hint(prefix, word):
    text = prefix + " " + word + " ok"
    start = len(prefix) + 1
    m = OffsetMap(text)
    s16, e16 = m.to_utf16(start), m.to_utf16(start + len(word))
    if s16 == start:  # no astral character before the span: both counts agree
        check_span(text, {"start": s16, "end": e16, "text": word})
        return
    with pytest.raises(SpanError, match="UTF-16 code units"):
        check_span(text, {"start": s16, "end": e16, "text": word})


def test_a_200000_character_text_converts_exactly_and_fast():
    rng = random.Random(7)
    pieces, n = [], 0
    while n < 200_000:
        pieces.append(rng.choice(TRICKY + ["lorem ", "ipsum ", "Label Studio ", "ß", "→"]))
        n += len(pieces[-1])
    text = "".join(pieces)[:200_000]
    assert len(text) == 200_000
    t0 = time.perf_counter()
    m = OffsetMap(text)
    assert m.utf16_length == len(text.encode("utf-16-le")) // 2 > 200_000
    for a, b in spans(text, rng, n=500):
        a16, b16 = m.to_utf16(a), m.to_utf16(b)
        assert (m.to_codepoint(a16), m.to_codepoint(b16)) == (a, b)
        check_span(text, span_value(text, a, b, ["X"]))
    # the last characters too: the end of the text is a valid offset
    assert m.to_codepoint(m.utf16_length) == len(text)
    # one map + 1000 conversions + 500 checks: far below a frame's budget even on a shared machine
    assert time.perf_counter() - t0 < 1.0


def test_crlf_counts_two_code_points_like_label_studio():
    text = "line one\r\nParis is here"
    start = text.index("Paris")
    assert start == 10  # "\r\n" is two code points (and two UTF-16 units)
    check_span(text, {"start": 10, "end": 15, "text": "Paris"})
    with pytest.raises(SpanError, match="does not match"):  # offsets counted with "\r\n" as one
        check_span(text, {"start": 9, "end": 14, "text": "Paris"})


def test_an_offset_inside_a_surrogate_pair_is_refused():
    text = "a😀b"
    with pytest.raises(SpanError, match="surrogate pair"):
        OffsetMap(text).to_codepoint(2)
    assert OffsetMap(text).to_codepoint(3) == 2


@pytest.mark.parametrize(
    "value, message",
    [
        ({"start": "1", "end": 3}, "integer code-point offsets"),
        ({"start": True, "end": 3}, "integer code-point offsets"),
        ({"start": 3, "end": 1}, "outside the text"),
        ({"start": 0, "end": 99}, "outside the text"),
        ({"start": -1, "end": 2}, "outside the text"),
        ({"start": 0, "end": 2, "text": 12}, "text must be a string"),
        ({"start": 0, "end": 2, "text": "ab "}, "does not match"),
    ],
)
def test_malformed_spans_say_what_is_wrong(value, message):
    with pytest.raises(SpanError, match=message):
        check_span("abcdef", value)


def test_spans_are_not_snapped_to_grapheme_clusters():
    text = "👩‍👩‍👧 e\u0301"
    check_span(text, {"start": 0, "end": 1, "text": "👩"})  # part of a ZWJ sequence
    check_span(text, {"start": 6, "end": 7, "text": "e"})  # a letter without its combining mark


# --------------------------------------------------------------------------- results and save

NER = """
<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
  <Choices name="sure" toName="text" perRegion="true"><Choice value="yes"/></Choices>
  <Choices name="lang" toName="text"><Choice value="en"/></Choices>
  <Relations><Relation value="near"/></Relations>
</View>
"""


def span_item(start, end, text, rid="r1", labels=("LOC",)):
    return {
        "id": rid,
        "from_name": "ner",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": list(labels)},
    }


def test_result_spans_are_checked_against_the_task_text_including_per_region_items():
    spec = parse_config(NER)
    data = {"text": "🇯🇵 Tokyo and 東京"}
    good = span_item(3, 8, "Tokyo")
    per_region = {
        "id": "r1",
        "from_name": "sure",
        "to_name": "text",
        "type": "choices",
        "value": {"start": 3, "end": 8, "text": "Tokyo", "choices": ["yes"]},
    }
    whole = {"id": "c1", "from_name": "lang", "to_name": "text", "type": "choices", "value": {"choices": ["en"]}}
    relation = {"type": "relation", "from_id": "r1", "to_id": "r2", "direction": "right", "labels": ["near"]}
    check_result_spans(spec, [good, per_region, whole, span_item(13, 15, "東京", "r2"), relation], data)
    with pytest.raises(SpanError, match=r"task 7: result\[1\] \('sure' on 'text'\)"):
        bad = {**per_region, "value": {**per_region["value"], "start": 5, "end": 10}}
        check_result_spans(spec, [good, bad], data, task_id=7)


def test_hypertext_spans_need_xpaths_and_global_offsets_in_code_points():
    spec = parse_config(
        '<View><HyperText name="doc" value="$html"/>'
        '<HyperTextLabels name="ner" toName="doc"><Label value="LOC"/></HyperTextLabels></View>'
    )
    item = {
        "id": "h1",
        "from_name": "ner",
        "to_name": "doc",
        "type": "hypertextlabels",
        "value": {
            "start": "/p[1]/text()[1]",
            "end": "/p[1]/text()[1]",
            "startOffset": 3,
            "endOffset": 8,
            "globalOffsets": {"start": 3, "end": 8},
            "text": "Tokyo",
            "hypertextlabels": ["LOC"],
        },
    }
    check_result_spans(spec, [item], {"html": "<p>🇯🇵 Tokyo</p>"})
    shifted = {**item, "value": {**item["value"], "globalOffsets": {"start": 5, "end": 10}}}  # after the flag
    with pytest.raises(SpanError, match="fit as UTF-16 code units"):
        check_result_spans(spec, [shifted], {"html": "<p>🇯🇵 Tokyo</p>"})
    wide = {**item, "value": {**item["value"], "text": "🇯🇵 Tokyo", "globalOffsets": {"start": 0, "end": 10}}}
    with pytest.raises(SpanError, match="length in UTF-16 code units"):
        check_result_spans(spec, [wide], {"html": "<p>🇯🇵 Tokyo</p>"})
    with pytest.raises(SpanError, match="XPath"):
        check_result_spans(spec, [{**item, "value": {**item["value"], "start": 0}}], {"html": "<p>x</p>"})
    assert hypertext_plain("<p>🇯🇵 <b>Tokyo</b></p><p>&amp; more</p>") == "🇯🇵 Tokyo& more"
    assert hypertext_plain("<p>a<br>東京<br/>b</p>") == "a\n東京\nb"  # a <br> counts one, as in Label Studio
    # Label Studio's text may differ from the offsets' span in whitespace (the selection's string)
    loose = {**item, "value": {**item["value"], "text": "Tokyo\n", "globalOffsets": {"start": 3, "end": 8}}}
    check_result_spans(spec, [loose], {"html": "<p>🇯🇵 Tokyo</p>"})


def test_a_span_on_a_url_text_is_not_checked_against_the_url():
    spec = parse_config(
        '<View><Text name="text" value="$url" valueType="url"/>'
        '<Labels name="ner" toName="text"><Label value="LOC"/></Labels></View>'
    )
    check_result_spans(spec, [span_item(0, 5, "Tokyo")], {"url": "/data/doc.txt"})


def test_a_save_with_wrong_offsets_is_refused_and_nothing_is_stored(tmp_path):
    spec = parse_config(NER)
    df = pd.DataFrame({"text": ["👩‍👩‍👧‍👦 met Ana in 東京", "plain"]})
    store = Store(tmp_path / "s.db")
    s = LabelSession(df, spec, store, annotator="ana", mapping=spec.bind(list(df.columns)))
    text = df.text[0]
    a = text.index("Ana")
    m = OffsetMap(text)
    wrong = span_item(m.to_utf16(a), m.to_utf16(a) + 3, "Ana", labels=["PER"])  # the browser's count
    reply = s.handle({"type": "save", "seq": 1, "pos": 0, "task_id": 0, "result": [wrong]})
    assert reply["type"] == "error"
    assert "does not match the task text" in reply["message"] and "UTF-16" in reply["message"]
    assert store.annotation(0, "ana") is None and store.history() == []
    right = span_item(a, a + 3, "Ana", labels=["PER"])
    assert s.handle({"type": "save", "seq": 2, "pos": 0, "task_id": 0, "result": [right]})["type"] == "ack"
    stored = store.annotation(0, "ana")["result"][0]["value"]
    assert text[stored["start"] : stored["end"]] == stored["text"] == "Ana"
