"""DataFrame <-> Label Studio tasks, and stored annotations -> DataFrame.

A labeling session never copies the user's DataFrame and never sends all of it to the browser:
:class:`TaskSource` hands out tasks by *position* (0-based row order), one window at a time, and
answers "which rows are labeled?" with one vectorised lookup. Task ids are the DataFrame's index
labels; the store keys tasks by :func:`task_key` of the label, so labels survive reordering,
filtering and appended rows as long as the index labels stay the same.

:func:`annotations_to_frame` turns stored annotations back into a DataFrame, either *wide* (the
user's DataFrame plus one column per control) or *long* (one row per result item).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import gc
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["json_safe", "task_key", "TaskSource", "annotations_to_frame"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one bulk step (decoding or flattening 100,000
    annotations), then restore it.

    Why: such a step allocates millions of small dicts and lists that all stay alive, and every
    few hundred allocations the collector walks them again: measured, that is about half the time
    of ``Store.annotations()``, ``to_dataframe()`` and the CSV export of 100k annotations. These
    steps make no reference cycles of their own; anything cyclic made meanwhile is collected at
    the next collection after the step. Nested or concurrent use is safe: only the outermost
    caller that found the collector on turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --------------------------------------------------------------------------------------------
# JSON-safe values and task keys
# --------------------------------------------------------------------------------------------


def json_safe(value: object) -> object:
    """Return ``value`` as plain JSON data (``None``, ``bool``, ``int``, ``float``, ``str``, lists, dicts).

    Why: cell values go to the browser as JSON and into SQLite as JSON text, and JSON has no
    numpy scalars, no NaN and no timestamps.

    Rules:

    - numpy scalars -> the equivalent Python value (``np.int64(5)`` -> ``5``, ``np.str_`` -> ``str``);
    - integers beyond JavaScript's exact range (``|n| > 2**53 - 1``) -> their decimal string, so
      ids like tweet or snowflake ids reach the browser and come back with every digit
      (``task_key`` gives the same key for the int and the string);
    - missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``) and the non-finite floats ``±inf``
      -> ``None`` (JSON has no NaN or Infinity);
    - ``pd.Timestamp``/``datetime``/``date``/``time``/``np.datetime64`` -> ISO-8601 string
      (``Timestamp("2024-01-02")`` -> ``"2024-01-02T00:00:00"``; tz-aware values keep their offset);
    - ``Timedelta``/``timedelta`` -> ISO-8601 duration string (``"P0DT0H1M0S"``);
    - ``Decimal`` -> ``float``; ``Period``/``Interval`` -> their ``str``;
    - lists, tuples, sets, numpy arrays, Series -> lists; mappings -> dicts with ``str`` keys;
      both converted recursively;
    - ``bytes`` -> ``TypeError``: there is no right guess between text and binary (decode the
      column first, e.g. ``df[col].str.decode("utf-8")``, or base64 it into a ``data:`` URL);
    - anything else (complex numbers, arbitrary objects) -> ``TypeError`` naming the type,
      rather than silently storing ``repr()`` text.
    """
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, str):  # str subclasses (np.str_, enums): plain str for json and sqlite
        return str(value)
    if isinstance(value, int):  # bool was handled above; int subclasses (IntEnum) -> int
        return _safe_int(int(value))
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return _safe_int(int(value))
        if isinstance(value, np.floating):
            f = float(value)
            return f if math.isfinite(f) else None
        if isinstance(value, np.datetime64):
            if np.isnat(value):
                return None
            return pd.Timestamp(value).isoformat()
        if isinstance(value, np.timedelta64):
            if np.isnat(value):
                return None
            return pd.Timedelta(value).isoformat()
        if isinstance(value, np.str_):
            return str(value)
        if isinstance(value, np.bytes_):
            return json_safe(bytes(value))
        if isinstance(value, np.complexfloating):
            raise TypeError(f"cannot convert complex value {value!r} to JSON")
        return json_safe(value.item())
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, decimal.Decimal):
        return json_safe(float(value))
    if isinstance(value, (pd.Period, pd.Interval)):
        return str(value)
    if isinstance(value, Mapping):
        return {_json_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [json_safe(v) for v in value]
        try:
            return sorted(items)  # type: ignore[type-var]  # deterministic output for the same set
        except TypeError:
            return items
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (pd.Series, pd.Index)):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            "bytes values are not JSON-safe: decode them to text first "
            "(e.g. df[col].str.decode('utf-8')) or base64-encode them into a data: URL"
        )
    raise TypeError(f"cannot convert a value of type {type(value).__name__} to JSON: {value!r:.80}")


_JS_MAX_SAFE_INT = 2**53 - 1


def _safe_int(n: int) -> int | str:
    return n if -_JS_MAX_SAFE_INT <= n <= _JS_MAX_SAFE_INT else str(n)


def _json_key(key: object) -> str:
    safe = json_safe(key)
    return safe if isinstance(safe, str) else json.dumps(safe, ensure_ascii=False)


def task_key(label: object) -> str:
    """The store's key for a task id (a DataFrame index label): a string, stable across restarts.

    The key is the text form of the JSON-safe label, built so that a label that went to the
    browser as JSON and came back in a save message maps to the same key as the original label:

    - ``5``, ``np.int64(5)`` and ``5.0`` -> ``"5"`` (JSON does not keep ``5.0`` apart from ``5``);
      ``2.5`` -> ``"2.5"``;
    - strings -> themselves; ``True`` -> ``"True"``; missing -> ``"None"``;
    - timestamps -> ISO-8601 (``"2024-01-02T00:00:00"``);
    - tuples (MultiIndex labels), lists and dicts -> compact JSON text (``'[1,"a"]'``).
    """
    safe = json_safe(label)
    if isinstance(safe, str):
        return safe
    if isinstance(safe, float) and safe.is_integer():
        return str(int(safe))
    if isinstance(safe, (list, dict)):
        return json.dumps(safe, ensure_ascii=False, separators=(",", ":"))
    return str(safe)


# --------------------------------------------------------------------------------------------
# TaskSource
# --------------------------------------------------------------------------------------------


def _shown(label: object) -> object:
    try:
        return json_safe(label)  # np.int64(5) reads as 5, timestamps as ISO text
    except TypeError:
        return label


def _duplicate_error(dups: pd.Index, what: str = "index labels") -> ValueError:
    shown = ", ".join(repr(_shown(d)) for d in dups[:5].tolist())
    more = f" (and {len(dups) - 5} more)" if len(dups) > 5 else ""
    return ValueError(
        f"the DataFrame index has duplicate {what}: {shown}{more}. nblabel uses index labels as "
        "task ids, so each row needs its own label; call df.reset_index() (or set a unique "
        "id column as the index) first"
    )


class TaskSource:
    """Tasks by position over a DataFrame, without copying it: O(1) per task, O(window) per window.

    Why positions: the browser navigates in row order and asks for windows ``[a, b)``; ids are
    the index labels, which may be anything (ints, strings, timestamps). ``TaskSource`` keeps a
    reference to ``df`` (never a copy), so build a new one after adding rows; ``total`` is
    fixed at construction.

    ``mapping`` maps each config ``$var`` (without ``$``) to a column of ``df``; the config layer
    has validated it, this class only checks that each column exists once.

    Construction checks that index labels are unique (``ValueError`` naming up to five
    duplicates otherwise). Costs for a million rows: a range, integer, datetime or sorted string
    index is checked in well under 100 ms; a shuffled string index needs one hash per label
    (~100 ms); mixed-type object indexes, MultiIndexes and categoricals build every row's key
    once (seconds), since only that proves keys are unique and lets :meth:`locate` find them.
    """

    def __init__(self, df: pd.DataFrame, mapping: dict[str, str]) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
        columns = df.columns
        for var, col in mapping.items():
            if col not in columns:
                raise KeyError(f"${var} is mapped to column {col!r}, which the DataFrame does not have")
            if not isinstance(columns.get_loc(col), (int, np.integer)):
                raise ValueError(f"${var} is mapped to column {col!r}, which appears more than once in the DataFrame")
        index = df.index
        self._df = df
        self._index = index
        self._mapping: dict[str, str] = dict(mapping)
        self._colpos: dict[str, int] = {var: int(columns.get_loc(col)) for var, col in mapping.items()}
        self.total: int = len(df)
        self._kind = self._index_kind(index)
        self._keys_index: pd.Index | None = None  # string keys of every row, only for the "generic" kind
        self._str_values: np.ndarray | None = None  # "str" kind: the labels, and an index of their hashes
        self._hash_index: pd.Index | None = None
        # A sorted index is checked by pandas in one cheap pass; for a shuffled string index
        # pandas builds an object hash table (~250 ms per million rows), so check hashes instead.
        if self._kind == "str" and not index.is_monotonic_increasing:
            self._build_hash_index()
        if self._hash_index is None and not index.is_unique:
            raise _duplicate_error(index[index.duplicated()].unique())
        if self._kind == "generic":
            # labels whose text forms could collide (5 and "5", 1 and 1.0 in one object index):
            # build every key once and check that keys are unique too.
            keys = self._all_keys()
            if not keys.is_unique:
                dups = keys[keys.duplicated()].unique()
                raise _duplicate_error(dups, "task keys (labels that read the same as text)")

    def _build_hash_index(self) -> bool:
        """Hash every string label once into an int64 index: the lookup table for string keys.

        ~3x faster than pandas' object hash table, exact for uniqueness (unique hashes imply
        unique labels; equal hashes fall back to pandas) and collisions are ruled out on lookup
        by comparing the strings. Returns False when two labels share a hash.
        """
        values = self._index.to_numpy(dtype=object)
        hashes = pd.Index(np.fromiter(map(hash, values), dtype=np.int64, count=len(values)), copy=False)
        if not hashes.is_unique:
            return False
        self._str_values, self._hash_index = values, hashes
        return True

    # ---- index kinds -------------------------------------------------------------------------

    @staticmethod
    def _index_kind(index: pd.Index) -> str:
        """How keys map back to labels: 'range', 'int', 'float', 'str', 'datetime' or 'generic'."""
        if isinstance(index, pd.MultiIndex):
            return "generic"
        if isinstance(index, pd.RangeIndex):
            return "range"
        dtype = index.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return "generic"
        if pd.api.types.is_bool_dtype(dtype):
            return "generic"
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        if pd.api.types.is_float_dtype(dtype):
            return "float"
        if isinstance(index, pd.DatetimeIndex):
            return "datetime"
        if pd.api.types.is_string_dtype(dtype) or dtype == object:
            # object indexes may hold mixed types; only pure-string ones map keys 1:1 to labels
            if pd.api.types.infer_dtype(index, skipna=False) == "string":
                return "str"
        return "generic"

    def _all_keys(self) -> pd.Index:
        if self._keys_index is None:
            self._keys_index = pd.Index([task_key(v) for v in self._index.tolist()], dtype=object)
        return self._keys_index

    # ---- single tasks ------------------------------------------------------------------------

    def _check_pos(self, pos: int) -> int:
        p = int(pos)
        if p < 0 or p >= self.total:
            raise IndexError(f"task position {pos} is out of range (0..{self.total - 1})")
        return p

    def task_id(self, pos: int) -> object:
        """The index label at ``pos`` as a native Python value (``np.int64`` -> ``int``)."""
        label = self._index[self._check_pos(pos)]
        if isinstance(label, np.generic):
            return label.item()
        return label

    def key(self, pos: int) -> str:
        """The store key of the task at ``pos`` (see :func:`task_key`)."""
        return task_key(self.task_id(pos))

    def _safe(self, value: object, column: object, pos: int) -> object:
        try:
            return json_safe(value)
        except TypeError as exc:
            raise TypeError(f"column {column!r}, row {pos} (id {self.task_id(pos)!r}): {exc}") from None

    def task(self, pos: int) -> dict:
        """The full Label Studio task JSON for the row at ``pos``.

        ``{"id": label, "data": {...}, "meta": {"pos": pos}}``: ``data`` holds every column
        (JSON-safe, column names as strings) and, where a ``$var`` is mapped to a differently
        named column, the value under the var name too, so the task also works in Label Studio.
        """
        p = self._check_pos(pos)
        df = self._df
        data: dict[str, object] = {}
        for j, col in enumerate(df.columns):
            data[_json_key(col)] = self._safe(df.iat[p, j], col, p)
        for var, j in self._colpos.items():
            if var not in data:
                data[var] = self._safe(df.iat[p, j], df.columns[j], p)
        return {"id": json_safe(self.task_id(p)), "data": data, "meta": {"pos": p}}

    def window(self, a: int, b: int) -> list[dict]:
        """Tasks for positions ``[a, b)`` (clipped to ``[0, total)``), only the mapped vars.

        Each entry is ``{"pos", "id", "data": {var: value}}`` with JSON-safe values; cost is
        O(b - a) whatever the DataFrame's size.
        """
        a = max(0, int(a))
        b = min(self.total, int(b))
        if b <= a:
            return []
        labels = self._index[a:b].tolist()
        columns = {var: self._df.iloc[a:b, j].tolist() for var, j in self._colpos.items()}
        out = []
        for i, label in enumerate(labels):
            pos = a + i
            data = {}
            for var, values in columns.items():
                try:
                    data[var] = json_safe(values[i])
                except TypeError as exc:
                    raise TypeError(f"column {self._mapping[var]!r}, row {pos} (id {label!r}): {exc}") from None
            out.append({"pos": pos, "id": json_safe(label), "data": data})
        return out

    # ---- key lookups -------------------------------------------------------------------------

    def locate(self, keys: Iterable[str]) -> np.ndarray:
        """Positions of ``keys`` (int64 array aligned with ``keys``; -1 where no row has that key).

        Keys are turned back into labels of the index's type, accepted only when the label's
        :func:`task_key` reads exactly the same (so ``"05"`` never matches row ``5``), then looked
        up with one hashed ``get_indexer`` call. Vectorised for range, int, string and tz-naive
        datetime indexes; other index types pay O(len(keys)) Python work (and, for mixed or
        MultiIndex indexes, one pass over all labels on first use).
        """
        key_list = keys if isinstance(keys, list) else list(keys)
        if not key_list:
            return np.empty(0, dtype=np.int64)
        arr = np.empty(len(key_list), dtype=object)
        arr[:] = key_list
        kind = self._kind
        if kind == "generic":
            return self._all_keys().get_indexer(arr).astype(np.int64, copy=False)
        if kind == "str":
            if self._hash_index is None and len(arr) <= 2000 and self._index.is_monotonic_increasing:
                # a sorted index has no hash table yet: for a few thousand keys a binary search
                # (~5 us per key) is cheaper than hashing every label
                values = self._index.to_numpy(dtype=object)
                found = np.minimum(np.searchsorted(values, arr), self.total - 1)
                return np.where(values[found] == arr, found, -1).astype(np.int64)
            if self._hash_index is None and not self._build_hash_index():
                return self._index.get_indexer(arr).astype(np.int64, copy=False)
            assert self._hash_index is not None and self._str_values is not None
            found = self._hash_index.get_indexer(np.fromiter(map(hash, arr), dtype=np.int64, count=len(arr)))
            hit = np.flatnonzero(found >= 0)
            same = np.asarray(self._str_values[found[hit]] == arr[hit], dtype=bool)  # rule out hash collisions
            found[hit[~same]] = -1
            return found.astype(np.int64, copy=False)
        if kind in ("range", "int"):
            labels, ok = _ints_from_keys(arr)
        elif kind == "float":
            labels, ok = _parse_each(arr, float)
        else:  # datetime
            labels, ok = _datetimes_from_keys(arr, self._index.tz)
        out = np.full(len(arr), -1, dtype=np.int64)
        if not ok.any():
            return out
        if kind == "range":
            idx: pd.RangeIndex = self._index  # type: ignore[assignment]
            rel = labels[ok] - idx.start
            p = rel // idx.step
            hit = (rel % idx.step == 0) & (p >= 0) & (p < self.total)
            out[ok] = np.where(hit, p, -1)
        elif kind == "datetime":
            wanted = (
                labels[ok]
                if isinstance(labels, pd.DatetimeIndex)
                else pd.DatetimeIndex(labels[ok].tolist(), tz=self._index.tz)
            )
            out[ok] = self._index.get_indexer(wanted)
        else:
            out[ok] = self._index.get_indexer(labels[ok])
        return out

    def positions(self, keys: Iterable[str]) -> np.ndarray:
        """Boolean mask of length ``total``: True at rows whose key is in ``keys``.

        For building "labeled" masks from :meth:`Store.annotated` quickly, even for a million rows.
        Keys with no row (annotations of rows that were dropped) are ignored.
        """
        mask = np.zeros(self.total, dtype=bool)
        pos = self.locate(keys)
        pos = pos[pos >= 0]
        mask[pos] = True
        return mask


def _ints_from_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse keys as int64 labels; ``ok`` is False for keys that are not the exact text of one."""
    try:
        labels = keys.astype(np.int64)  # int(k) per element, in C
    except (ValueError, OverflowError, TypeError):
        return _parse_each(keys, int, dtype=np.int64)
    ok = np.fromiter((str(v) for v in labels.tolist()), dtype=object, count=len(labels)) == keys
    return labels, ok


