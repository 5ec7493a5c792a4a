"""CONLL2003 export: the same file as Label Studio's converter, on tricky texts and spans.

The oracle is label-studio-sdk's converter (and NLTK's Treebank tokenizer it calls), run in the
Label Studio venv through a subprocess: never imported into nblabel's process.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import ls_server  # scripts/ (root conftest.py)
import pytest

from nblabel import Labeler, Store, parse_config
from nblabel.cli import main as cli_main
from nblabel.export import FORMATS, export_store
from nblabel.export.conll import tokens_and_tags
from nblabel.export.treebank import span_tokenize

LS_PYTHON = ls_server.VENV / "bin" / "python"
needs_sdk = pytest.mark.skipif(
    not LS_PYTHON.exists() and os.environ.get("NBL_REQUIRE_SERVER") != "1",
    reason="label-studio-sdk (the Label Studio venv) is not installed: python scripts/ls_server.py install",
)

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Labels name="other" toName="text"><Label value="X"/></Labels>
  <Choices name="sure" toName="text" perRegion="true"><Choice value="yes"/></Choices>
  <Relations><Relation value="works_at"/></Relations>
</View>"""


def sdk(script: str, tmp_path: Path) -> None:
    assert LS_PYTHON.exists(), f"NBL_REQUIRE_SERVER=1 but {LS_PYTHON} is missing"
    proc = subprocess.run([str(LS_PYTHON), "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def span(
    text: str,
    word: str,
    label: str,
    *,
    nth: int = 0,
    name: str = "ner",
    rid: str | None = None,
    cut: tuple[int, int] = (0, 0),
) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    s, e = start + cut[0], start + len(word) - cut[1]
    return {
        "id": rid or f"{name}{s}",
        "from_name": name,
        "to_name": "text",
        "type": "labels",
        "value": {"start": s, "end": e, "text": text[s:e], "labels": [label] if label else []},
    }


def ann(aid: int, result: list, created: str, **kw) -> dict:
    return {
        "id": aid,
        "completed_by": kw.pop("by", 1),
        "created_at": created,
        "updated_at": created,
        "lead_time": 1.0,
        "result": result,
        **kw,
    }


T1 = "Dr. Ana Lima (ACME Corp.) said: \"We'll open in São Paulo--soon!\" It's $3.5bn, isn't it?"
T2 = "👩‍👩‍👧‍👦 Family trip to 東京 with 🇯🇵 flags; Zoë met José\u0301 at the Café."
T3 = "First line\r\nSecond line in New York City.\r\nThird: cannot, gonna, 'tis done..."
T4 = "Overlap: Bank of America Tower rises. Mid-word spans: un[believ]able and Washington's."
T5 = "Text with no labels at all (nothing here)."
T6 = "Skipped task text."
TASKS = [
    {
        "id": 1,
        "data": {"text": T1},
        "annotations": [
            ann(
                11,
                [
                    span(T1, "Ana Lima", "PER"),
                    span(T1, "ACME Corp.", "ORG"),
                    span(T1, "São Paulo", "LOC"),
                    {
                        "id": "ner0",
                        "from_name": "sure",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"start": 4, "end": 12, "text": "Ana Lima", "choices": ["yes"]},
                    },
                    {
                        "type": "relation",
                        "from_id": "ner4",
                        "to_id": "ner14",
                        "direction": "right",
                        "labels": ["works_at"],
                    },
                ],
                "2024-01-01T00:00:00Z",
            ),
            ann(12, [span(T1, "$3.5bn", "MISC"), span(T1, "Dr. Ana", "PER")], "2024-02-01T00:00:00Z", by=2),
            ann(13, [span(T1, "Ana", "PER")], "2024-03-01T00:00:00Z", was_cancelled=True),
        ],
    },
    {
        "id": 2,
        "data": {"text": T2},
        "annotations": [
            ann(
                21,
                [
                    span(T2, "東京", "LOC"),
                    span(T2, "Zoë", "PER"),
                    span(T2, "José\u0301", "PER"),
                    span(T2, "🇯🇵", "MISC"),
                    span(T2, "Café", "ORG"),
                    span(T2, "👩‍👩‍👧‍👦", "MISC"),
                ],
                "2024-01-01T00:00:00Z",
            )
        ],
    },
    {
        "id": 3,
        "data": {"text": T3},
        "annotations": [
            ann(
                31,
                [
                    span(T3, "New York City", "LOC"),
                    span(T3, "Second", "MISC"),
                    span(T3, "gonna", "MISC"),
                    span(T3, "First", ""),
                ],
                "2024-01-01T00:00:00Z",
            )
        ],
    },
    {
        "id": 4,
        "data": {"text": T4},
        "annotations": [
            # the first Labels control in result order is "other" here: its spans give the tags
            ann(
                41,
                [
                    span(T4, "Overlap", "X", name="other"),
                    span(T4, "Bank of America Tower", "ORG"),
                    span(T4, "America", "LOC"),
                    span(T4, "believ", "MISC"),
                    span(T4, "Washington", "PER", cut=(2, 1)),
                ],
                "2024-01-01T00:00:00Z",
            ),
            ann(
                42,
                [
                    span(T4, "Bank of America Tower", "ORG"),
                    span(T4, "America", "LOC"),
                    span(T4, "Tower rises", "MISC"),
                    span(T4, "Washington's", "PER"),
                ],
                "2024-01-02T00:00:00Z",
            ),
        ],
    },
    {"id": 5, "data": {"text": T5}, "annotations": []},
    {"id": 6, "data": {"text": T6}, "annotations": [ann(61, [], "2024-01-01T00:00:00Z", was_cancelled=True)]},
    {"id": 7, "data": {"text": T5}, "annotations": [ann(71, [], "2024-01-01T00:00:00Z")]},
]


