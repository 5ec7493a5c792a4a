"""Review: pick tasks for a second look, and record what the reviewer decided.

``Labeler.review_sample(rate, by, seed)`` flags a share of the labeled tasks (stored in the
``reviews`` table, schema v3): ``"random"`` a uniform sample; ``"annotator"`` the same share of
each annotator's tasks (so a new or fast annotator is checked as much as the others);
``"low_agreement"`` the tasks whose vote is weakest (ties first, then the lowest winning share).
A reviewer then accepts, rejects with a comment, or fixes (the fix becomes the ``consensus``
annotation, which ``to_dataframe()`` shows as the task's value).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

from .votes import CONSENSUS, _items_by_control, _wide_cell, winner

__all__ = ["SAMPLE_BY", "REVIEW_DECISIONS", "sample_tasks"]

SAMPLE_BY = ("random", "annotator", "low_agreement")
REVIEW_DECISIONS = ("accept", "reject", "fix")


def _share(rate: float, n: int) -> int:
    return min(n, max(1, math.ceil(rate * n))) if n else 0


def sample_tasks(
    annotations: Iterable[dict],
    keys: set[str],
    controls: dict[str, dict],
    *,
    rate: float,
    by: str,
    seed: int,
    control: str | None = None,
) -> list[str]:
    """Keys of the tasks to review among ``keys`` that have a label (skips and consensus aside)."""
    if not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], not {rate!r}")
    if by not in SAMPLE_BY:
        raise ValueError(f"by must be one of {', '.join(SAMPLE_BY)}, not {by!r}")
    if control is not None and control not in controls:
        raise KeyError(f"control {control!r} is not in the config (controls: {', '.join(controls)})")
    by_task: dict[str, list[dict]] = {}
    for a in annotations:
        if a["task_id"] in keys and not a.get("was_cancelled") and a.get("annotator") != CONSENSUS:
            by_task.setdefault(a["task_id"], []).append(a)
    rng = random.Random(seed)
    candidates = sorted(by_task)
    if by == "random":
        return sorted(rng.sample(candidates, _share(rate, len(candidates))))
    if by == "annotator":
        mine: dict[str, list[str]] = {}
        for key in candidates:
            for a in by_task[key]:
                mine.setdefault(a["annotator"], []).append(key)
        chosen: set[str] = set()
        for who in sorted(mine):
            chosen.update(rng.sample(mine[who], _share(rate, len(mine[who]))))
        return sorted(chosen)
    names = [control] if control is not None else list(controls)
    scored = []
    for key in candidates:
        split = [_items_by_control(a) for a in by_task[key]]
        weakest = (1, 1.0)  # (not a tie, share): ties sort first
        for name in names:
            votes = [_wide_cell(items[name], controls[name]) for items in split if items.get(name)]
            if len(votes) < 2:
                continue
            _, share, tie = winner(votes)
            weakest = min(weakest, (0 if tie else 1, share))
        scored.append((weakest, rng.random(), key))
    scored.sort()
    return sorted(key for _, _, key in scored[: _share(rate, len(scored))])
