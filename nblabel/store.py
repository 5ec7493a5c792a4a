"""The SQLite store: annotations that survive kernel restarts, crashes and two open notebooks.

One file holds any number of projects (``project`` column). Tables (see docs/architecture.md):

- ``meta(key, value)``: ``schema_version`` (migrations) and ``app = "nblabel"``;
- ``tasks``: the last seen snapshot of each labeled task's data (Label Studio task JSON);
- ``annotations``: one row per (project, task, annotator), the annotator's latest result;
- ``predictions``: one row per (project, task, model_version);
- ``history``: an append-only journal of every save/skip/clear, with the browser's ``seq``;
- ``links`` (v2): what this store has sent to or received from Label Studio projects: per
  project instance (``remote``), item kind and local id, the server's id and a fingerprint of
  the content last synced;
- ``reviews`` (v3): tasks flagged for review and what the reviewer decided (see
  :mod:`nblabel.quality.review`);
- ``pending`` (v2): the push journal: items of a batch written *before* the batch is sent, so a
  push whose answer was lost can be resolved against the server instead of sent twice.

``meta.store_id`` (v2) is a random id naming this store on servers (``meta.nblabel.store`` of
the tasks it pushes). The ``server_id`` columns of v1 are unused: ids are per server project,
so they live in ``links``. See ``nblabel/sync.py``.

Durability: a save is acknowledged to the browser only after :meth:`Store.save` returns, and
it returns only after ``COMMIT``. The database runs in WAL mode with ``synchronous=FULL``: in
WAL mode ``synchronous=NORMAL`` already survives the *process* dying (the commit is in the OS
page cache once ``COMMIT`` returns), but it fsyncs the WAL only at checkpoints, so an OS crash
or power cut can lose recently acknowledged saves. ``FULL`` fsyncs the WAL on every commit,
which costs a few milliseconds per save, nothing at human labeling speed, and makes
"acknowledged" mean "on disk".

Concurrency: saves come from the kernel's comm thread, so the connection is opened with
``check_same_thread=False`` and every use holds a lock. Two notebooks on the same file are two
connections: WAL lets readers and one writer proceed together, ``busy_timeout`` makes a writer
wait for the other's commit instead of failing, and writes start with ``BEGIN IMMEDIATE`` so a
transaction never has to upgrade a read lock (an upgrade conflict fails at once, without
waiting for the busy timeout).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from nblabel.frame import gc_paused, json_safe, task_key

__all__ = [
    "Store",
    "StoreError",
    "default_store_path",
    "fingerprint",
    "annotation_fingerprint",
    "prediction_fingerprint",
    "Link",
    "SCHEMA_VERSION",
]

#: The schema version this code writes. A store with a higher version was written by a newer
#: nblabel and is refused rather than misread.
SCHEMA_VERSION = 3

#: Milliseconds a writer waits for another connection's transaction before giving up.
BUSY_TIMEOUT_MS = 10_000

# Migration n brings a store from version n-1 to version n. Append new entries; never edit old ones.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS tasks (
            project    TEXT NOT NULL,
            key        TEXT NOT NULL,
            data       TEXT NOT NULL,
            meta       TEXT,
            server_id  INTEGER,
            created_at TEXT NOT NULL,
            PRIMARY KEY (project, key)
        )""",
        """CREATE TABLE IF NOT EXISTS annotations (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            annotator     TEXT NOT NULL,
            result        TEXT NOT NULL,
            was_cancelled INTEGER NOT NULL DEFAULT 0,
            lead_time     REAL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            server_id     INTEGER,
            UNIQUE (project, task_key, annotator)
        )""",
        "CREATE INDEX IF NOT EXISTS annotations_by_annotator ON annotations (project, annotator)",
        """CREATE TABLE IF NOT EXISTS predictions (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            model_version TEXT NOT NULL,
            score         REAL,
            result        TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            server_id     INTEGER,
            UNIQUE (project, task_key, model_version)
        )""",
        """CREATE TABLE IF NOT EXISTS history (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            annotator     TEXT NOT NULL,
            action        TEXT NOT NULL CHECK (action IN ('save', 'skip', 'clear')),
            result        TEXT NOT NULL,
            was_cancelled INTEGER NOT NULL DEFAULT 0,
            seq           INTEGER,
            at            TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS history_by_task ON history (project, task_key)",
    ],
    2: [
        # `remote` names one Label Studio project instance (see nblabel.sync.remote_id): ids are
        # only meaningful inside it. `local_id` is the task key, or the annotation/prediction row
        # id as text. `server_id` is NULL while the server's id is not known yet (items created
        # by a bulk import, whose answer carries task ids only).
        """CREATE TABLE IF NOT EXISTS links (
            project     TEXT NOT NULL,
            remote      TEXT NOT NULL,
            project_id  INTEGER NOT NULL,
            kind        TEXT NOT NULL CHECK (kind IN ('task', 'annotation', 'prediction')),
            local_id    TEXT NOT NULL,
            server_id   INTEGER,
            fingerprint TEXT,
            synced_at   TEXT NOT NULL,
            PRIMARY KEY (project, remote, kind, local_id)
        )""",
        "CREATE INDEX IF NOT EXISTS links_by_server_id ON links (project, remote, kind, server_id)",
        """CREATE TABLE IF NOT EXISTS pending (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            project    TEXT NOT NULL,
            remote     TEXT NOT NULL,
            project_id INTEGER NOT NULL,
            kind       TEXT NOT NULL CHECK (kind IN ('task', 'annotation', 'prediction')),
            local_id   TEXT NOT NULL,
            batch      TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        # One index serves both the per-remote listing and the per-item delete after each batch
        # (without it that delete scans the batch per row: quadratic in the batch size).
        "CREATE INDEX IF NOT EXISTS pending_by_item ON pending (project, remote, kind, local_id)",
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))))",
    ],
    3: [
        # Review (nblabel.quality.review): one row per flagged task. `state` is 'pending' until a
        # reviewer accepts, rejects (with a comment) or fixes it (the fix is a 'consensus'
        # annotation). `reason` says how the task was sampled.
        """CREATE TABLE IF NOT EXISTS reviews (
            project     TEXT NOT NULL,
            task_key    TEXT NOT NULL,
            state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'fixed')),
            reason      TEXT,
            comment     TEXT,
            reviewer    TEXT,
            flagged_at  TEXT NOT NULL,
            reviewed_at TEXT,
            PRIMARY KEY (project, task_key)
        )""",
    ],
}