@pytest.fixture(scope="module")
def spec():
    return parse_config(CONFIG)


@needs_sdk
def test_conll2003_equals_label_studio_converter_line_for_line(spec, tmp_path):
    (tmp_path / "tasks.json").write_text(json.dumps(TASKS, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "config.xml").write_text(CONFIG)
    sdk(
        "import sys; from label_studio_sdk.converter import Converter\n"
        "d = sys.argv[1]\n"
        "c = Converter(config=open(d + '/config.xml').read(), project_dir=None, download_resources=False)\n"
        "assert 'CONLL2003' in c.supported_formats, c.supported_formats\n"
        "c.convert(d + '/tasks.json', d + '/out', 'CONLL2003', is_dir=False)\n",
        tmp_path,
    )
    theirs = (tmp_path / "out" / "result.conll").read_bytes()
    records = FORMATS["conll2003"].write(TASKS, spec, tmp_path / "mine.conll")
    mine = (tmp_path / "mine.conll").read_bytes()
    assert mine.decode().splitlines() == theirs.decode().splitlines()
    assert mine == theirs
    assert records == 8  # 2 + 1 + 1 + 2 + 1 annotations, 1 task without any; the skip gives none
    lines = mine.decode().splitlines()
    assert "Ana -X- _ B-PER" in lines and "Lima -X- _ I-PER" in lines
    assert "東京 -X- _ B-LOC" in lines and "José\u0301 -X- _ B-PER" in lines


@needs_sdk
def test_treebank_tokens_equal_nltk_on_random_and_tricky_texts(tmp_path):
    rng = random.Random(2026)
    pieces = [
        '"',
        "''",
        "``",
        "'",
        "'s",
        "n't",
        "'ll",
        "can",
        "not",
        "cannot",
        "gonna",
        "'tis",
        "wanna ",
        ",",
        ":",
        ";",
        "...",
        ".",
        "?",
        "!",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        "--",
        "-",
        "$",
        "%",
        "&",
        "@",
        "#",
        "3,5",
        "3.5",
        "1:2",
        "a",
        "B",
        "word",
        "Zoë",
        "東京",
        "👩‍👩‍👧‍👦",
        "🇯🇵",
        "e\u0301",
        " ",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\u00a0",
        "\u2028",
        "\x1c",
        "\u3000",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    texts += [T1, T2, T3, T4, T5, "", " ", '"', "''", '"Hi," she said.', "He said ''yes''.", "end."]
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    sdk(
        "import sys, json; from nltk.tokenize import TreebankWordTokenizer\n"
        "d = sys.argv[1]; t = TreebankWordTokenizer(); out = []\n"
        "for s in json.load(open(d + '/texts.json', encoding='utf-8')):\n"
        "    try: out.append([list(x) for x in t.span_tokenize(s)])\n"
        "    except Exception as e: out.append(type(e).__name__)\n"
        "json.dump(out, open(d + '/spans.json', 'w'))\n",
        tmp_path,
    )
    theirs = json.loads((tmp_path / "spans.json").read_text())
    for text, expected in zip(texts, theirs):
        try:
            mine: object = [list(x) for x in span_tokenize(text)]
        except Exception as exc:  # both must fail alike (a quote count mismatch)
            mine = "StopIteration" if isinstance(exc, (StopIteration, RuntimeError)) else type(exc).__name__
        assert mine == expected, text


def test_bio_tags_follow_the_spans_token_by_token():
    text = "Ana Lima works at ACME Corp. in São Paulo."
    spans = [
        span(text, "São Paulo", "LOC")["value"],
        span(text, "Ana Lima", "PER")["value"],
        span(text, "ACME", "ORG")["value"],
    ]
    tokens, tags = tokens_and_tags(text, spans)
    assert list(zip(tokens, tags)) == [
        ("Ana", "B-PER"),
        ("Lima", "I-PER"),
        ("works", "O"),
        ("at", "O"),
        ("ACME", "B-ORG"),
        ("Corp.", "O"),
        ("in", "O"),
        ("São", "B-LOC"),
        ("Paulo", "I-LOC"),
        (".", "O"),
    ]


def test_conll2003_needs_text_and_labels_and_one_text_column():
    with pytest.raises(ValueError, match="needs a config with a <Text> object and a <Labels> control"):
        list(
            FORMATS["conll2003"].write(
                [],
                parse_config(
                    '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
                ),
                Path(os.devnull),
            )
        )
    two = parse_config(
        '<View><Text name="a" value="$a"/><Text name="b" value="$b"/>'
        '<Labels name="l" toName="a,b"><Label value="X"/></Labels></View>'
    )
    with pytest.raises(ValueError, match=r"2 data keys \(a, b\)"):
        FORMATS["conll2003"].write([], two, Path(os.devnull))


def test_a_task_without_its_text_is_a_clear_error(spec, tmp_path):
    with pytest.raises(ValueError, match=r"task 9: CONLL2003 needs the text in data\['text'\].*no data snapshot"):
        FORMATS["conll2003"].write([{"id": 9, "data": {}, "annotations": []}], spec, tmp_path / "x.conll")


def test_lab_export_and_the_cli_write_the_same_conll_file(spec, tmp_path, capsys):
    import pandas as pd

    df = pd.DataFrame({"text": [T2, T3]})
    db = tmp_path / "ner.db"
    lab = Labeler(df, CONFIG, store=db, annotator="ana")
    lab._session.handle(
        {"type": "save", "seq": 1, "pos": 0, "task_id": 0, "result": [span(T2, "東京", "LOC"), span(T2, "Zoë", "PER")]}
    )
    res = lab.export("conll2003", tmp_path / "lab.conll")
    assert (res.format, res.tasks, res.records) == ("conll2003", 1, 1)
    text = (tmp_path / "lab.conll").read_text(encoding="utf-8")
    assert text.startswith("-DOCSTART- -X- O\n👩‍👩‍👧‍👦 -X- _ O\n") and "東京 -X- _ B-LOC\n" in text
    (tmp_path / "c.xml").write_text(CONFIG)
    assert (
        cli_main(
            [
                "export",
                "--store",
                str(db),
                "--config",
                str(tmp_path / "c.xml"),
                "--out",
                str(tmp_path / "cli.conll"),
                "--format",
                "conll2003",
            ]
        )
        == 0
    )
    assert (tmp_path / "cli.conll").read_bytes() == (tmp_path / "lab.conll").read_bytes()
    with Store(db) as store:
        again = export_store(store, spec, tmp_path / "api.conll", "CONLL2003")
    assert again.records == 1 and (tmp_path / "api.conll").read_bytes() == (tmp_path / "lab.conll").read_bytes()


def test_the_cli_says_why_a_config_cannot_be_exported_as_conll(tmp_path, capsys):
    db = tmp_path / "c.db"
    with Store(db) as store:
        store.save(
            1,
            {"t": "hello"},
            [{"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": ["a"]}}],
            annotator="ana",
        )
    cfg = tmp_path / "c.xml"
    cfg.write_text('<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>')
    code = cli_main(
        [
            "export",
            "--store",
            str(db),
            "--config",
            str(cfg),
            "--out",
            str(tmp_path / "x.conll"),
            "--format",
            "conll2003",
        ]
    )
    assert code == 1
    assert "CONLL2003 needs a config with a <Text> object and a <Labels> control" in capsys.readouterr().err
    assert not (tmp_path / "x.conll").exists()  # nothing half-written
