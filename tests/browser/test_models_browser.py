"""Models in the loop, in real JupyterLab + chromium: a pre-label shows as a suggestion, one key
accepts it, a label key corrects it, and arriving predictions or a re-rank never move the item
on screen."""

from __future__ import annotations

import json

import pytest

import harness as H

pytestmark = pytest.mark.browser

SUGGESTION = f"{H.ROOT} .nbl-suggestion"

SETUP = '''\
import os, threading, time
import nblabel
df = nblabel.load_reviews().head(60)
config = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/><Choice value="negative" hotkey="2"/>
  </Choices>
</View>"""
'''

MODEL = (
    SETUP
    + '''
def model(rows):
    """Even positions: positive 0.8; odd: negative 0.7 (known scores)."""
    out = []
    for task_id in rows.index:
        i = df.index.get_loc(task_id)
        out.append({"positive": 0.8, "negative": 0.2} if i % 2 == 0 else {"positive": 0.3, "negative": 0.7})
    return out

lab = nblabel.Labeler(df, config, store=os.environ["NBL_STORE"], annotator="t", predict=model, predict_batch=10)
lab
'''
)

SLOW = (
    SETUP
    + """
gate = threading.Event()
def slow(rows):
    gate.wait(60)  # the test opens the gate once the user is on an item
    time.sleep(0.2)
    return [{"positive": 0.55, "negative": 0.45} if i % 3 else {"positive": 0.95, "negative": 0.05}
            for i in (df.index.get_loc(t) for t in rows.index)]

lab = nblabel.Labeler(df, config, store=os.environ["NBL_STORE"], annotator="t", predict=slow, predict_batch=5,
                      order="margin")
lab
"""
)


def open_with(lab, page, name: str, source: str) -> None:
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / name).write_text(json.dumps(nb))
    H.open_notebook(page, lab.server, name)
    H.run_all(page)
    H.wait_labeler_ready(page)
    page.wait_for_function(H.JS_KERNEL_READY, timeout=120_000)


def suggestion(page) -> dict:
    return page.evaluate(f"""() => {{ const s = document.querySelector('{SUGGESTION}');
        const b = [...document.querySelectorAll('{H.ROOT} [data-nbl-control=sentiment] button')];
        return {{hidden: s.hidden, text: s.querySelector('.nbl-suggestion-text').textContent,
                 score: s.dataset.score, predicted: b.filter(x => x.dataset.predicted === 'true').map(x => x.dataset.value),
                 pressed: b.filter(x => x.getAttribute('aria-pressed') === 'true').map(x => x.dataset.value)}}; }}""")


def wait_suggestion(page, text: str) -> dict:
    page.wait_for_function(
        f"""(t) => {{ const s = document.querySelector('{SUGGESTION}');
                     return !!s && !s.hidden && s.querySelector('.nbl-suggestion-text').textContent === t; }}""",
        arg=text,
        timeout=30_000,
    )
    return suggestion(page)


def test_a_prelabel_shows_one_key_accepts_it_and_a_label_key_corrects_the_next(lab, page):
    open_with(lab, page, "models-accept.ipynb", MODEL)
    s = wait_suggestion(page, "positive")
    # a suggestion, not a label: shown with its score, the choice outlined but not pressed
    assert s["score"] == "0.8" and s["predicted"] == ["positive"] and s["pressed"] == [], s
    assert H.root_attrs(page)["done"] == "0"

    H.focus_root(page)
    page.keyboard.press("r")  # accept
    attrs = H.root_attrs(page)
    assert attrs["pos"] == "1" and attrs["seq"] == "1", attrs  # accepted, saved, auto-advanced
    s = wait_suggestion(page, "negative")
    assert s["score"] == "0.7" and s["pressed"] == []
    page.keyboard.press("1")  # correct it: the human says positive
    H.wait_all_acked(page)

    got = H.kernel_json(
        page, "_f[['sentiment', 'sentiment_pred']].head(2).values.tolist()", setup="_f = lab.to_dataframe()"
    )
    assert got == [["positive", "positive"], ["positive", "negative"]], got
    # Label Studio's origin: the accepted label came from the prediction, the correction is manual
    origins = H.kernel_json(
        page,
        "[[r.get('origin') for r in a['result']] for a in _a]",
        setup="_a = lab._store.annotations('t')[:2]  # oldest first",
    )
    assert origins == [["prediction"], ["manual"]], origins


def test_arriving_predictions_and_a_rerank_do_not_move_the_current_item(lab, page):
    open_with(lab, page, "models-stream.ipynb", SLOW)
    H.focus_root(page)
    for _ in range(3):
        page.keyboard.press("j")
    page.keyboard.press("2")  # label item 3, auto-advance to item 4
    H.wait_all_acked(page)
    before = H.root_attrs(page)
    assert before["pos"] == "4", before
    H.start_cell(page, "gate.set(); lab.wait_predictions(60)")

    # predictions stream in: the item on screen gets its suggestion where it is
    wait_suggestion(page, "positive")
    # the full pass re-ranks (order="margin"); wait until the kernel applied it
    page.wait_for_function(
        f"""() => {{ const r = document.querySelector('{H.ROOT}'); return r.dataset.state === 'saved'; }}"""
    )
    reranks = 0
    for _ in range(60):
        reranks = H.kernel_json(page, "lab._reranks")
        if reranks:
            break
        page.wait_for_timeout(500)
    assert reranks >= 1, "the re-rank never happened"
    after = H.root_attrs(page)
    assert (after["pos"], after["taskId"]) == (before["pos"], before["taskId"]), (before, after)
    H.focus_root(page)  # the kernel_json cells took the focus
    # the next items are now the uncertain ones (p=0.55, margin 0.1); in row order every third
    # item (positions 6, 9, ...) would be a confident 0.95
    scores = []
    for _ in range(4):
        page.keyboard.press("j")
        scores.append(wait_suggestion(page, "positive")["score"])
    assert scores == ["0.55"] * 4, scores
    order = H.kernel_json(page, "[lab._session.row(p) for p in range(9)]")
    assert order[:5] == [0, 1, 2, 3, 4] and all(r % 3 for r in order[5:]), order