# SQLite limits host parameters per statement (999 in old builds); stay well below.
_CHUNK = 500


class StoreError(RuntimeError):
    """The store file cannot be opened or written; the message names the file and what to do.

    Raised for a directory or unwritable path, a file that is not an nblabel store, a store
    written by a newer nblabel, a closed store, and a write that SQLite refused (disk full,
    another writer holding the lock past ``BUSY_TIMEOUT_MS``...).
    """


def default_store_path() -> Path:
    """Where a labeler keeps its labels unless told otherwise: ``nblabel.db`` in the current directory.

    The current directory of a Jupyter kernel is the notebook's folder, so labels sit next to
    the notebook and a restarted kernel finds them again.
    """
    return Path.cwd() / "nblabel.db"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_MAYBE_UNSAFE_INT = re.compile(r"\d{16}")  # 2**53 has 16 digits (may match inside strings: harmless)


def _json_text(value: object) -> str:
    """The stored JSON text of ``json_safe(value)``. Plain JSON data (a parsed server reply)
    encodes as it is, which is what json_safe would return; anything else -- numpy or pandas
    values, NaN, long integers -- takes the conversion."""
    try:
        text = _dumps(value)
    except (TypeError, ValueError):
        return _dumps(json_safe(value))
    return _dumps(json_safe(value)) if _MAYBE_UNSAFE_INT.search(text) else text


