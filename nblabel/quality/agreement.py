"""Inter-annotator agreement and majority vote over a Labeler, a Store or a long DataFrame.

Chance-corrected coefficients come from well-kept libraries (the optional extra
``nblabel[quality]``): Cohen's kappa from scikit-learn (``cohen_kappa_score``), Fleiss' kappa from
statsmodels (``fleiss_kappa``), Krippendorff's alpha from ``krippendorff``. What is nblabel's own:
reading votes out of Label Studio results (:mod:`nblabel.quality.votes`), percent agreement,
region agreement (spans and boxes matched by IoU, scored by F1; no library does that on Label
Studio results), per-label and per-pair breakdowns, and the rule that an undefined agreement is
NaN with a reason (one annotator, no shared items, one label used throughout), never 1.0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..frame import task_key
from .votes import CONSENSUS, annotator_votes, vote_key, winner

__all__ = ["Agreement", "agreement", "majority_vote", "METRICS", "REGION_TYPES"]

METRICS = ("auto", "percent", "cohen", "fleiss", "krippendorff", "f1")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
#: Result types whose items are regions (spans, boxes): agreement by IoU-matched F1.
REGION_TYPES = ("labels", "rectanglelabels", "rectangle", "hypertextlabels", "paragraphlabels")

_EXTRA = "pip install 'nblabel[quality]'"


@dataclass
class Agreement:
    """An agreement coefficient and its breakdowns.

    ``value`` is NaN when agreement is undefined, and ``reason`` then says why. ``per_label``:
    the same metric on each label against the rest (one-vs-rest), or the F1 of that label's
    regions. ``per_pair``: the metric for each pair of annotators on the items both labeled.
    ``n_items``: items that entered ``value`` (each with at least two annotators).
    ``confusion``: how often label *r* (row) met label *c* (column) on one item between two
    annotators (rows: the first annotator's label when there are two; all ordered pairs pooled
    when there are more).
    """

    metric: str
    value: float
    control: str | None
    n_items: int
    annotators: list[str]
    per_label: dict[Any, float] = field(default_factory=dict)
    per_pair: dict[tuple[str, str], float] = field(default_factory=dict)
    level: str | None = None
    reason: str | None = None
    confusion: pd.DataFrame | None = None

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        what = f"{self.metric}" + (f" ({self.level})" if self.level and self.metric == "krippendorff" else "")
        shown = "nan" if math.isnan(self.value) else f"{self.value:.3f}"
        why = f", reason={self.reason!r}" if self.reason else ""
        return (
            f"Agreement({what} = {shown}, control={self.control!r}, n_items={self.n_items}, "
            f"annotators={len(self.annotators)}{why})"
        )

    def plot(self, ax: Any = None) -> Any:
        """The confusion matrix as a heat map with counts (matplotlib; returns the Axes)."""
        if self.confusion is None or self.confusion.empty:
            raise ValueError(
                f"no confusion matrix for this agreement ({self.metric}): "
                + (self.reason or "region agreement has none")
            )
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - matplotlib ships with the extra
            raise ImportError(f"plotting needs matplotlib: {_EXTRA}") from exc
        m = self.confusion
        if ax is None:
            _, ax = plt.subplots(figsize=(1.2 + 0.6 * len(m.columns), 1.0 + 0.5 * len(m.index)))
        ax.imshow(m.to_numpy(dtype=float), cmap="Blues")
        ax.set_xticks(range(len(m.columns)), [str(c) for c in m.columns], rotation=45, ha="right")
        ax.set_yticks(range(len(m.index)), [str(i) for i in m.index])
        ax.set_xlabel(str(m.columns.name or "label"))
        ax.set_ylabel(str(m.index.name or "label"))
        top = m.to_numpy().max() or 1
        for (i, j), v in np.ndenumerate(m.to_numpy()):
            ax.text(j, i, str(int(v)), ha="center", va="center", color="white" if v > top / 2 else "black")
        shown = "nan" if math.isnan(self.value) else f"{self.value:.3f}"
        ax.set_title(f"{self.control or ''} {self.metric} = {shown}".strip())
        return ax


# --------------------------------------------------------------------------------------------
# reading votes
# --------------------------------------------------------------------------------------------


class _Votes:
    """Votes on one control: a long frame (task_id, annotator, value) plus what the control is."""

    def __init__(self, frame: pd.DataFrame, control: str | None, ctl: dict) -> None:
        self.frame = frame
        self.control = control
        self.ctl = ctl

    @property
    def type(self) -> str | None:
        return self.ctl.get("type")


def _store_and_controls(data: Any) -> tuple[Any, dict[str, dict] | None]:
    from ..store import Store
    from ..widget import Labeler

    if isinstance(data, Labeler):
        return data.store, data.config.controls
    if isinstance(data, Store):
        return data, None
    raise TypeError(f"data must be a Labeler, a Store or a long DataFrame, not {type(data).__name__}")


def _pick_control(found: Iterable[str], control: str | None, controls: dict[str, dict] | None) -> str:
    names = list(dict.fromkeys(found))
    if control is not None:
        if controls is not None and control not in controls:
            raise KeyError(f"control {control!r} is not in the config (controls: {', '.join(controls) or 'none'})")
        return control
    candidates = list(controls) if controls is not None else names
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValueError("no labels to compare: the data has no annotations")
    raise ValueError(f"several controls ({', '.join(map(repr, candidates))}): pick one with control=...")


def _votes(data: Any, control: str | None) -> _Votes:
    if isinstance(data, pd.DataFrame):
        return _frame_votes(data, control)
    store, controls = _store_and_controls(data)
    annotations = store.annotations()
    found = [
        it.get("from_name")
        for a in annotations
        for it in (a.get("result") or [])
        if isinstance(it, dict) and isinstance(it.get("from_name"), str)
    ]
    name = _pick_control(found, control, controls)
    ctl = dict((controls or {}).get(name) or {})
    if "type" not in ctl:
        ctl["type"] = next(
            (
                it.get("type")
                for a in annotations
                for it in (a.get("result") or [])
                if isinstance(it, dict) and it.get("from_name") == name
            ),
            None,
        )
    return _Votes(annotator_votes(annotations, name, ctl if controls else None), name, ctl)


def _frame_votes(df: pd.DataFrame, control: str | None) -> _Votes:
    missing = [c for c in ("task_id", "annotator", "value") if c not in df.columns]
    if missing:
        raise ValueError(
            f"the DataFrame lacks column(s) {', '.join(map(repr, missing))}: agreement needs one row "
            "per (task_id, annotator) with its value, e.g. lab.to_dataframe(form='long')"
        )
    rows = df
    name = control
    if "from_name" in df.columns:
        names = [n for n in pd.unique(df["from_name"]) if isinstance(n, str)]
        name = _pick_control(names, control, None) if names else control
        if name is not None:
            rows = df[df["from_name"] == name]
    if "type" in rows.columns:
        rows = rows[rows["type"] != "skip"]
    typ = None
    if "type" in rows.columns and len(rows):
        typ = next((t for t in rows["type"] if isinstance(t, str)), None)
    rows = rows[rows["annotator"] != CONSENSUS]
    if typ in REGION_TYPES:  # one row per region: gather each annotator's regions of a task
        grouped: dict[tuple[str, str], list] = {}
        for t, a, v in zip(rows["task_id"], rows["annotator"], rows["value"]):
            grouped.setdefault((task_key(t), a), []).append(v)
        out = pd.DataFrame([(t, a) for t, a in grouped], columns=["task_id", "annotator"])
        cells = np.empty(len(grouped), dtype=object)
        cells[:] = list(grouped.values())
        out["value"] = cells
    else:
        ids = rows["task_id"].tolist()
        key_of = {t: task_key(t) for t in dict.fromkeys(ids)}
        out = pd.DataFrame({"task_id": [key_of[t] for t in ids], "annotator": rows["annotator"].to_numpy(dtype=object)})
        cells = np.empty(len(rows), dtype=object)
        cells[:] = [None if _missing(v) else v for v in rows["value"].tolist()]
        out["value"] = cells
        out = out[[c is not None for c in cells]].reset_index(drop=True)
        dup = out.duplicated(["task_id", "annotator"])
        if dup.any():
            t, a = out.loc[dup.idxmax(), ["task_id", "annotator"]]
            raise ValueError(
                f"annotator {a!r} has several values for task {t!r}: keep one row per "
                "(task_id, annotator), or pass control=... to pick one control"
            )
    return _Votes(out, name, {"type": typ})


def _missing(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


# --------------------------------------------------------------------------------------------
# majority vote
# --------------------------------------------------------------------------------------------


def majority_vote(data: Any, control: str | None = None) -> pd.DataFrame:
    """Per task, the value most annotators chose for ``control``.

    ``data``: a Labeler, a Store, or a long DataFrame (``task_id``, ``annotator``, ``value``
    columns, e.g. ``lab.to_dataframe(form="long")``). ``control`` may be left out when there is
    one control. Returns a DataFrame indexed by ``task_id`` (the store's task key) with ``value``
    (None on a tie), ``share`` (the winning count over the votes), ``tie`` and ``n_votes``.
    Skips and empty answers cast no vote; the ``consensus`` annotator is left out.
    """
    votes = _votes(data, control).frame
    rows = []
    for t, group in votes.groupby("task_id", sort=False):
        value, share, tie = winner(list(group["value"]))
        rows.append((t, value, share, tie, len(group)))
    out = pd.DataFrame(rows, columns=["task_id", "value", "share", "tie", "n_votes"])
    cells = np.empty(len(rows), dtype=object)
    cells[:] = [r[1] for r in rows]
    out["value"] = cells
    out["tie"] = out["tie"].astype(bool)
    out["n_votes"] = out["n_votes"].astype("int64")
    return out.set_index("task_id")


# --------------------------------------------------------------------------------------------
# agreement
# --------------------------------------------------------------------------------------------


def agreement(
    data: Any,
    control: str | None = None,
    metric: str = "auto",
    *,
    level: str | None = None,
    threshold: float = 0.5,
) -> Agreement:
    """How much annotators agree on ``control``.

    ``data``: a Labeler, a Store, or a long DataFrame with ``task_id``, ``annotator`` and
    ``value`` columns (``from_name`` and ``type`` are used when present). ``metric``:

    - ``"percent"``: share of agreeing annotator pairs per item, averaged over items;
    - ``"cohen"``: Cohen's kappa (scikit-learn) of two annotators; with more, the mean of every
      pair's kappa (Light's kappa), each pair on the items both labeled;
    - ``"fleiss"``: Fleiss' kappa (statsmodels) over the items labeled by the most annotators
      (items with fewer are left out: use Krippendorff for missing data);
    - ``"krippendorff"``: Krippendorff's alpha (``krippendorff``), any number of annotators,
      missing labels allowed, ``level`` ``"nominal"`` (default for choices), ``"ordinal"``
      (default for ratings; choices are ordered as in the config), ``"interval"`` (default for
      numbers) or ``"ratio"``;
    - ``"f1"``: for spans and boxes: regions of two annotators are matched one to one when
      their labels are equal and their IoU is at least ``threshold``, then F1 = 2·matched /
      (regions of one + regions of the other), pooled over tasks and pairs;
    - ``"auto"``: f1 for regions; Krippendorff for ratings, numbers and for choices with missing
      labels; Cohen for two annotators and Fleiss for more when everyone labeled every item.

    Agreement needs two annotators on at least one item: otherwise, or when a single label was
    used throughout (chance-corrected agreement is 0/0), ``value`` is NaN and ``reason`` says
    why. A multi-choice answer counts as one value (the set of choices).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    votes = _votes(data, control)
    frame = votes.frame
    annotators = sorted(map(str, pd.unique(frame["annotator"]))) if len(frame) else []
    region = votes.type in REGION_TYPES or (votes.type is None and _looks_like_regions(frame))
    if metric == "auto":
        metric = "f1" if region else _auto_metric(frame, votes.type, annotators)
    if region and metric != "f1":
        raise ValueError(f"{votes.control!r} holds regions ({votes.type}): use metric='f1' (or 'auto')")
    if metric == "f1" and not region:
        raise ValueError(
            f"metric='f1' is for spans and boxes; {votes.control!r} is {votes.type or 'not a region control'}"
        )
    if metric == "f1":
        return _region_agreement(frame, votes.control, annotators, threshold)
    if level is None:
        level = {"rating": "ordinal", "number": "interval"}.get(votes.type or "", "nominal")
    return _categorical(frame, votes, annotators, metric, level)


