"""Checks on Label Studio result JSON before it is stored.

Label Studio's server stores whatever results it is sent, so nblabel checks them itself: every
result item must name a control of the config, carry that control's ``type`` and, for label-like
controls, only values the config defines.
"""

from __future__ import annotations

from typing import Any

from .config import ConfigSpec

# result type -> key inside `value` that holds the chosen labels
_LABEL_KEYS = {"choices": "choices", "labels": "labels", "taxonomy": "taxonomy"}


class ResultError(ValueError):
    """A result that does not fit the labeling config; the message names the item and the fix."""


def validate_result(spec: ConfigSpec, result: Any, *, task_id: object = None) -> None:
    """Raise ``ResultError`` unless ``result`` is a list of result items valid for ``spec``."""
    where = f"task {task_id!r}: " if task_id is not None else ""
    if not isinstance(result, list):
        raise ResultError(f"{where}result must be a list of result items, got {type(result).__name__}")
    for i, item in enumerate(result):
        if not isinstance(item, dict):
            raise ResultError(f"{where}result[{i}] must be an object, got {type(item).__name__}")
        if item.get("type") == "relation":
            continue
        name = item.get("from_name")
        control = spec.controls.get(name) if isinstance(name, str) else None
        if control is None:
            known = ", ".join(sorted(spec.controls)) or "none"
            raise ResultError(
                f"{where}result[{i}] from_name {name!r} is not a control of the config (controls: {known})"
            )
        if item.get("type") != control.get("type"):
            raise ResultError(
                f"{where}result[{i}] type {item.get('type')!r} does not match control {name!r} (type {control.get('type')!r})"
            )
        # Label Studio's editor writes a Pairwise result with to_name = the Pairwise itself
        self_target = item.get("type") == "pairwise" and item.get("to_name") == name
        if item.get("to_name") not in control.get("toName", []) and not self_target:
            raise ResultError(f"{where}result[{i}] to_name {item.get('to_name')!r} is not a target of {name!r}")
        value = item.get("value")
        if not isinstance(value, dict):
            raise ResultError(f"{where}result[{i}] value must be an object")
        key = _LABEL_KEYS.get(item["type"])
        allowed = control.get("labels")
        if key and allowed and not control.get("dynamic"):
            chosen = value.get(key, [])
            flat = [c for entry in chosen for c in (entry if isinstance(entry, list) else [entry])]
            unknown = [c for c in flat if c not in allowed]
            if unknown:
                raise ResultError(f"{where}result[{i}] {name!r} has values {unknown} not in the config ({allowed})")
