"""The fast paths behind to_dataframe() and the exports give exactly what the straightforward
code gives: one joined JSON decode per store read, and the JSON-only deep copy of the exporter."""

from __future__ import annotations

import copy
import json
import random
import sqlite3

import pytest

from nblabel.export.core import _copy_json
from nblabel.store import Store, _annotation


def _random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(10**6), 10**6)
    if kind == 3:
        return rng.random() * 100
    if kind == 4:
        return "".join(rng.choice('ab é"\\/😀,[]{}') for _ in range(rng.randrange(6)))
    if kind in (5, 6):
        return {f"k{i}": _random_json(rng, depth + 1) for i in range(rng.randrange(4))}
    return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


def _random_result(rng: random.Random) -> list[dict]:
    return [
        {
            "id": f"r{i}",
            "from_name": rng.choice(["a", "b"]),
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [rng.choice(["x", "y, z", "é"])], "extra": _random_json(rng)},
        }
        for i in range(rng.randrange(4))
    ]


def test_a_store_read_decodes_every_result_as_reading_row_by_row_does(tmp_path):
    rng = random.Random(7)
    with Store(tmp_path / "s.db") as store:
        for i in range(300):
            store.save(
                i % 100,
                {"text": str(i)},
                _random_result(rng),
                annotator=f"u{i % 3}",
                was_cancelled=rng.random() < 0.1,
                lead_time=rng.choice([None, 1.5]),
            )
        rows = store._read(
            "SELECT id, task_key, annotator, result, was_cancelled, lead_time, created_at, "
            "updated_at FROM annotations WHERE project = ? ORDER BY id",
            [store.project],
        )
        reference = [_annotation(r) for r in rows]  # one json.loads per row
        assert len(reference) > 150
        assert store.annotations() == reference
        assert store.annotations("u1") == [a for a in reference if a["annotator"] == "u1"]
        assert store.annotations_of(["5", "7"]) == [a for a in reference if a["task_id"] in ("5", "7")]


@pytest.mark.parametrize("bad", ["[1", '[{"a": 1}], [2]', "not json"])
def test_a_damaged_result_row_still_fails_loudly_not_silently_shifted(tmp_path, bad):
    path = tmp_path / "s.db"
    with Store(path) as store:
        for i in range(5):
            store.save(i, {}, [{"from_name": "a", "value": {"choices": ["x"]}}], annotator="u")
    con = sqlite3.connect(path)
    con.execute("UPDATE annotations SET result = ? WHERE task_key = '2'", (bad,))
    con.commit()
    con.close()
    with Store(path) as store, pytest.raises(json.JSONDecodeError):
        store.annotations()


def test_the_exporters_json_copy_equals_deepcopy_and_shares_nothing():
    rng = random.Random(3)
    for _ in range(500):
        value = _random_json(rng)
        copied = _copy_json(value)
        assert copied == copy.deepcopy(value)
        if isinstance(value, (dict, list)) and value:
            assert copied is not value
            if isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, (dict, list)):
                        assert copied[k] is not v
    odd = {"t": (1, [2]), "s": {1, 2}}  # not JSON: still copied like deepcopy does
    assert _copy_json(odd) == copy.deepcopy(odd) and _copy_json(odd)["t"][1] is not odd["t"][1]


def test_the_collector_pause_restores_the_collector_even_after_an_error():
    import gc

    from nblabel.frame import gc_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():  # nested: the inner one leaves it to the outer
                pass
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller who had it off keeps it off
    finally:
        gc.enable()