def _looks_like_regions(frame: pd.DataFrame) -> bool:
    v = next(iter(frame["value"]), None)
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _auto_metric(frame: pd.DataFrame, typ: str | None, annotators: list[str]) -> str:
    if typ in ("rating", "number"):
        return "krippendorff"
    complete = frame.groupby("task_id")["annotator"].nunique()
    if len(annotators) >= 2 and len(complete) and (complete == len(annotators)).all():
        return "cohen" if len(annotators) == 2 else "fleiss"
    return "krippendorff"


def _undefined(
    metric: str,
    control: str | None,
    annotators: list[str],
    reason: str,
    n_items: int = 0,
    level: str | None = None,
    confusion: pd.DataFrame | None = None,
) -> Agreement:
    return Agreement(
        metric, float("nan"), control, n_items, annotators, level=level, reason=reason, confusion=confusion
    )


def _categorical(frame: pd.DataFrame, votes: _Votes, annotators: list[str], metric: str, level: str) -> Agreement:
    control = votes.control
    lvl = level if metric == "krippendorff" else None
    if len(annotators) < 2:
        who = f"only {annotators[0]!r}" if annotators else "nobody"
        return _undefined(
            metric, control, annotators, f"{who} labeled {control!r}: agreement needs two annotators", level=lvl
        )
    keys = [vote_key(v) for v in frame["value"].tolist()]
    task_ids, raters = frame["task_id"].tolist(), [str(a) for a in frame["annotator"].tolist()]
    labels = _label_order(frame, keys, votes.ctl)
    if level in ("interval", "ratio"):
        try:
            codes_of = {k: float(k) for k in labels}  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"level={level!r} needs numeric values; {control!r} has {labels[:3]!r}...") from None
    else:
        codes_of = {k: float(i) for i, k in enumerate(labels)}
    tasks = list(dict.fromkeys(task_ids))
    row_of = {t: i for i, t in enumerate(tasks)}
    col_of = {a: j for j, a in enumerate(annotators)}
    matrix = np.full((len(tasks), len(annotators)), np.nan)
    matrix[[row_of[t] for t in task_ids], [col_of[a] for a in raters]] = [codes_of[k] for k in keys]
    shared = (~np.isnan(matrix)).sum(axis=1) >= 2
    confusion = _confusion(matrix[shared], labels, codes_of, annotators)
    if not shared.any():
        return _undefined(
            metric, control, annotators, "no task was labeled by two annotators", level=lvl, confusion=confusion
        )
    compute = _METRIC_FUNCS[metric]
    value, n_items, reason = compute(matrix, level, codes_of)
    per_pair = {}
    for a, b in itertools.combinations(range(len(annotators)), 2):
        sub = matrix[:, [a, b]]
        sub = sub[~np.isnan(sub).any(axis=1)]
        per_pair[(annotators[a], annotators[b])] = compute(sub, level, codes_of)[0] if len(sub) else float("nan")
    per_label: dict[Any, float] = {}
    if level in ("nominal", "ordinal") or metric in ("percent", "cohen", "fleiss"):
        for k in labels:
            code = codes_of[k]
            binary = np.where(np.isnan(matrix), np.nan, (matrix == code).astype(float))
            per_label[k] = compute(binary, "nominal", {0: 0.0, 1: 1.0})[0]
    return Agreement(
        metric,
        value,
        control,
        n_items,
        annotators,
        per_label=per_label,
        per_pair=per_pair,
        level=lvl,
        reason=reason,
        confusion=confusion,
    )