def _parse_each(keys: np.ndarray, parse: Any, dtype: Any = object) -> tuple[np.ndarray, np.ndarray]:
    """Parse each key with ``parse``; keep it only if its :func:`task_key` reads back identical."""
    labels = np.zeros(len(keys), dtype=dtype)
    ok = np.zeros(len(keys), dtype=bool)
    for i, k in enumerate(keys.tolist()):
        try:
            v = parse(k)
            if v is None or task_key(v) != k:
                continue
            labels[i] = v
        except (TypeError, ValueError, OverflowError):
            continue
        ok[i] = True
    return labels, ok


def _datetimes_from_keys(keys: np.ndarray, tz: object) -> tuple[pd.DatetimeIndex | np.ndarray, np.ndarray]:
    """Parse ISO keys to timestamps: vectorised (a DatetimeIndex) when the index is tz-naive."""
    if tz is None:
        try:
            parsed = pd.DatetimeIndex(pd.to_datetime(keys, format="ISO8601", errors="coerce"))
            canonical = _iso_keys(parsed)
        except (TypeError, ValueError, OverflowError):
            canonical = None
        if canonical is not None:
            return parsed, np.asarray(canonical == keys, dtype=bool)
    return _parse_each(keys, lambda k: _timestamp_in_tz(k, tz))


