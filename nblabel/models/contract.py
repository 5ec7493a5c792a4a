"""The model contract: what a model returns, turned into Label Studio predictions.

A model is any callable ``model(rows) -> sequence`` where ``rows`` is a DataFrame slice (the task
ids as index) and the answer holds one prediction per row, each one of

* a label: ``"positive"`` (the target control's value: a choice, a rating, a number, a text);
* a dict of label scores: ``{"positive": 0.8, "negative": 0.2}`` (the top label is the
  prediction, its score the prediction's score, the whole distribution feeds the ordering);
* a list of Label Studio result items (any control, spans and regions included);
* a prediction dict ``{"result": [...], "score": 0.8, "model_version": "v3"}``;
* ``None``: no prediction for that row.

Everything is validated against the config before it is stored: a wrong control name, a label
the control does not have or a score outside [0, 1] raise :class:`PredictionError` naming the row
(task id) and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import ConfigSpec
from ..results import ResultError, validate_result

#: The model callable: a DataFrame slice in, one prediction per row out.
PredictFn = Callable[[pd.DataFrame], Sequence[Any]]

# control type -> how a plain label becomes that control's `value`
_VALUE_OF: dict[str, Callable[[Any], dict]] = {
    "choices": lambda v: {"choices": [str(v)]},
    "rating": lambda v: {"rating": int(v)},
    "number": lambda v: {"number": float(v)},
    "textarea": lambda v: {"text": [str(v)]},
}


class PredictionError(ValueError):
    """A model answer that does not fit the labeling config; the message names the row and the field."""


@dataclass
class Prediction:
    """One validated prediction for one task, ready for the store and the widget."""

    task_id: Any
    result: list[dict]
    score: float | None
    model_version: str
    #: label -> probability, when the model gave a distribution over the target control's labels
    probs: dict[str, float] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "score": self.score, "model_version": self.model_version}


def target_control(spec: ConfigSpec, control: str | None = None) -> tuple[str, dict]:
    """The control a plain label or score dict fills: ``control`` if given, else the first
    Choices control, else the first control of a type a plain value can fill."""
    if control is not None:
        info = spec.controls.get(control)
        if info is None:
            raise PredictionError(
                f"control {control!r} is not in the config (controls: {', '.join(spec.controls) or 'none'})"
            )
        return control, info
    for name, info in spec.controls.items():
        if info.get("type") == "choices":
            return name, info
    for name, info in spec.controls.items():
        if info.get("type") in _VALUE_OF:
            return name, info
    raise PredictionError(
        "the config has no Choices, Rating, Number or TextArea control a plain label could fill; "
        "return Label Studio result items instead"
    )


def _check_score(score: Any, where: str) -> float | None:
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float, np.integer, np.floating)):
        raise PredictionError(f"{where}: score must be a number in [0, 1], got {score!r}")
    s = float(score)
    if not (0.0 <= s <= 1.0) or math.isnan(s):
        raise PredictionError(f"{where}: score must be between 0 and 1, got {s}")
    return s


def _label_item(name: str, info: dict, label: Any, where: str) -> dict:
    kind = info.get("type")
    make = _VALUE_OF.get(kind)
    if make is None:
        raise PredictionError(
            f"{where}: control {name!r} ({info.get('tag')}) takes result items, not a plain label {label!r}"
        )
    allowed = info.get("labels") or []
    if kind == "choices" and allowed and not info.get("dynamic") and str(label) not in allowed:
        raise PredictionError(
            f"{where}: label {label!r} is not a choice of control {name!r} (choices: {', '.join(allowed)})"
        )
    try:
        value = make(label)
    except (TypeError, ValueError):
        raise PredictionError(
            f"{where}: {label!r} is not a valid value for control {name!r} ({info.get('tag')})"
        ) from None
    to = info.get("toName") or [""]
    return {"from_name": name, "to_name": to[0], "type": kind, "value": value}


def normalize(
    spec: ConfigSpec,
    task_id: Any,
    raw: Any,
    *,
    model_version: str,
    control: str | None = None,
) -> Prediction | None:
    """Turn one model answer for one row into a validated :class:`Prediction` (None: no prediction)."""
    where = f"task {task_id!r}"
    if raw is None:
        return None
    if isinstance(raw, np.generic):
        raw = raw.item()
    version = model_version
    score: float | None = None
    probs: dict[str, float] | None = None
    if isinstance(raw, Mapping) and "result" in raw:
        result = raw["result"]
        score = _check_score(raw.get("score"), where)
        if raw.get("model_version") is not None:
            version = str(raw["model_version"])
        if isinstance(result, (str, int, float)) and not isinstance(result, bool):
            name, info = target_control(spec, control)
            result = [_label_item(name, info, result, where)]
    elif isinstance(raw, Mapping):
        name, info = target_control(spec, control)
        if not raw:
            return None
        probs = {}
        for label, p in raw.items():
            probs[str(label)] = _check_score(p, f"{where}, label {label!r}") or 0.0
        top = max(probs, key=probs.__getitem__)
        result = [_label_item(name, info, top, where)]
        score = probs[top]
        allowed = info.get("labels") or []
        unknown = [k for k in probs if allowed and k not in allowed]
        if unknown and not info.get("dynamic"):
            raise PredictionError(
                f"{where}: labels {unknown} are not choices of control {name!r} (choices: {', '.join(allowed)})"
            )
    elif isinstance(raw, list):
        result = raw
    elif isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        name, info = target_control(spec, control)
        result = [_label_item(name, info, raw, where)]
    else:
        raise PredictionError(
            f"{where}: a prediction must be a label, a dict of label scores, a list of result items or "
            f"{{'result': [...], 'score': ...}}, got {type(raw).__name__}"
        )
    if not isinstance(result, list):
        raise PredictionError(f"{where}: 'result' must be a list of result items, got {type(result).__name__}")
    result = [dict(item) if isinstance(item, Mapping) else item for item in result]
    for i, item in enumerate(result):
        if isinstance(item, dict):
            item.setdefault("id", f"p{i}")
            item.setdefault("origin", "prediction")
    try:
        validate_result(spec, result, task_id=task_id)
    except ResultError as exc:
        raise PredictionError(f"prediction for {exc}") from None
    return Prediction(task_id, result, score, version, probs)


def normalize_batch(
    spec: ConfigSpec,
    rows: pd.DataFrame,
    answer: Any,
    *,
    model_version: str,
    control: str | None = None,
) -> list[Prediction]:
    """Validate a model's answer for a batch of rows: one entry per row, in row order."""
    if isinstance(answer, (pd.Series, np.ndarray)):
        answer = list(answer)
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Sequence):
        raise PredictionError(
            f"the model must return one prediction per row (a list of {len(rows)}), got {type(answer).__name__}"
        )
    if len(answer) != len(rows):
        raise PredictionError(f"the model returned {len(answer)} predictions for {len(rows)} rows")
    out = []
    for task_id, raw in zip(rows.index, answer):
        p = normalize(spec, task_id, raw, model_version=model_version, control=control)
        if p is not None:
            out.append(p)
    return out


def model_version_of(model: Any) -> str:
    """A model's version: its ``model_version`` attribute, else its name."""
    v = getattr(model, "model_version", None)
    if v:
        return str(v)
    return str(getattr(model, "__name__", None) or type(model).__name__)
