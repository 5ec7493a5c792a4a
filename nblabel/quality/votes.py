"""Several annotators' labels of one task, resolved into one: the vote behind ``to_dataframe()``
and :func:`majority_vote`.

Why a module of its own: the wide DataFrame, majority voting, agreement and consensus all need
the same answer to "what did each annotator say for this control of this task?" and "which value
won?". One place decides both:

- an annotator's *vote* for a control is the cell the single-annotator wide form would show
  (:func:`nblabel.frame.annotations_to_frame`): the choice, the rating, the text, a list of labels
  for per-region results; a skipped task or a control left empty casts no vote;
- the *winner* is the value with the most votes (plurality); when two or more values share the
  top count it is a tie: no winner (None) and the tie flag set;
- an annotation by the annotator named :data:`CONSENSUS` (written by ``Labeler.save_consensus``
  or a reviewer's fix) is the resolved answer: it wins outright and does not count as a vote.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
import numpy as np
import pandas as pd

from ..frame import TaskSource, _as_column, _unique_name, _wide_cell, task_key

__all__ = ["CONSENSUS", "vote_key", "winner", "annotator_votes", "resolved_frame", "consensus_results"]

#: The annotator name under which a resolved (consensus or reviewed) annotation is stored.
CONSENSUS = "consensus"


def vote_key(value: object) -> object:
    """A hashable stand-in for a vote, equal for equal labels (lists and dicts compare by content).

    Strings and numbers are their own key; a list (multi-choice) or dict becomes its JSON text
    with sorted keys, so ``["a", "b"]`` from two annotators counts as the same vote.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def winner(votes: list[object]) -> tuple[object, float, bool]:
    """``(value, share, tie)`` of a list of votes: the plurality value and its share of the votes.

    A tie for the top count gives ``(None, share of the top count, True)``; no votes give
    ``(None, nan, False)``.
    """
    if not votes:
        return None, float("nan"), False
    if len(votes) == 1:
        return votes[0], 1.0, False
    keys = [vote_key(v) for v in votes]
    if all(k == keys[0] for k in keys):  # unanimous: the common case, no counting
        return votes[0], 1.0, False
    counts = Counter(keys)
    ranked = counts.most_common(2)
    top = ranked[0][1]
    share = top / len(votes)
    if len(ranked) > 1 and ranked[1][1] == top:
        return None, share, True
    value = votes[keys.index(ranked[0][0])]
    return value, share, False