def fingerprint(value: object) -> str:
    """A short hash of JSON data that ignores key order (a server may reorder object keys).

    Sync compares fingerprints to decide what changed since the last push or pull.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def annotation_fingerprint(result: object, was_cancelled: object) -> str:
    """What makes two annotations "the same" for sync: the result and the skip flag.

    Times, lead time and the author are left out: a copy of an annotation is unchanged when it
    says the same thing.
    """
    return fingerprint({"result": result, "was_cancelled": bool(was_cancelled)})


def prediction_fingerprint(result: object, score: object, model_version: object) -> str:
    """Fingerprint of a prediction as sync sends it."""
    return fingerprint({"result": result, "score": score, "model_version": model_version})


def _sql_annotation_fp(result_text: str, was_cancelled: int) -> str:
    return annotation_fingerprint(json.loads(result_text), was_cancelled)


def _sql_prediction_fp(result_text: str, score: float | None, model_version: str) -> str:
    return prediction_fingerprint(json.loads(result_text), score, model_version)


class Store:
    """Annotations, task snapshots, predictions and a save journal in one SQLite file.

    ``path`` is created (with parent directories) if missing; ``":memory:"`` gives a throwaway
    in-memory store (not durable; for experiments). ``project`` separates label sets that share
    a file. Task ids are keyed with :func:`nblabel.frame.task_key` (``5``, ``np.int64(5)`` and
    ``"5"`` are the same task). Thread-safe; use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, project: str = "default") -> None:
        if not isinstance(project, str) or not project:
            raise ValueError("project must be a non-empty string")
        self.project = project
        self._lock = threading.RLock()
        memory = str(path) == ":memory:"
        self.path = Path(path) if memory else Path(path).expanduser().absolute()
        if not memory:
            self._prepare_path()
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                ":memory:" if memory else str(self.path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc
        try:
            self._setup()
        except StoreError:
            self._conn.close()
            self._conn = None
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            self._conn = None
            raise self._open_error(exc) from exc

    # ---- opening -------------------------------------------------------------------------

    def _prepare_path(self) -> None:
        path = self.path
        if path.is_dir():
            raise StoreError(
                f"cannot use {path} as an nblabel store: it is a directory "
                f"(pass a file path such as {path / 'nblabel.db'})"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocker = next((p for p in path.parents if p.exists()), None)
            why = (
                f"{blocker} is a file, not a folder"
                if blocker is not None and not blocker.is_dir()
                else exc.strerror or str(exc)
            )
            raise StoreError(f"cannot create the folder for the nblabel store {path}: {why}") from exc
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"cannot open the nblabel store {path}: the file is not readable and writable")

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            return StoreError(
                f"{self.path} is not an nblabel store (not an SQLite database: {text}); pass another path"
            )
        if "readonly" in text or "unable to open" in text or "disk I/O" in text:
            return StoreError(
                f"cannot write the nblabel store {self.path}: {text} (check that the file and its folder are writable)"
            )
        return StoreError(f"cannot open the nblabel store {self.path}: {text}")

    def _setup(self) -> None:
        conn = self._conn
        assert conn is not None
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        conn.create_function("nbl_ann_fp", 2, _sql_annotation_fp, deterministic=True)
        conn.create_function("nbl_pred_fp", 3, _sql_prediction_fp, deterministic=True)
        # Look before touching anything: a text file fails this read ("not a database"), and
        # another program's database or a newer store is refused before WAL mode (which is
        # persistent) is switched on in it.
        self._schema_version(conn.cursor(), create=False)
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")  # see the module docstring: acked = durable
        with self._write() as cur:
            version = self._schema_version(cur, create=True)  # again: another process may have migrated
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target]:
                    cur.execute(statement)
            if version < SCHEMA_VERSION:
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
                cur.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('app', 'nblabel')")

    def _schema_version(self, cur: sqlite3.Cursor, *, create: bool) -> int:
        """The store's schema version (0 = empty file); refuses foreign and newer files."""
        tables = {row[0] for row in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            others = sorted(t for t in tables if not t.startswith("sqlite_"))
            if others:
                raise StoreError(
                    f"{self.path} is an SQLite database but not an nblabel store "
                    f"(it has tables {', '.join(others[:5])}); pass another path"
                )
            if create:
                cur.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            return 0
        row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise StoreError(f"{self.path} is an SQLite database but not an nblabel store (no schema_version)")
        try:
            version = int(row[0])
        except ValueError:
            raise StoreError(f"{self.path} has an unreadable schema_version {row[0]!r}") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer nblabel (store schema version {version}; this "
                f"nblabel reads up to version {SCHEMA_VERSION}): upgrade nblabel to open it"
            )
        return version

    # ---- transactions --------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the nblabel store {self.path} is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error)."""
        with self._lock:
            conn = self._connection()
            cur = conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                try:
                    yield cur
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                # disk full, I/O error, another writer holding the lock past busy_timeout...
                raise StoreError(f"could not write to the nblabel store {self.path}: {exc}") from exc
            finally:
                cur.close()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._connection().execute(sql, tuple(params)).fetchall()

    # ---- annotations ---------------------------------------------------------------------

    def save(
        self,
        task_id: object,
        data: dict,
        result: list[dict],
        *,
        annotator: str,
        was_cancelled: bool = False,
        lead_time: float | None = None,
        seq: int | None = None,
    ) -> dict:
        """Store ``annotator``'s result for a task; committed to disk before this returns.

        In one transaction: the task's ``data`` snapshot is upserted, the annotation is upserted
        (or deleted when ``result == []`` and not ``was_cancelled``: a *clear*), and a history
        row records the action (``save``, ``skip`` when ``was_cancelled``, or ``clear``) with
        ``seq``. ``lead_time=None`` keeps the previously stored lead time.

        Returns the stored annotation dict (see :meth:`annotations`), or ``{}`` after a clear.
        Raises ``TypeError`` for a result that is not a list of dicts (naming the task id).
        """
        key = task_key(task_id)
        if not isinstance(result, list):
            raise TypeError(f"result for task {key!r} must be a list of result dicts, not {type(result).__name__}")
        for item in result:
            if not isinstance(item, dict):
                raise TypeError(f"result for task {key!r} must hold dicts, found {type(item).__name__}")
        if not isinstance(data, dict):
            raise TypeError(f"data for task {key!r} must be a dict, not {type(data).__name__}")
        if not isinstance(annotator, str) or not annotator:
            raise ValueError(f"annotator for task {key!r} must be a non-empty string")
        cancelled = bool(was_cancelled)
        action = "skip" if cancelled else ("clear" if not result else "save")
        result_text = _dumps(result)
        data_text = _json_text(data)
        lead = None if lead_time is None else float(lead_time)
        now = _now()
        with self._write() as cur:
            cur.execute(
                "INSERT INTO tasks (project, key, data, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (project, key) DO UPDATE SET data = excluded.data",
                (self.project, key, data_text, now),
            )
            if action == "clear":
                cur.execute(
                    "DELETE FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
                    (self.project, key, annotator),
                )
            else:
                cur.execute(
                    "INSERT INTO annotations (project, task_key, annotator, result, was_cancelled, lead_time, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (project, task_key, annotator) DO UPDATE SET result = excluded.result, "
                    "was_cancelled = excluded.was_cancelled, "
                    "lead_time = COALESCE(excluded.lead_time, annotations.lead_time), "
                    "updated_at = excluded.updated_at",
                    (self.project, key, annotator, result_text, int(cancelled), lead, now, now),
                )
            cur.execute(
                "INSERT INTO history (project, task_key, annotator, action, result, was_cancelled, seq, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.project, key, annotator, action, result_text, int(cancelled), seq, now),
            )
            if action == "clear":
                return {}
            row = cur.execute(
                f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
                (self.project, key, annotator),
            ).fetchone()
        return _annotation(row)

    def annotation(self, task_id: object, annotator: str) -> dict | None:
        """``annotator``'s stored annotation of a task, or None."""
        rows = self._read(
            f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
            (self.project, task_key(task_id), annotator),
        )
        return _annotation(rows[0]) if rows else None

    def annotations(self, annotator: str | None = None) -> list[dict]:
        """Stored annotations (all annotators, or one), oldest first.

        Each is ``{"id": int, "task_id": key str, "annotator", "result": list, "was_cancelled":
        bool, "lead_time": float | None, "created_at", "updated_at"}`` with ISO-8601 UTC times.
        """
        sql = f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ?"
        params: list[object] = [self.project]
        if annotator is not None:
            sql += " AND annotator = ?"
            params.append(annotator)
        return _annotations(self._read(sql + " ORDER BY id", params))

    def annotated(self, annotator: str) -> dict[str, bool]:
        """Task key -> was_cancelled for every task ``annotator`` has saved or skipped.

        Small rows only (no result JSON), for building labeled/unlabeled masks quickly.
        """
        rows = self._read(
            "SELECT task_key, was_cancelled FROM annotations WHERE project = ? AND annotator = ?",
            (self.project, annotator),
        )
        return {k: bool(c) for k, c in rows}

    def counts(self, annotator: str) -> tuple[int, int]:
        """``(done, skipped)`` for ``annotator``: annotations not cancelled, and cancelled ones."""
        row = self._read(
            "SELECT COALESCE(SUM(was_cancelled = 0), 0), COALESCE(SUM(was_cancelled != 0), 0) "
            "FROM annotations WHERE project = ? AND annotator = ?",
            (self.project, annotator),
        )[0]
        return int(row[0]), int(row[1])

    def history(self, task_id: object | None = None) -> list[dict]:
        """The save journal (one task's, or the whole project's), oldest first.

        Each row is ``{"id", "task_id", "annotator", "action": "save"|"skip"|"clear", "result",
        "was_cancelled", "seq", "at"}``.
        """
        sql = "SELECT id, task_key, annotator, action, result, was_cancelled, seq, at FROM history WHERE project = ?"
        params: list[object] = [self.project]
        if task_id is not None:
            sql += " AND task_key = ?"
            params.append(task_key(task_id))
        return [
            {
                "id": r[0],
                "task_id": r[1],
                "annotator": r[2],
                "action": r[3],
                "result": json.loads(r[4]),
                "was_cancelled": bool(r[5]),
                "seq": r[6],
                "at": r[7],
            }
            for r in self._read(sql + " ORDER BY id", params)
        ]

    # ---- predictions ---------------------------------------------------------------------

    def add_predictions(self, rows: Iterable[tuple[object, list, float | None, str]]) -> int:
        """Store ``(task_id, result, score, model_version)`` rows in one transaction; returns the count.

        A task has at most one prediction per model version: storing another replaces it.
        """
        prepared = self._prediction_params(rows)
        if not prepared:
            return 0
        with self._write() as cur:
            cur.executemany(_UPSERT_PREDICTION, prepared)
        return len(prepared)

    def _prediction_params(self, rows: Iterable[tuple[object, list, float | None, str]]) -> list[tuple]:
        prepared = []
        for row in rows:
            task_id, result, score, model_version = row
            key = task_key(task_id)
            if not isinstance(result, list):
                raise TypeError(f"prediction result for task {key!r} must be a list, not {type(result).__name__}")
            prepared.append(
                (
                    self.project,
                    key,
                    str(model_version if model_version is not None else "undefined"),
                    json_safe(None if score is None else float(score)),
                    _json_text(result),
                    _now(),
                )
            )
        return prepared

    def write_imported(
        self,
        *,
        tasks: Iterable[tuple[str, dict, dict | None]] = (),
        annotations: Iterable[dict] = (),
        predictions: Iterable[tuple[object, list, float | None, str]] = (),
    ) -> None:
        """Write a whole import in one transaction (all or nothing): task snapshots ``(key, data,
        meta)``, annotations (the dicts :meth:`record_sync` takes, without ``link``; each gets a
        history row) and predictions (:meth:`add_predictions` rows)."""
        now = _now()
        preds = self._prediction_params(predictions)
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO tasks (project, key, data, meta, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (project, key) DO UPDATE SET data = excluded.data, meta = excluded.meta",
                [
                    (self.project, key, _json_text(data), None if meta is None else _json_text(meta), now)
                    for key, data, meta in tasks
                ],
            )
            history: list[tuple] = []
            for ann in annotations:
                self._write_pulled(cur, ann, now, history)
            cur.executemany(
                "INSERT INTO history (project, task_key, annotator, action, result, was_cancelled, seq, at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                history,
            )
            cur.executemany(_UPSERT_PREDICTION, preds)

    def predictions(self, task_ids: Iterable[object], *, detail: bool = False) -> dict[str, list[dict]]:
        """Task key -> its predictions ``[{"result", "score", "model_version"}]`` (every asked key, maybe empty).

        ``detail=True`` adds the row ``id`` and ``created_at`` (when it was stored; storing a new
        prediction of the same model version replaces the row), what an export writes."""
        keys = list(dict.fromkeys(task_key(t) for t in task_ids))
        out: dict[str, list[dict]] = {k: [] for k in keys}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for k, result, score, version, pid, created in self._read(
                f"SELECT task_key, result, score, model_version, id, created_at FROM predictions "
                f"WHERE project = ? AND task_key IN ({marks}) ORDER BY id",
                [self.project, *chunk],
            ):
                pred = {"result": json.loads(result), "score": score, "model_version": version}
                if detail:
                    pred.update(id=pid, created_at=created)
                out[k].append(pred)
        return out

    def predicted_keys(self) -> list[str]:
        """Keys of the tasks with at least one prediction, in the order they were first predicted."""
        return [
            r[0]
            for r in self._read(
                "SELECT task_key FROM predictions WHERE project = ? GROUP BY task_key ORDER BY MIN(id)", (self.project,)
            )
        ]

    # ---- tasks ---------------------------------------------------------------------------

    def task_keys_with_snapshot(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have a stored task snapshot (a pull fills in the missing ones)."""
        ordered = sorted(set(keys))
        found: set[str] = set()
        for a in range(0, len(ordered), _CHUNK):
            part = ordered[a : a + _CHUNK]
            found.update(
                r[0]
                for r in self._read(
                    f"SELECT key FROM tasks WHERE project = ? AND key IN ({', '.join('?' * len(part))})",
                    [self.project, *part],
                )
            )
        return found

    def tasks(self) -> list[dict]:
        """Stored task snapshots as Label Studio task JSON ``{"id": key, "data": {...}}``, oldest first."""
        out = []
        for key, data, meta in self._read(
            "SELECT key, data, meta FROM tasks WHERE project = ? ORDER BY rowid", (self.project,)
        ):
            task: dict[str, object] = {"id": key, "data": json.loads(data)}
            if meta is not None:
                task["meta"] = json.loads(meta)
            out.append(task)
        return out

    def task_count(self) -> int:
        """How many task snapshots this project holds (cheap: no task is read)."""
        return int(self._read("SELECT COUNT(*) FROM tasks WHERE project = ?", (self.project,))[0][0])

    # ---- Label Studio sync (used by nblabel.sync) -------------------------------------------
    #
    # `remote` names one project instance on one server (nblabel.sync.remote_id). Link local ids
    # are text: task keys, or annotation / prediction row ids.

    @property
    def store_id(self) -> str:
        """This store's random id: pushed tasks carry it as ``meta.nblabel.store``."""
        rows = self._read("SELECT value FROM meta WHERE key = 'store_id'")
        if rows:
            return str(rows[0][0])
        with self._write() as cur:  # only a store kept at an older schema gets here
            cur.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))))")
            return str(cur.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])

    # ---- review (v3) ------------------------------------------------------------------------

    def flag_for_review(self, task_ids: Iterable[object], reason: str) -> int:
        """Flag tasks for review (state ``pending``); tasks already flagged keep their state.
        Returns how many were newly flagged."""
        now = _now()
        rows = [(self.project, task_key(t), reason, now) for t in task_ids]
        with self._write() as cur:
            before = cur.execute("SELECT COUNT(*) FROM reviews WHERE project = ?", (self.project,)).fetchone()[0]
            cur.executemany(
                "INSERT OR IGNORE INTO reviews (project, task_key, state, reason, flagged_at) "
                "VALUES (?, ?, 'pending', ?, ?)",
                rows,
            )
            after = cur.execute("SELECT COUNT(*) FROM reviews WHERE project = ?", (self.project,)).fetchone()[0]
        return int(after - before)

    def set_review(
        self,
        task_id: object,
        state: str,
        *,
        comment: str | None = None,
        reviewer: str | None = None,
        fix: tuple[dict, list] | None = None,
    ) -> None:
        """Record a reviewer's decision on a task (flagging it if it was not). With ``fix =
        (data, result)`` the fixed result is stored as the ``consensus`` annotation in the same
        transaction."""
        if state not in ("pending", "accepted", "rejected", "fixed"):
            raise ValueError(f"review state must be pending, accepted, rejected or fixed, not {state!r}")
        key, now = task_key(task_id), _now()
        with self._write() as cur:
            cur.execute(
                "INSERT INTO reviews (project, task_key, state, reason, comment, reviewer, flagged_at, reviewed_at) "
                "VALUES (?, ?, ?, 'manual', ?, ?, ?, ?) ON CONFLICT (project, task_key) DO UPDATE SET "
                "state = excluded.state, comment = excluded.comment, reviewer = excluded.reviewer, "
                "reviewed_at = excluded.reviewed_at",
                (self.project, key, state, comment, reviewer, now, None if state == "pending" else now),
            )
            if fix is not None:
                data, result = fix
                history: list[tuple] = []
                cur.execute(
                    "INSERT INTO tasks (project, key, data, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (project, key) DO NOTHING",
                    (self.project, key, _json_text(data), now),
                )
                self._write_pulled(
                    cur,
                    {"task_id": key, "annotator": "consensus", "result": result, "created_at": now, "updated_at": now},
                    now,
                    history,
                )
                cur.executemany(
                    "INSERT INTO history (project, task_key, annotator, action, result, was_cancelled, seq, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                    history,
                )

    def reviews(self) -> dict[str, dict]:
        """Review rows by task key: ``{"state", "reason", "comment", "reviewer", "flagged_at", "reviewed_at"}``."""
        return {
            r[0]: {
                "state": r[1],
                "reason": r[2],
                "comment": r[3],
                "reviewer": r[4],
                "flagged_at": r[5],
                "reviewed_at": r[6],
            }
            for r in self._read(
                "SELECT task_key, state, reason, comment, reviewer, flagged_at, reviewed_at "
                "FROM reviews WHERE project = ? ORDER BY rowid",
                (self.project,),
            )
        }

    def sync_state(self, remote: str, name: str = "pull") -> dict:
        """A sync step's notes about ``remote`` (``{}`` before any): ``"pull"``, what the last
        complete pull read up to (:func:`nblabel.sync.pull`); ``"reviews"``, the review state
        last pushed per task."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (f"{name}\x1f{self.project}\x1f{remote}",))
        return json.loads(rows[0][0]) if rows else {}

    def set_sync_state(self, remote: str, state: dict | None, name: str = "pull") -> None:
        """Replace (or, with None, forget) the notes ``name`` about ``remote``."""
        key = f"{name}\x1f{self.project}\x1f{remote}"
        with self._write() as cur:
            if state is None:
                cur.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                    "value = excluded.value",
                    (key, _dumps(state)),
                )

    def links(self, remote: str, kind: str, local_ids: Iterable[object] | None = None) -> dict[str, Link]:
        """Links of ``kind`` to ``remote`` keyed by local id: all of them, or those of ``local_ids``."""
        base = "SELECT local_id, server_id, fingerprint FROM links WHERE project = ? AND remote = ? AND kind = ?"
        params: list[object] = [self.project, remote, kind]
        if local_ids is None:
            return {r[0]: Link(*r) for r in self._read(base, params)}
        out: dict[str, Link] = {}
        for chunk in _chunks([str(i) for i in local_ids]):
            marks = ",".join("?" * len(chunk))
            for r in self._read(f"{base} AND local_id IN ({marks})", [*params, *chunk]):
                out[r[0]] = Link(*r)
        return out

    def links_by_server_id(self, remote: str, kind: str, server_ids: Iterable[int]) -> dict[int, Link]:
        """Links of ``kind`` to ``remote`` keyed by the server's id (for reading server data back)."""
        out: dict[int, Link] = {}
        for chunk in _chunks([int(i) for i in server_ids]):
            marks = ",".join("?" * len(chunk))
            for r in self._read(
                "SELECT local_id, server_id, fingerprint FROM links WHERE project = ? AND remote = ? "
                f"AND kind = ? AND server_id IN ({marks})",
                [self.project, remote, kind, *chunk],
            ):
                out[int(r[1])] = Link(*r)
        return out

    def journal(self, remote: str, project_id: int, kind: str, local_ids: Iterable[object], batch: str) -> None:
        """Record, before sending them, the items of one push batch (committed before this returns)."""
        now = _now()
        rows = [(self.project, remote, int(project_id), kind, str(i), batch, now) for i in local_ids]
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO pending (project, remote, project_id, kind, local_id, batch, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def pending(self, remote: str) -> list[dict]:
        """Journal rows left by pushes to ``remote`` that did not hear back: ``{"kind", "local_id", "batch"}``."""
        return [
            {"kind": k, "local_id": i, "batch": b}
            for k, i, b in self._read(
                "SELECT kind, local_id, batch FROM pending WHERE project = ? AND remote = ? ORDER BY id",
                (self.project, remote),
            )
        ]

    def annotations_of(self, task_ids: Iterable[object]) -> list[dict]:
        """Every annotator's annotations of the given tasks (see :meth:`annotations`), oldest first."""
        keys = list(dict.fromkeys(task_key(t) for t in task_ids))
        out: list[dict] = []
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            out.extend(
                _annotations(
                    self._read(
                        f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND task_key IN ({marks}) ORDER BY id",
                        [self.project, *chunk],
                    )
                )
            )
        return out

    def annotations_by_id(self, ids: Iterable[int]) -> dict[int, dict]:
        """Annotations by row id (ids that no longer exist are left out)."""
        out: dict[int, dict] = {}
        for chunk in _chunks([int(i) for i in ids]):
            marks = ",".join("?" * len(chunk))
            for r in self._read(
                f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND id IN ({marks})", [self.project, *chunk]
            ):
                out[int(r[0])] = _annotation(r)
        return out

    def prediction_rows(self, task_ids: Iterable[object]) -> list[dict]:
        """Predictions of the given tasks with their row ids: ``{"id", "task_id", "result", "score", "model_version"}``."""
        keys = list(dict.fromkeys(task_key(t) for t in task_ids))
        out: list[dict] = []
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            out.extend(
                _prediction(r)
                for r in self._read(
                    f"SELECT {_PRED_COLUMNS} FROM predictions WHERE project = ? AND task_key IN ({marks}) ORDER BY id",
                    [self.project, *chunk],
                )
            )
        return out

    def changed_annotations(self, remote: str) -> list[dict]:
        """Annotations of tasks already on ``remote`` that were never sent there or changed since.

        Each is an :meth:`annotations` dict plus ``task_server_id`` and ``link`` (a :class:`Link`,
        or None when it was never sent).
        """
        rows = self._read(
            f"SELECT {_ANN_COLUMNS_A}, t.server_id, l.local_id, l.server_id, l.fingerprint FROM annotations a "
            "JOIN links t ON t.project = a.project AND t.remote = ?1 AND t.kind = 'task' AND t.local_id = a.task_key "
            "LEFT JOIN links l ON l.project = a.project AND l.remote = ?1 AND l.kind = 'annotation' "
            "AND l.local_id = CAST(a.id AS TEXT) "
            "WHERE a.project = ?2 AND (l.local_id IS NULL OR l.fingerprint IS NOT nbl_ann_fp(a.result, a.was_cancelled)) "
            "ORDER BY a.id",
            (remote, self.project),
        )
        return [
            {**_annotation(r[:8]), "task_server_id": r[8], "link": Link(*r[9:]) if r[9] is not None else None}
            for r in rows
        ]

    def changed_predictions(self, remote: str) -> list[dict]:
        """Predictions of tasks already on ``remote`` that were never sent there or changed since
        (:meth:`prediction_rows` dicts plus ``task_server_id`` and ``link``)."""
        rows = self._read(
            "SELECT p.id, p.task_key, p.result, p.score, p.model_version, t.server_id, "
            "l.local_id, l.server_id, l.fingerprint FROM predictions p "
            "JOIN links t ON t.project = p.project AND t.remote = ?1 AND t.kind = 'task' AND t.local_id = p.task_key "
            "LEFT JOIN links l ON l.project = p.project AND l.remote = ?1 AND l.kind = 'prediction' "
            "AND l.local_id = CAST(p.id AS TEXT) "
            "WHERE p.project = ?2 AND (l.local_id IS NULL "
            "OR l.fingerprint IS NOT nbl_pred_fp(p.result, p.score, p.model_version)) ORDER BY p.id",
            (remote, self.project),
        )
        return [
            {**_prediction(r[:5]), "task_server_id": r[5], "link": Link(*r[6:]) if r[6] is not None else None}
            for r in rows
        ]

    def synced_counts(self, remote: str) -> tuple[int, int]:
        """``(annotations, predictions)`` on ``remote`` whose local copy is unchanged since the last sync."""
        ann = self._read(
            "SELECT COUNT(*) FROM annotations a JOIN links l ON l.project = a.project AND l.remote = ? "
            "AND l.kind = 'annotation' AND l.local_id = CAST(a.id AS TEXT) "
            "WHERE a.project = ? AND l.fingerprint = nbl_ann_fp(a.result, a.was_cancelled)",
            (remote, self.project),
        )[0][0]
        pred = self._read(
            "SELECT COUNT(*) FROM predictions p JOIN links l ON l.project = p.project AND l.remote = ? "
            "AND l.kind = 'prediction' AND l.local_id = CAST(p.id AS TEXT) "
            "WHERE p.project = ? AND l.fingerprint = nbl_pred_fp(p.result, p.score, p.model_version)",
            (remote, self.project),
        )[0][0]
        return int(ann), int(pred)

    def unlinked_annotated_keys(self, remote: str) -> list[str]:
        """Keys of tasks that have annotations here but are not on ``remote`` (yet)."""
        return [
            r[0]
            for r in self._read(
                "SELECT DISTINCT a.task_key FROM annotations a LEFT JOIN links t ON t.project = a.project "
                "AND t.remote = ? AND t.kind = 'task' AND t.local_id = a.task_key "
                "WHERE a.project = ? AND t.local_id IS NULL ORDER BY a.task_key",
                (remote, self.project),
            )
        ]

    def record_sync(
        self,
        remote: str,
        project_id: int,
        *,
        links: Iterable[tuple[str, object, int | None, str | None]] = (),
        unlink: Iterable[tuple[str, object]] = (),
        done: Iterable[tuple[str, object]] = (),
        tasks: Iterable[tuple[str, dict, dict | None]] = (),
        annotations: Iterable[dict] = (),
        predictions: Iterable[tuple[str, list, float | None, str, int, str]] = (),
    ) -> dict[tuple[str, str], int]:
        """Write what one sync step learnt, all in one transaction (all or nothing).

        ``links``: ``(kind, local_id, server_id, fingerprint)`` upserts; ``unlink``: ``(kind,
        local_id)`` to forget; ``done``: ``(kind, local_id)`` journal rows to remove; ``tasks``:
        ``(key, data, meta)`` snapshots of server tasks; ``annotations``: annotations read from the
        server, dicts with ``task_id``, ``annotator``, ``result``, ``was_cancelled``,
        ``lead_time``, ``created_at``, ``updated_at``, optional ``id`` (the local row to
        overwrite) and optional ``link`` ``(server_id, fingerprint)``. Each annotation also
        gets a history row (``seq`` NULL). ``predictions``: ``(key, result, score, model_version,
        server_id, fingerprint)`` read from the server, upserted per (task, model version) and
        linked. Returns ``{(task key, annotator): row id}`` of the
        annotations written.
        """
        now = _now()
        written: dict[tuple[str, str], int] = {}
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO tasks (project, key, data, meta, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (project, key) DO UPDATE SET data = excluded.data, meta = excluded.meta",
                [
                    (self.project, key, _json_text(data), None if meta is None else _json_text(meta), now)
                    for key, data, meta in tasks
                ],
            )
            history: list[tuple] = []
            link_rows: list[tuple] = []
            for ann in annotations:
                key, row_id = self._write_pulled(cur, ann, now, history)
                written[(key, ann["annotator"])] = row_id
                if ann.get("link") is not None:
                    server_id, fp = ann["link"]
                    link_rows.append(self._link_row(remote, project_id, "annotation", row_id, server_id, fp, now))
            cur.executemany(
                "INSERT INTO history (project, task_key, annotator, action, result, was_cancelled, seq, at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                history,
            )
            for key, result, score, version, server_id, fp in predictions:
                cur.execute(_UPSERT_PREDICTION, self._prediction_params([(key, result, score, version)])[0])
                pred_id = cur.execute(
                    "SELECT id FROM predictions WHERE project = ? AND task_key = ? AND model_version = ?",
                    (self.project, key, str(version)),
                ).fetchone()[0]
                link_rows.append(self._link_row(remote, project_id, "prediction", pred_id, server_id, fp, now))
            link_rows += [
                self._link_row(remote, project_id, kind, local_id, server_id, fp, now)
                for kind, local_id, server_id, fp in links
            ]
            cur.executemany(_UPSERT_LINK, link_rows)
            cur.executemany(
                "DELETE FROM links WHERE project = ? AND remote = ? AND kind = ? AND local_id = ?",
                [(self.project, remote, kind, str(i)) for kind, i in unlink],
            )
            cur.executemany(
                "DELETE FROM pending WHERE project = ? AND remote = ? AND kind = ? AND local_id = ?",
                [(self.project, remote, kind, str(i)) for kind, i in done],
            )
        return written

    def _link_row(
        self, remote: str, project_id: int, kind: str, local_id: object, server_id: int | None, fp: str | None, now: str
    ) -> tuple:
        """Parameters of ``_UPSERT_LINK`` for one link."""
        return (self.project, remote, int(project_id), kind, str(local_id), server_id, fp, now)

    def _write_pulled(self, cur: sqlite3.Cursor, ann: dict, now: str, history: list[tuple]) -> tuple[str, int]:
        """Insert or overwrite one annotation read from a server; its history row is appended to
        ``history`` (written by the caller, in the same transaction). Returns (key, row id)."""
        key, who = task_key(ann["task_id"]), ann["annotator"]
        result = ann["result"]
        if not isinstance(result, list) or not isinstance(who, str) or not who:
            raise TypeError(f"annotation of task {key!r} from the server has no result list or annotator")
        cancelled = int(bool(ann.get("was_cancelled")))
        text = _json_text(result)
        created, updated = ann.get("created_at") or now, ann.get("updated_at") or now
        lead = ann.get("lead_time")
        if ann.get("id") is not None:
            cur.execute(
                "UPDATE annotations SET result = ?, was_cancelled = ?, lead_time = COALESCE(?, lead_time), "
                "updated_at = ? WHERE project = ? AND id = ?",
                (text, cancelled, lead, updated, self.project, int(ann["id"])),
            )
            row_id = int(ann["id"])
        else:
            upsert = cur.execute(
                "INSERT INTO annotations (project, task_key, annotator, result, was_cancelled, lead_time, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (project, task_key, annotator) DO UPDATE SET result = excluded.result, "
                "was_cancelled = excluded.was_cancelled, lead_time = excluded.lead_time, "
                "updated_at = excluded.updated_at" + (" RETURNING id" if _HAS_RETURNING else ""),
                (self.project, key, who, text, cancelled, lead, created, updated),
            )
            if _HAS_RETURNING:
                row_id = int(upsert.fetchone()[0])
            else:  # SQLite < 3.35 (some system Pythons): read the id back
                row_id = int(
                    cur.execute(
                        "SELECT id FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
                        (self.project, key, who),
                    ).fetchone()[0]
                )
        history.append((self.project, key, who, "skip" if cancelled else "save", text, cancelled, now))
        return key, row_id

    # ---- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent). Committed saves are already on disk."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"Store({str(self.path)!r}, project={self.project!r}) [{state}]"


_HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35)
_UPSERT_LINK = (
    "INSERT INTO links (project, remote, project_id, kind, local_id, server_id, fingerprint, synced_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, remote, kind, local_id) DO UPDATE SET "
    "server_id = excluded.server_id, fingerprint = excluded.fingerprint, synced_at = excluded.synced_at, "
    "project_id = excluded.project_id"
)
_UPSERT_PREDICTION = (
    "INSERT INTO predictions (project, task_key, model_version, score, result, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project, task_key, model_version) DO UPDATE SET "
    "score = excluded.score, result = excluded.result, created_at = excluded.created_at"
)
_UNSET: Any = object()
_ANN_COLUMNS = "id, task_key, annotator, result, was_cancelled, lead_time, created_at, updated_at"
_ANN_COLUMNS_A = ", ".join(f"a.{c.strip()}" for c in _ANN_COLUMNS.split(","))
_PRED_COLUMNS = "id, task_key, result, score, model_version"