def _label_order(frame: pd.DataFrame, keys: list[object], ctl: dict) -> list[object]:
    seen = list(dict.fromkeys(keys))
    configured = [vote_key(v) for v in (ctl.get("labels") or [])]
    ordered = [k for k in configured if k in set(seen)]
    rest = [k for k in seen if k not in set(ordered)]
    try:
        rest.sort()
    except TypeError:
        rest.sort(key=str)
    return ordered + rest


def _confusion(matrix: np.ndarray, labels: list[object], codes_of: dict, annotators: list[str]) -> pd.DataFrame:
    index_of = {code: i for i, code in enumerate(codes_of[k] for k in labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    ncol = matrix.shape[1] if matrix.ndim == 2 else 0
    pairs = [(0, 1)] if ncol == 2 else [(a, b) for a in range(ncol) for b in range(ncol) if a != b]
    for a, b in pairs:
        both = ~np.isnan(matrix[:, a]) & ~np.isnan(matrix[:, b])
        for x, y in zip(matrix[both, a], matrix[both, b]):
            m[index_of[x], index_of[y]] += 1
    names = [str(k) for k in labels]
    rows = pd.Index(names, name=annotators[0] if ncol == 2 else "label")
    cols = pd.Index(names, name=annotators[1] if ncol == 2 else "label (other annotator)")
    return pd.DataFrame(m, index=rows, columns=cols)


def _one_label_reason(matrix: np.ndarray) -> str | None:
    values = np.unique(matrix[~np.isnan(matrix)])
    if len(values) < 2:
        return "every label given is the same: chance-corrected agreement is undefined (0/0); percent agreement is 1.0"
    return None


def _percent(matrix: np.ndarray, level: str, codes_of: dict) -> tuple[float, int, str | None]:
    rated = (~np.isnan(matrix)).sum(axis=1)
    rows = rated >= 2
    if not rows.any():
        return float("nan"), 0, "no task was labeled by two annotators"
    m, n = matrix[rows], rated[rows].astype(float)
    agreeing = np.zeros(len(m))
    for code in np.unique(m[~np.isnan(m)]):
        c = (m == code).sum(axis=1).astype(float)
        agreeing += c * (c - 1)
    return float(np.mean(agreeing / (n * (n - 1)))), int(rows.sum()), None


def _cohen(matrix: np.ndarray, level: str, codes_of: dict) -> tuple[float, int, str | None]:
    try:
        from sklearn.metrics import cohen_kappa_score
    except ImportError as exc:
        raise ImportError(f"Cohen's kappa uses scikit-learn: {_EXTRA}") from exc
    kappas, used = [], set()
    for a, b in itertools.combinations(range(matrix.shape[1]), 2):
        both = ~np.isnan(matrix[:, a]) & ~np.isnan(matrix[:, b])
        if not both.any():
            continue
        x, y = matrix[both, a], matrix[both, b]
        if len(np.unique(np.concatenate([x, y]))) < 2:
            kappas.append(float("nan"))
            continue
        kappas.append(float(cohen_kappa_score(x, y)))
        used.update(np.flatnonzero(both).tolist())
    if not kappas:
        return float("nan"), 0, "no task was labeled by two annotators"
    if all(math.isnan(k) for k in kappas):
        return float("nan"), 0, _one_label_reason(matrix)
    return float(np.nanmean(kappas)), len(used), None


def _fleiss(matrix: np.ndarray, level: str, codes_of: dict) -> tuple[float, int, str | None]:
    try:
        from statsmodels.stats.inter_rater import fleiss_kappa
    except ImportError as exc:
        raise ImportError(f"Fleiss' kappa uses statsmodels: {_EXTRA}") from exc
    rated = (~np.isnan(matrix)).sum(axis=1)
    n = rated.max() if len(rated) else 0
    if n < 2:
        return float("nan"), 0, "no task was labeled by two annotators"
    full = matrix[rated == n]
    reason = _one_label_reason(full)
    if reason:
        return float("nan"), 0, reason
    codes = np.unique(full[~np.isnan(full)])
    table = np.stack([(full == c).sum(axis=1) for c in codes], axis=1)
    return float(fleiss_kappa(table, method="fleiss")), len(full), None


def _krippendorff(matrix: np.ndarray, level: str, codes_of: dict) -> tuple[float, int, str | None]:
    try:
        import krippendorff
    except ImportError as exc:
        raise ImportError(f"Krippendorff's alpha uses the krippendorff package: {_EXTRA}") from exc
    pairable = matrix[(~np.isnan(matrix)).sum(axis=1) >= 2]
    if not len(pairable):
        return float("nan"), 0, "no task was labeled by two annotators"
    reason = _one_label_reason(pairable)
    if reason:
        return float("nan"), 0, reason
    domain = sorted(set(codes_of.values())) if level in ("nominal", "ordinal") else None
    value = krippendorff.alpha(
        reliability_data=matrix.T,
        level_of_measurement=level,  # type: ignore[arg-type]
        value_domain=domain,
    )
    return float(value), len(pairable), None


_METRIC_FUNCS = {"percent": _percent, "cohen": _cohen, "fleiss": _fleiss, "krippendorff": _krippendorff}


# --------------------------------------------------------------------------------------------
# regions
# --------------------------------------------------------------------------------------------


def _region(value: dict) -> tuple[object, str, tuple[float, ...]]:
    """(label, shape, geometry) of a span or box value dict."""
    label: object = None
    for k, v in value.items():
        if k.endswith("labels") and isinstance(v, list):
            label = vote_key(v[0] if len(v) == 1 else v)
            break
    if all(isinstance(value.get(k), (int, float)) for k in ("x", "y", "width", "height")):
        return label, "box", (float(value["x"]), float(value["y"]), float(value["width"]), float(value["height"]))
    if isinstance(value.get("start"), (int, float)) and isinstance(value.get("end"), (int, float)):
        return label, "span", (float(value["start"]), float(value["end"]))
    raise ValueError(
        f"region agreement needs text spans (start, end) or boxes (x, y, width, height); got {value!r:.120}"
    )


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two spans ``(start, end)`` or two boxes ``(x, y, width, height)``."""
    if len(a) == 2:
        inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
        union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    else:
        w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
        inter = w * h
        union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else (1.0 if a == b else 0.0)


def match_regions(a: list[tuple], b: list[tuple], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one matches ``(i, j)`` between regions ``a[i]`` and ``b[j]`` (``(label, shape,
    geometry)`` tuples) of equal label and shape with IoU >= ``threshold``, best IoU first."""
    candidates = []
    for i, (la, sa, ga) in enumerate(a):
        for j, (lb, sb, gb) in enumerate(b):
            if la == lb and sa == sb:
                score = iou(ga, gb)
                if score >= threshold:
                    candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a, used_b, out = set(), set(), []
    for _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return out


def _region_agreement(frame: pd.DataFrame, control: str | None, annotators: list[str], threshold: float) -> Agreement:
    if len(annotators) < 2:
        who = f"only {annotators[0]!r}" if annotators else "nobody"
        return _undefined("f1", control, annotators, f"{who} labeled {control!r}: agreement needs two annotators")
    by_task: dict[str, dict[str, list[tuple]]] = {}
    for t, a, regions in zip(frame["task_id"], frame["annotator"], frame["value"]):
        by_task.setdefault(t, {})[str(a)] = [_region(r) for r in (regions or []) if isinstance(r, dict)]
    pair_tp: dict[tuple[str, str], list[int]] = {}
    label_tp: dict[object, list[int]] = {}
    n_items = 0
    for regions in by_task.values():
        names = sorted(regions)
        if len(names) < 2:
            continue
        n_items += 1
        for x, y in itertools.combinations(names, 2):
            ra, rb = regions[x], regions[y]
            matches = match_regions(ra, rb, threshold)
            tot = pair_tp.setdefault((x, y), [0, 0])
            tot[0] += len(matches)
            tot[1] += len(ra) + len(rb)
            for lab in {r[0] for r in ra} | {r[0] for r in rb}:
                lt = label_tp.setdefault(lab, [0, 0])
                lt[0] += sum(1 for i, _ in matches if ra[i][0] == lab)
                lt[1] += sum(1 for r in ra if r[0] == lab) + sum(1 for r in rb if r[0] == lab)
    if not n_items:
        return _undefined("f1", control, annotators, "no task was labeled by two annotators")
    tp = sum(v[0] for v in pair_tp.values())
    total = sum(v[1] for v in pair_tp.values())
    if total == 0:
        return _undefined("f1", control, annotators, "no annotator marked a region", n_items=n_items)
    f1 = lambda t, n: 2 * t / n if n else float("nan")  # noqa: E731
    return Agreement(
        "f1",
        f1(tp, total),
        control,
        n_items,
        annotators,
        per_label={k: f1(*v) for k, v in label_tp.items()},
        per_pair={k: f1(*v) for k, v in pair_tp.items()},
    )