def _items_by_control(annotation: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for item in annotation.get("result") or []:
        if isinstance(item, dict) and isinstance(item.get("from_name"), str):
            out.setdefault(item["from_name"], []).append(item)
    return out


def annotator_votes(annotations: Iterable[dict], control: str, spec_control: dict | None = None) -> pd.DataFrame:
    """One row per (task, annotator) that voted on ``control``: columns ``task_id`` (the store
    key), ``annotator``, ``value``; skipped annotations, consensus and empty controls are left out.

    ``spec_control`` is the config's control JSON (``{"type", "choice", ...}``); without it the
    type is read from the result items (a Store has no config).
    """
    rows: list[tuple[str, str, object]] = []
    for a in annotations:
        if a.get("was_cancelled") or a.get("annotator") == CONSENSUS:
            continue
        items = _items_by_control(a).get(control)
        if not items:
            continue
        ctl = spec_control or {"type": items[0].get("type")}
        rows.append((task_key(a["task_id"]), a["annotator"], _wide_cell(items, ctl)))
    out = pd.DataFrame(rows, columns=["task_id", "annotator", "value"])
    cells = np.empty(len(rows), dtype=object)
    cells[:] = [r[2] for r in rows]
    out["value"] = cells
    return out


def resolved_frame(df: pd.DataFrame, controls: dict[str, dict], annotations: list[dict]) -> pd.DataFrame:
    """``df`` plus every control resolved across annotators (the default ``to_dataframe()``).

    Columns added, in order: per control ``<control>`` (the winner, typed as in the
    single-annotator wide form) and ``<control>_tie`` (nullable boolean: True on a tie, NA where
    nobody voted); then ``n_annotators`` (``Int64``: annotators with an annotation of the task,
    skips included, consensus not), ``annotator`` (their names, sorted, joined by ``", "``),
    ``annotated_at`` (the latest save, UTC), ``lead_time`` (mean seconds), ``skipped`` (True when
    every annotator skipped the task). A consensus annotation's value wins outright (tie False).
    Name clashes with ``df``'s columns get the ``_label`` suffix as in the single-annotator form.
    """
    source = TaskSource(df, {})
    locs = source.locate([task_key(a["task_id"]) for a in annotations]) if annotations else np.empty(0, dtype=np.int64)
    voters: dict[int, list[dict]] = {}
    resolved: dict[int, dict] = {}
    for p, a in zip(locs.tolist(), annotations):
        if p < 0:
            continue
        if a.get("annotator") == CONSENSUS:
            resolved[p] = a
        else:
            voters.setdefault(p, []).append(a)
    n = len(df)
    out = df.copy()
    taken: set[object] = set(df.columns)
    split_voters = {
        p: [(a, _items_by_control(a)) for a in anns if not a.get("was_cancelled")] for p, anns in voters.items()
    }
    split_resolved = {p: _items_by_control(a) for p, a in resolved.items() if not a.get("was_cancelled")}
    for name, control in controls.items():
        col = _unique_name(name, taken)
        taken.add(col)
        tie_col = _unique_name(f"{name}_tie", taken)
        taken.add(tie_col)
        cells: list[object] = [None] * n
        ties: list[object] = [None] * n
        for p, split in split_voters.items():
            votes = [_wide_cell(items[name], control) for _, items in split if items.get(name)]
            if votes:
                cells[p], _, ties[p] = winner(votes)
        for p, items in split_resolved.items():
            if items.get(name):
                cells[p], ties[p] = _wide_cell(items[name], control), False
        out[col] = _as_column(cells, control.get("type"))
        out[tie_col] = pd.array(ties, dtype="boolean")

    names = {m: _unique_name(m, taken) for m in ("n_annotators", "annotator", "annotated_at", "lead_time", "skipped")}
    count: list[object] = [None] * n
    who: list[object] = [None] * n
    when: list[object] = [None] * n
    lead = np.full(n, np.nan)
    skipped: list[object] = [None] * n
    for p in set(voters) | set(resolved):
        anns = voters.get(p, [])
        everyone = anns + ([resolved[p]] if p in resolved else [])
        count[p] = len(anns)
        who[p] = ", ".join(sorted(str(a.get("annotator")) for a in anns)) or None
        when[p] = max((a.get("updated_at") or a.get("created_at") or "") for a in everyone) or None
        leads = [float(a["lead_time"]) for a in anns if a.get("lead_time") is not None]
        if leads:
            lead[p] = sum(leads) / len(leads)
        skipped[p] = bool(anns) and all(a.get("was_cancelled") for a in anns) and p not in split_resolved
    out[names["n_annotators"]] = pd.array(count, dtype="Int64")
    out[names["annotator"]] = _as_column(who, None)
    out[names["annotated_at"]] = pd.to_datetime(
        pd.Series(when, index=df.index, dtype=object), utc=True, format="ISO8601"
    )
    out[names["lead_time"]] = lead
    out[names["skipped"]] = pd.array(skipped, dtype="boolean")
    return out


def consensus_results(annotations: list[dict], controls: dict[str, dict]) -> dict[str, list[dict]]:
    """Per task key, the result a consensus annotation gets: for each control whose vote has a
    winner, the result items of the first annotator who voted for it. Tasks where every control
    tied or nobody voted are left out (a tie needs a person: see ``Labeler(mode="review")``)."""
    by_task: dict[str, list[dict]] = {}
    for a in annotations:
        if not a.get("was_cancelled") and a.get("annotator") != CONSENSUS:
            by_task.setdefault(task_key(a["task_id"]), []).append(a)
    out: dict[str, list[dict]] = {}
    for key, anns in by_task.items():
        split = [_items_by_control(a) for a in anns]
        result: list[dict] = []
        for name, control in controls.items():
            voted = [(items[name], _wide_cell(items[name], control)) for items in split if items.get(name)]
            if not voted:
                continue
            value, _, tie = winner([v for _, v in voted])
            if tie:
                continue
            result += next(items for items, v in voted if vote_key(v) == vote_key(value))
        if result:
            out[key] = result
    return out