class Link(NamedTuple):
    """One synced item: its local id (text), the server's id (None until known) and the
    fingerprint of the content last sent or received."""

    local_id: str
    server_id: int | None
    fingerprint: str | None


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _prediction(row: tuple) -> dict:
    return {"id": row[0], "task_id": row[1], "result": json.loads(row[2]), "score": row[3], "model_version": row[4]}


def _annotation(row: tuple, result: object = _UNSET) -> dict:
    return {
        "id": row[0],
        "task_id": row[1],
        "annotator": row[2],
        "result": json.loads(row[3]) if result is _UNSET else result,
        "was_cancelled": bool(row[4]),
        "lead_time": row[5],
        "created_at": row[6],
        "updated_at": row[7],
    }


def _annotations(rows: list[tuple]) -> list[dict]:
    """Annotation dicts of many rows, their result JSON decoded in ONE ``json.loads`` call.

    Why: decoding 100,000 small results one call at a time costs about twice the joined decode
    (per-call overhead of the json module dominates for results of a hundred bytes). Every stored
    result is one JSON array written by :func:`_json_text`, so the joined text is an array of
    exactly ``len(rows)`` arrays; anything else (a row edited by hand into invalid or several
    values) falls back to row-by-row decoding, which raises the usual error for the bad row.
    """
    if len(rows) < 2:
        return [_annotation(r) for r in rows]
    with gc_paused():
        try:
            results = json.loads("[" + ",".join(r[3] for r in rows) + "]")
        except (TypeError, ValueError):
            results = None
        if not isinstance(results, list) or len(results) != len(rows) or not all(type(x) is list for x in results):
            return [_annotation(r) for r in rows]
        return [_annotation(r, x) for r, x in zip(rows, results)]