def _iso_keys(values: pd.DatetimeIndex) -> np.ndarray | None:
    """``Timestamp.isoformat()`` of tz-naive values, vectorised; None where that is not safe."""
    if values.tz is not None or len(values) == 0:
        return None
    valid = ~values.isna()
    ns = values.as_unit("ns").asi8
    if (ns[valid] < 0).any():  # before 1970: fractional seconds round differently, not worth it
        return None
    out = np.full(len(values), None, dtype=object)
    base = np.datetime_as_string(values.as_unit("ns").values[valid], unit="s").astype(object)
    frac = ns[valid] % 1_000_000_000
    micro = (frac != 0) & (frac % 1000 == 0)
    nano = frac % 1000 != 0
    if micro.any():
        base[micro] = base[micro] + "." + np.char.zfill((frac[micro] // 1000).astype(str), 6).astype(object)
    if nano.any():
        base[nano] = base[nano] + "." + np.char.zfill(frac[nano].astype(str), 9).astype(object)
    out[valid] = base
    return out


def _timestamp_in_tz(key: str, tz: object) -> pd.Timestamp | None:
    ts = pd.Timestamp(key)
    if ts is pd.NaT:
        return None
    if (ts.tzinfo is None) != (tz is None):
        return None
    return ts.tz_convert(tz) if tz is not None else ts


# --------------------------------------------------------------------------------------------
# annotations -> DataFrame
# --------------------------------------------------------------------------------------------

_META_COLUMNS = ("annotator", "annotated_at", "lead_time", "skipped")
_SIMPLE_TYPES = ("choices", "textarea", "rating", "number", "datetime", "pairwise", "taxonomy", "ranker")
_LIST_TYPES = ("taxonomy", "ranker")  # cells always hold a list (paths) or a dict (buckets)


def _raw_value(item: dict) -> object:
    if "value" in item:
        return item["value"]
    # relations and other value-less items: everything but the envelope
    return {k: v for k, v in item.items() if k not in ("type", "id", "from_name", "to_name")}


def _extract(item: dict, control: dict | None) -> object:
    """The label one result item carries, in the shape the wide/long forms document."""
    typ = (control or {}).get("type") or item.get("type")
    value = item.get("value")
    if not isinstance(value, dict):
        return _raw_value(item)
    if typ == "choices" and "choices" in value:
        choices = value["choices"]
        if not isinstance(choices, list):
            return choices
        multiple = (control or {}).get("choice") == "multiple"
        if multiple:
            return list(choices)
        return choices[0] if len(choices) == 1 else (list(choices) if choices else None)
    if typ == "textarea" and "text" in value:
        text = value["text"]
        return "\n".join(str(t) for t in text) if isinstance(text, list) else text
    if typ == "rating" and "rating" in value:
        r = value["rating"]
        return int(r) if r is not None else None
    if typ == "number" and "number" in value:
        n = value["number"]
        return float(n) if n is not None else None
    if typ == "datetime" and "datetime" in value:
        return value["datetime"]  # the formatted string, as Label Studio stores it
    if typ == "pairwise" and "selected" in value:
        return value["selected"]  # "left" | "right"
    if typ == "taxonomy" and "taxonomy" in value:
        return [list(p) if isinstance(p, list) else [p] for p in value["taxonomy"] or []]
    if typ == "ranker" and "ranker" in value:
        return value["ranker"]  # {column: [item ids]}
    return value


def _wide_cell(items: list[dict], control: dict) -> object:
    typ = control.get("type")
    if typ not in _SIMPLE_TYPES:
        return [_raw_value(it) for it in items]
    if typ == "textarea":
        parts = [_extract(it, control) for it in items]
        return "\n".join(str(p) for p in parts if p is not None)
    if len(items) == 1:
        return _extract(items[0], control)
    return [_extract(it, control) for it in items]


def _unique_name(name: str, taken: set[object]) -> str:
    if name not in taken:
        return name
    candidate = f"{name}_label"
    n = 2
    while candidate in taken:
        candidate = f"{name}_label{n}"
        n += 1
    return candidate


def _as_column(
    values: list[object], typ: str | None, *, lists: bool = False
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """One added column in pandas' nullable dtypes: every missing cell is ``pd.NA``.

    ``string`` for text (single choices, text areas, names), ``Int64`` for ratings, ``Float64``
    for numbers; cells holding lists or dicts (multiple choices, region results) stay ``object``
    with ``pd.NA`` where nothing was saved (``lists``: the control's cells are always lists, so
    the column is ``object`` even before the first label). A column whose cells do not fit its
    type (a rating that is not an int) falls back to ``object`` rather than coercing a value.
    """
    present = [v for v in values if v is not None]
    if not lists:
        if typ == "rating" and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            return pd.array(values, dtype="Int64")
        if typ == "number" and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            return pd.array(
                [None if v is None else float(v) for v in values],  # type: ignore[arg-type]
                dtype="Float64",
            )
        if typ in ("choices", "textarea", "text", "datetime", "pairwise") and all(isinstance(v, str) for v in present):
            return pd.array(values, dtype="string")
    out = np.empty(len(values), dtype=object)
    out[:] = [pd.NA if v is None else v for v in values]  # keeps lists as cell values instead of broadcasting them
    return out


def annotations_to_frame(
    df: pd.DataFrame,
    controls: dict[str, dict],
    annotations: list[dict],
    *,
    form: str = "wide",
    annotator: str | None = None,
) -> pd.DataFrame:
    """Stored annotations as a DataFrame, matched to ``df``'s rows by ``task_key(index label)``.

    ``controls`` is the ConfigSpec's ``controls`` JSON (``{name: {"tag", "type", "choice",
    "toName"}}``); ``annotations`` are :meth:`Store.annotations` dicts. ``annotator`` keeps only
    that annotator's annotations. Annotations of tasks that are not in ``df`` are left out.

    How a result item's label is extracted (both forms): ``choices`` -> the choice as ``str``
    when the control is single-choice, ``list[str]`` when ``choice="multiple"``; ``textarea`` ->
    ``str`` (several lines/submissions joined by ``"\\n"``); ``rating`` -> ``int``; ``number`` ->
    ``float``; every other type -> the raw ``value`` dict.

    ``form="wide"`` (default): a copy of ``df`` (same index and row order) plus one column per
    control, in ``controls`` order, then ``annotator``, ``annotated_at`` (UTC ``Timestamp`` of the
    last save), ``lead_time`` (seconds) and ``skipped``. A control column holds the extracted
    label; for controls of other types it holds the list of raw ``value`` dicts of that control's
    results; when a simple control has several results (per-region classifications) the cell is
    the list of their labels. Rows without an annotation are empty in every added column; skipped
    rows get ``skipped=True`` and empty labels. An added column (control or meta) whose name
    clashes with a column of ``df`` gets the suffix ``_label`` (``sentiment`` ->
    ``sentiment_label``; ``_label2``, ``_label3``... if that is taken too). Wide form holds one
    annotator: with several annotators in ``annotations`` it raises ``ValueError`` (use
    ``form="long"`` or ``annotator=``).

    Dtypes (both forms) are pandas' nullable ones, so every empty cell is ``pd.NA`` and
    ``isna()`` finds it: single choices, text areas, ``annotator``, ``from_name``, ``to_name``
    and ``type`` are ``string``; ratings ``Int64``; numbers and ``lead_time`` ``Float64``;
    ``skipped`` ``boolean``; lists and dicts (multiple choices, regions, ``value``/``raw`` of the
    long form) ``object`` holding ``pd.NA`` when empty. ``annotated_at`` is
    a UTC ``datetime64`` column, whose empty value is ``NaT`` (pandas has no other missing datetime).

    ``form="long"``: one row per result item, in ``df`` row order, with columns ``task_id``
    (the original index label), ``annotator``, ``from_name``, ``to_name``, ``type``, ``value``
    (the extracted label), ``raw`` (the item's ``value`` dict), ``annotated_at``,
    ``lead_time``. A skipped task is one row with ``type="skip"`` and empty names/values.
    Result items of from_names that are not in ``controls`` are kept (value = raw dict).
    """
    if form not in ("wide", "long"):
        raise ValueError(f"form must be 'wide' or 'long', not {form!r}")
    source = TaskSource(df, {})  # validates the index (duplicates)
    anns = [a for a in annotations if annotator is None or a.get("annotator") == annotator]
    locs = source.locate([task_key(a["task_id"]) for a in anns]) if anns else np.empty(0, dtype=np.int64)
    matched = [(int(p), a) for p, a in zip(locs.tolist(), anns) if p >= 0]

    if form == "long":
        return _long_frame(df, controls, matched)

    annotators = sorted({a.get("annotator") for _, a in matched}, key=str)
    if len(annotators) > 1:
        raise ValueError(
            f"annotations from {len(annotators)} annotators ({', '.join(map(repr, annotators[:5]))}) "
            "cannot share one wide row per task: use form='long', or pick one with annotator='…'"
        )
    n = len(df)
    taken: set[object] = set(df.columns)
    out = df.copy()
    by_pos: dict[int, dict] = {p: a for p, a in matched}

    for name, control in controls.items():
        col = _unique_name(name, taken)
        taken.add(col)
        cells: list[object] = [None] * n
        for p, a in by_pos.items():
            items = [it for it in (a.get("result") or []) if isinstance(it, dict) and it.get("from_name") == name]
            if items:
                cells[p] = _wide_cell(items, control)
        lists = (
            control.get("choice") == "multiple"
            or control.get("type") not in _SIMPLE_TYPES
            or control.get("type") in _LIST_TYPES
        )
        out[col] = _as_column(cells, control.get("type"), lists=lists)

    meta_names: dict[str, str] = {}
    for m in _META_COLUMNS:
        meta_names[m] = _unique_name(m, taken)
        taken.add(meta_names[m])
    who: list[object] = [None] * n
    when: list[object] = [None] * n
    lead: list[object] = [None] * n
    skipped: list[object] = [None] * n
    for p, a in by_pos.items():
        who[p] = a.get("annotator")
        when[p] = a.get("updated_at") or a.get("created_at")
        if a.get("lead_time") is not None:
            lead[p] = float(a["lead_time"])
        skipped[p] = bool(a.get("was_cancelled"))
    out[meta_names["annotator"]] = _as_column(who, "text")
    when_series = pd.Series(when, index=df.index, dtype=object)
    out[meta_names["annotated_at"]] = pd.to_datetime(when_series, utc=True, format="ISO8601")
    out[meta_names["lead_time"]] = pd.array(lead, dtype="Float64")
    out[meta_names["skipped"]] = pd.array(skipped, dtype="boolean")
    return out


_LONG_COLUMNS = ["task_id", "annotator", "from_name", "to_name", "type", "value", "raw", "annotated_at", "lead_time"]


def _long_frame(df: pd.DataFrame, controls: dict[str, dict], matched: list[tuple[int, dict]]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    index = df.index
    for p, a in sorted(matched, key=lambda pa: (pa[0], str(pa[1].get("annotator")))):
        label = index[p]
        if isinstance(label, np.generic):
            label = label.item()
        common = {
            "task_id": label,
            "annotator": a.get("annotator"),
            "annotated_at": a.get("updated_at") or a.get("created_at"),
            "lead_time": float(a["lead_time"]) if a.get("lead_time") is not None else None,
        }
        if a.get("was_cancelled"):
            rows.append({**common, "from_name": None, "to_name": None, "type": "skip", "value": None, "raw": None})
            continue
        for item in a.get("result") or []:
            if not isinstance(item, dict):
                continue
            control = controls.get(item.get("from_name"))  # type: ignore[arg-type]
            rows.append(
                {
                    **common,
                    "from_name": item.get("from_name"),
                    "to_name": item.get("to_name"),
                    "type": item.get("type"),
                    "value": _extract(item, control),
                    "raw": _raw_value(item),
                }
            )
    out = pd.DataFrame(rows, columns=_LONG_COLUMNS)
    # keep python objects (lists, dicts, labels) as they are
    for col in ("task_id", "value", "raw"):
        cells = np.empty(len(rows), dtype=object)
        cells[:] = [pd.NA if r[col] is None else r[col] for r in rows]
        out[col] = cells
    for col in ("annotator", "from_name", "to_name", "type"):
        out[col] = _as_column([r[col] for r in rows], "text")
    out["annotated_at"] = pd.to_datetime(out["annotated_at"], utc=True, format="ISO8601")
    out["lead_time"] = pd.array([r["lead_time"] for r in rows], dtype="Float64")
    return out


def add_prediction_columns(
    frame: pd.DataFrame,
    controls: dict[str, dict],
    predictions: dict[str, list[dict]],
    *,
    prefer: str | None = None,
) -> pd.DataFrame:
    """Add ``<control>_pred`` and ``<control>_score`` columns to a wide frame, in place.

    ``predictions`` is :meth:`Store.predictions` for the frame's rows (task key -> list, oldest
    first). Each row shows one prediction: the one of model version ``prefer`` if it has one, else
    the newest. ``_pred`` holds the label extracted like the annotation column, ``_score`` the
    prediction's score (float, NaN without one). Only controls some prediction fills get columns.
    """
    n = len(frame)
    keys = [task_key(label) for label in frame.index]
    chosen: list[dict | None] = []
    for k in keys:
        preds = predictions.get(k) or []
        pick = next((p for p in preds if prefer is not None and p.get("model_version") == prefer), None)
        chosen.append(pick if pick is not None else (preds[-1] if preds else None))
    taken: set[object] = set(frame.columns)
    for name, control in controls.items():
        cells: list[object] = [None] * n
        scores = np.full(n, np.nan)
        hit = False
        for i, p in enumerate(chosen):
            if p is None:
                continue
            items = [it for it in (p.get("result") or []) if isinstance(it, dict) and it.get("from_name") == name]
            if items:
                hit = True
                cells[i] = _wide_cell(items, control)
                if p.get("score") is not None:
                    scores[i] = float(p["score"])
        if not hit:
            continue
        pred_col = _unique_name(f"{name}_pred", taken)
        taken.add(pred_col)
        score_col = _unique_name(f"{name}_score", taken)
        taken.add(score_col)
        frame[pred_col] = _as_column(cells, control.get("type"))
        frame[score_col] = scores
    return frame
