"""Push a store's tasks, predictions and annotations to a Label Studio project, pull annotations back.

Both can run any number of times, be interrupted anywhere, and never duplicate or lose a task or
an annotation. How (docs/architecture.md, "Label Studio sync", has the full picture):

* **Links.** The store remembers, per *project instance* (:func:`remote_id`: the project's id
  and creation time, not the URL, so the same server reached through another address is the
  same project, and a re-created project with a reused id is not), which local task, annotation
  and prediction is which server item, with a fingerprint of the content last synced. A second
  push sends only what has no link or changed since.
* **Push.** New tasks go in bulk imports that carry their annotations and predictions. Every
  task carries ``meta.nblabel = {"key", "store"}`` and every annotation an ``import_id`` that
  encodes (this store, its row id), so items can be recognised on the server later. Annotations
  of tasks already on the server go one request each (the open-source API has no bulk endpoint
  for them), a few threads at a time; predictions for existing tasks go in bulk.
* **Journal.** Each batch's items are journaled (store table ``pending``) before the request.
  If the answer is lost, the next push reads the project's tasks and links what arrived, so
  nothing is sent twice; what did not arrive is sent again.
* **Pull.** Streams the project's tasks (an export snapshot, the export or pages), maps each
  server annotation to a local one by link or ``import_id``, and stores new ones under their
  author's email (or the notebook name they were pushed under). Changes on both sides never
  overwrite each other: the server's version is kept next to the local one as
  ``"<annotator> (ls#<id>)"``.
* **Annotators.** Label Studio only accepts its own members as authors. A notebook annotator
  is sent as the member whose email ``annotators`` maps it to, or whose email it is; otherwise
  as the key's owner, with the notebook name kept in the task's ``meta.nblabel.annotators``
  (``{import_id: name}``) -- annotations themselves have no free field the server keeps.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import threading
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from .config import ConfigSpec
from .frame import TaskSource
from .labelstudio import (
    IMPORT_BATCH_SIZE,
    AuthError,
    PREDICTION_BATCH_SIZE,
    ConfigMismatchWarning,
    LabelStudio,
    LabelStudioError,
    LabelStudioWarning,
    NotFound,
    Project,
    ValidationError,
    config_differences,
    encode_batches,
    updated_since,
)
from .progress import Reporter, progress_reporter
from .quality.votes import CONSENSUS
from .regions import SpanError, check_result_spans
from .results import ResultError, validate_result
from .store import Link, Store, annotation_fingerprint, fingerprint, prediction_fingerprint

__all__ = ["PushReport", "PullReport", "push", "pull", "remote_id", "SyncWarning"]

#: Requests in flight at once for per-item calls (annotations of existing tasks).
WORKERS = 4
#: Tasks in a push's first import request: small, so the server starts at once (then IMPORT_BATCH_SIZE).
FIRST_IMPORT_BATCH = 250
#: Server tasks handled per store transaction while pulling (bounds memory and commit count).
PULL_CHUNK = 500
#: How pull reads the project: "auto" is the first of snapshot, export, pages the server offers.
PULL_METHODS = ("auto", "snapshot", "export", "pages")
#: From this many tasks "auto" reads a snapshot; below, the plain export (one request instead of
#: three). Medians of 5 on 1.23.2: 10 tasks 88 vs 110 ms, 50: 87 vs 142 ms, 100: 178 vs 177 ms,
#: 500: 703 vs 635 ms, 1000: 1.43 vs 1.09 s, 10k: ~13 vs ~10 s (pages: 99 ms, 161 ms, 0.3 s, 2.2 s, 3.6 s, ~40 s).
SNAPSHOT_FROM = 100
#: An incremental pull's next start is kept this many seconds before the server's clock at the
#: start of its read: a change whose transaction was still open then is read next time (a server
#: transaction longer than this could be missed; reading a change twice is harmless).
PULL_OVERLAP = 30.0
#: Page size of the changed-tasks listing (changes are few; one request covers most pulls).
CHANGES_PAGE = 1000

_LOCAL_BITS = 32  # import_id = store tag << 32 | local annotation row id


class SyncWarning(LabelStudioWarning):
    """Something a push or pull could not do and left for later (the message says what)."""


@dataclass(frozen=True)
class PushReport:
    """What one push did. ``unchanged``: tasks, annotations and predictions already on the server."""

    tasks_created: int
    tasks_resumed: int
    annotations_created: int
    annotations_updated: int
    predictions_created: int
    unchanged: int
    seconds: float
    reviews: int = 0

    def __str__(self) -> str:
        return (
            f"pushed in {self.seconds:.1f} s: {self.tasks_created} tasks created "
            f"({self.tasks_resumed} resumed), {self.annotations_created} annotations created, "
            f"{self.annotations_updated} updated, {self.predictions_created} predictions created, "
            f"{self.unchanged} unchanged" + (f", {self.reviews} review states" if self.reviews else "")
        )


@dataclass(frozen=True)
class PullReport:
    """What one pull did. ``conflicts``: server versions kept next to a different local one."""

    tasks_seen: int
    annotations_new: int
    annotations_updated: int
    conflicts: int
    seconds: float
    predictions: int = 0
    incremental: bool = False

    def __str__(self) -> str:
        how = "changes only" if self.incremental else "full read"
        return (
            f"pulled in {self.seconds:.1f} s ({how}): {self.tasks_seen} tasks seen, {self.annotations_new} new "
            f"annotations, {self.annotations_updated} updated, {self.conflicts} conflicts kept apart, "
            f"{self.predictions} predictions new or changed"
        )


# --------------------------------------------------------------------------- identities


def remote_id(project: Project) -> str:
    """The identity of a project instance: ``"<id>@<created_at in UTC>"``.

    Not the URL: a server reached through another address (proxy, 127.0.0.1 vs localhost) is
    the same project; and Label Studio on SQLite reuses ids, so a project deleted and created
    again gets a new identity.
    """
    created = project.data.get("created_at")
    if not isinstance(created, str) or not created:
        return f"{project.id}@{project.client.url}"
    try:
        stamp = _dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(_dt.timezone.utc)
        created = stamp.isoformat(timespec="microseconds")
    except ValueError:
        pass
    return f"{project.id}@{created}"


@dataclass(frozen=True)
class _Tag:
    """Encodes (this store, annotation row id) into a Label Studio ``import_id`` and back.

    The tag is 19 bits of the store id with the top bit set, so ids stay below 2**52 (exact in
    JavaScript) and above any small import id another tool may have set.
    """

    value: int

    @classmethod
    def of(cls, store_id: str) -> "_Tag":
        return cls(0x80000 | (int(store_id[:5], 16) & 0x7FFFF))

    def encode(self, local_id: int) -> int:
        if not 0 < local_id < 1 << _LOCAL_BITS:
            raise ValueError(f"annotation row id {local_id} does not fit an import id")
        return (self.value << _LOCAL_BITS) | local_id

    def decode(self, import_id: object) -> int | None:
        if not isinstance(import_id, int) or import_id >> _LOCAL_BITS != self.value:
            return None
        return import_id & ((1 << _LOCAL_BITS) - 1)


@dataclass
class _Context:
    """What one push or pull knows about the server: who is who."""

    project: Project
    remote: str
    store_id: str
    tag: _Tag
    me: dict[str, Any]
    email_by_id: dict[int, str]
    id_by_email: dict[str, int]
    mapping: dict[str, str] = field(default_factory=dict)

    def user_for(self, annotator: str) -> int | None:
        """The member a notebook annotator is sent as; None = the key's owner (the importer)."""
        email = self.mapping.get(annotator, annotator)
        return self.id_by_email.get(email.strip().lower())

    def keeps_name(self, annotator: str) -> bool:
        """Whether the notebook name must travel in task meta (sent as the key's owner under another name)."""
        return self.user_for(annotator) is None and annotator.strip().lower() != str(self.me.get("email", "")).lower()

    def author(self, user_id: object) -> str:
        if isinstance(user_id, int):
            return self.email_by_id.get(user_id) or f"user-{user_id}"
        return "unknown"


def _connect(
    store: Store, project: Project, annotators: Mapping[str, str] | None = None, *, validate: str | None = None
) -> _Context:
    """Read the project, the key's user and the members, and have the server check the config
    ``validate`` (if given): concurrently, each on a client of its own. Fails with
    LabelStudioError (ValidationError for the config) before anything is written."""
    client = project.client
    helpers = [client.clone() for _ in range(3 if validate is not None else 2)]
    try:
        with ThreadPoolExecutor(len(helpers), thread_name_prefix="nblabel-connect") as pool:
            members = pool.submit(_members, helpers[0])
            whoami = pool.submit(helpers[1].whoami)
            checked = pool.submit(helpers[2].validate_config, validate) if validate is not None else None
            project.refresh()  # wrong URL, wrong key, server down: this one says so
            (users, hidden), me = members.result(), whoami.result()
            if checked is not None:
                checked.result()
    finally:
        for helper in helpers:
            helper.close()
    if hidden is not None:
        warnings.warn(
            f"{client.url} does not show this key the member list ({hidden.detail}): annotations "
            "go as the key's user and pulled authors are named by user id.",
            SyncWarning,
            stacklevel=3,
        )
    id_by_email = {str(u["email"]).strip().lower(): int(u["id"]) for u in users if u.get("email") and "id" in u}
    ctx = _Context(
        project=project,
        remote=remote_id(project),
        store_id=store.store_id,
        tag=_Tag.of(store.store_id),
        me=me,
        email_by_id={v: k for k, v in id_by_email.items()},
        id_by_email=id_by_email,
        mapping={str(k): str(v) for k, v in (annotators or {}).items()},
    )
    unknown = sorted({e for e in ctx.mapping.values() if e.strip().lower() not in id_by_email})
    if unknown:
        members_list = ", ".join(sorted(id_by_email)[:10]) or "none"
        raise ValueError(
            f"annotators maps to {', '.join(unknown)}, not members of {client.url} (members: {members_list}). "
            "Invite them in Label Studio (Organization -> Add people), or leave them out: an unmapped "
            "annotator is sent as the API key's user and keeps the notebook name."
        )
    return ctx


def _members(client: LabelStudio) -> tuple[list[dict[str, Any]], AuthError | None]:
    """The organization's members, or none and the 403 when the key may not list them."""
    try:
        return client.users(), None
    except AuthError as exc:
        if exc.status != 403:
            raise
        return [], exc


# --------------------------------------------------------------------------- push


def push(
    store: Store,
    source: TaskSource,
    spec: ConfigSpec,
    project: Project,
    *,
    annotators: Mapping[str, str] | None = None,
    progress: bool = True,
    batch_size: int | None = None,
) -> PushReport:
    """Send every task of ``source`` with the store's predictions and annotations to ``project``.

    Only what the project does not have yet, or what changed since the last push, is sent. The
    config is validated by the server first (``ValidationError``), and a ``ConfigMismatchWarning``
    names differences from the project's config. ``annotators`` maps notebook annotator names to
    members' emails. ``batch_size`` overrides the measured import batch sizes. Errors are
    :class:`~nblabel.labelstudio.LabelStudioError` subclasses; whatever was sent before one is
    recorded, and the next push completes the rest.
    """
    t0 = time.monotonic()
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    ctx = _connect(store, project, annotators, validate=spec.xml)
    _warn_config_differences(project, spec)
    counts: dict[str, int] = defaultdict(int)
    counts["tasks_resumed"] = _resolve_journal(store, ctx)
    synced_anns, synced_preds = store.synced_counts(ctx.remote)
    counts["unchanged"] += synced_anns + synced_preds
    # Read before the import: tasks created by it carry their children inline (linked with it),
    # so these are exactly the changes of tasks already on the server -- and on a first push
    # (no task linked yet) the queries cost nothing, where after the import they scan every row.
    changed_anns = store.changed_annotations(ctx.remote)
    changed_preds = store.changed_predictions(ctx.remote)
    _push_new_tasks(store, source, ctx, batch_size or IMPORT_BATCH_SIZE, progress, counts)
    _warn_orphans(store, source, ctx)
    _push_annotations(store, ctx, changed_anns, progress, counts)
    _push_predictions(store, ctx, changed_preds, batch_size or PREDICTION_BATCH_SIZE, progress, counts)
    _push_reviews(store, ctx, counts)
    return PushReport(
        tasks_created=counts["tasks_created"],
        tasks_resumed=counts["tasks_resumed"],
        annotations_created=counts["annotations_created"],
        annotations_updated=counts["annotations_updated"],
        predictions_created=counts["predictions_created"],
        unchanged=counts["unchanged"],
        seconds=round(time.monotonic() - t0, 3),
        reviews=counts["reviews"],
    )


def review_meta(review: Mapping[str, Any]) -> dict[str, Any]:
    """Task meta for a review row: ``needs_review`` (the flag Label Studio workflows read) and
    ``nblabel_review`` (state, comment, reviewer, time)."""
    return {
        "needs_review": review["state"] == "pending",
        "nblabel_review": {k: review.get(k) for k in ("state", "comment", "reviewer", "reviewed_at")},
    }


def _push_reviews(store: Store, ctx: _Context, counts: dict[str, int]) -> None:
    """Review flags and decisions into the meta of the pushed tasks: read the task's meta and
    PATCH it back merged (Label Studio replaces meta whole), only where it changed since the
    last push."""
    reviews = store.reviews()
    if not reviews:
        return
    sent = store.sync_state(ctx.remote, "reviews")
    links = store.links(ctx.remote, "task", list(reviews))
    try:
        for key, review in reviews.items():
            link = links.get(key)
            meta = review_meta(review)
            fp = fingerprint(meta)
            if link is None or link.server_id is None or sent.get(key) == fp:
                continue
            current = ctx.project.task(int(link.server_id)).get("meta") or {}
            ctx.project.update_task(int(link.server_id), meta={**current, **meta})
            sent[key] = fp
            counts["reviews"] += 1
    finally:
        store.set_sync_state(ctx.remote, sent, "reviews")


def _warn_config_differences(project: Project, spec: ConfigSpec) -> None:
    diffs = config_differences(project.label_config, spec.xml)
    if diffs:
        more = f"; and {len(diffs) - 5} more" if len(diffs) > 5 else ""
        warnings.warn(
            f"Project {project.id} {project.title!r}: its label config differs from the labeler's: "
            f"{'; '.join(diffs[:5])}{more}. Pushing anyway; project.update_config(xml) replaces it.",
            ConfigMismatchWarning,
            stacklevel=3,
        )


def _push_new_tasks(
    store: Store, source: TaskSource, ctx: _Context, size: int, progress: bool, counts: dict[str, int]
) -> None:
    """Import the source's tasks that the project lacks, batch by batch, with their annotations
    and predictions inline; each batch journaled first and linked in one transaction after.

    Pipelined: one background thread sends batch k while this thread prepares and journals
    batch k+1, then links batch k while k+1 is in flight. At most one request is in flight and
    only the sender uses the client meanwhile; links are written in batch order, each batch is
    journaled before its request starts, and a journaled batch that was never sent (because
    the one before it failed) is taken off the journal again.
    """
    inflight: _InFlight | None = None
    with (
        progress_reporter("push tasks", source.total, enabled=progress) as bar,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="nblabel-import") as sender,
    ):
        try:
            for a, b in _spans(source.total, size):
                positions = range(a, b)
                keys = [source.key(p) for p in positions]
                linked = store.links(ctx.remote, "task", keys)
                new = [(p, k) for p, k in zip(positions, keys) if k not in linked]
                counts["unchanged"] += len(keys) - len(new)
                if not new:
                    bar.update(b - a)
                    continue
                batch = _prepare_batch(store, source, ctx, new, b - a)
                store.journal(ctx.remote, ctx.project.id, "task", batch.keys, uuid.uuid4().hex)
                if inflight is not None:
                    previous, inflight = inflight, None
                    try:
                        ids = previous.result(store, ctx, counts)
                    except BaseException:
                        store.record_sync(ctx.remote, ctx.project.id, done=[("task", k) for k in batch.keys])
                        raise
                    inflight = _InFlight(batch, sender.submit(_send_batch, ctx.project, batch))
                    _link_imported(store, ctx, previous.batch, ids, counts)  # while the next one is in flight
                    bar.update(previous.batch.span)
                else:
                    inflight = _InFlight(batch, sender.submit(_send_batch, ctx.project, batch))
            if inflight is not None:
                last, inflight = inflight, None
                _link_imported(store, ctx, last.batch, last.result(store, ctx, counts), counts)
                bar.update(last.batch.span)
        finally:
            if inflight is not None:  # this thread failed while a batch was in flight: link what it made
                last, inflight = inflight, None
                _link_imported(store, ctx, last.batch, last.result(store, ctx, counts), counts)


def _spans(total: int, size: int) -> Iterator[tuple[int, int]]:
    """Source row ranges, one per import: the first one short, so the server starts working
    while the next, full-size batch is prepared."""
    a = 0
    while a < total:
        b = min(total, a + (min(size, FIRST_IMPORT_BATCH) if a == 0 else size))
        yield a, b
        a = b


@dataclass
class _Batch:
    """One import request, prepared while the one before is in flight: the new tasks' keys, the
    JSON bodies to send, and what linking them will write (so the link after the answer is
    only the store transaction)."""

    keys: list[str]
    bodies: list[tuple[int, bytes]]
    fingerprints: list[str]  # of each task's data
    children: list[list[tuple[str, object, None, str]]]  # per task: links of the annotations and predictions it carries
    span: int  # source rows this batch covers (progress)


def _prepare_batch(store: Store, source: TaskSource, ctx: _Context, new: list[tuple[int, str]], span: int) -> _Batch:
    keys = [k for _, k in new]
    anns, preds = _unsent_children(store, ctx, keys)
    payload = [_task_payload(source.task(p)["data"], k, anns[k], preds[k], ctx) for p, k in new]
    children = [
        [("annotation", a["id"], None, annotation_fingerprint(a["result"], a["was_cancelled"])) for a in anns[k]]
        + [("prediction", p["id"], None, _pred_fp(p)) for p in preds[k]]
        for k in keys
    ]
    return _Batch(
        keys,
        list(encode_batches(payload, len(payload), "task")),
        [fingerprint(t["data"]) for t in payload],
        children,
        span,
    )


def _send_batch(project: Project, batch: _Batch) -> list[int]:
    """The sender thread's work: one import call (the only use of the client while it runs)."""
    return project.import_encoded(batch.bodies)


@dataclass
class _InFlight:
    batch: _Batch
    future: Any

    def result(self, store: Store, ctx: _Context, counts: dict[str, int]) -> list[int]:
        """The new task ids; on a failure, first links the part of the batch that arrived."""
        try:
            return self.future.result()
        except LabelStudioError as exc:
            # A batch too big for one request goes in several: link the part that arrived.
            done = getattr(exc, "imported_task_ids", None) or []
            if done:
                _link_imported(store, ctx, self.batch, done, counts)
            raise


def _unsent_children(store: Store, ctx: _Context, keys: list[str]) -> tuple[dict[str, list], dict[str, list]]:
    """The annotations and predictions of new tasks that have no link yet, by task key."""
    anns: dict[str, list] = defaultdict(list)
    preds: dict[str, list] = defaultdict(list)
    rows = store.annotations_of(keys)
    linked = store.links(ctx.remote, "annotation", [a["id"] for a in rows])
    for a in rows:
        if str(a["id"]) not in linked:
            anns[a["task_id"]].append(a)
    prows = store.prediction_rows(keys)
    plinked = store.links(ctx.remote, "prediction", [p["id"] for p in prows])
    for p in prows:
        if str(p["id"]) not in plinked:
            preds[p["task_id"]].append(p)
    return anns, preds


def _task_payload(data: dict, key: str, anns: list[dict], preds: list[dict], ctx: _Context) -> dict:
    names = {str(ctx.tag.encode(a["id"])): a["annotator"] for a in anns if ctx.keeps_name(a["annotator"])}
    nb: dict[str, Any] = {"key": key, "store": ctx.store_id}
    if names:
        nb["annotators"] = names
    task: dict[str, Any] = {"data": data, "meta": {"nblabel": nb}}
    if anns:
        task["annotations"] = [{"id": ctx.tag.encode(a["id"]), **_annotation_body(a, ctx)} for a in anns]
    if preds:
        task["predictions"] = [_prediction_body(p) for p in preds]
    return task


def _annotation_body(a: dict, ctx: _Context) -> dict:
    body: dict[str, Any] = {
        "result": a["result"],
        "was_cancelled": bool(a["was_cancelled"]),
        "ground_truth": a["annotator"] == CONSENSUS,
        "lead_time": a.get("lead_time"),
    }
    user = ctx.user_for(a["annotator"])
    if user is not None:
        body["completed_by"] = user
    return body


def _prediction_body(p: dict) -> dict:
    return {"result": p["result"], "score": p["score"], "model_version": p["model_version"]}


def _link_imported(store: Store, ctx: _Context, batch: _Batch, ids: list[int], counts: dict[str, int]) -> None:
    """Link the first ``len(ids)`` tasks of ``batch`` (and the children they carried); one transaction."""
    links: list[tuple[str, object, int | None, str | None]] = []
    for key, sid, fp, children in zip(batch.keys, ids, batch.fingerprints, batch.children):
        links.append(("task", key, int(sid), fp))
        links += children
        for kind, *_ in children:
            counts["annotations_created" if kind == "annotation" else "predictions_created"] += 1
    store.record_sync(ctx.remote, ctx.project.id, links=links, done=[("task", k) for k in batch.keys[: len(ids)]])
    counts["tasks_created"] += len(ids)


def _pred_fp(p: dict) -> str:
    return prediction_fingerprint(p["result"], p["score"], p["model_version"])


def _server_fp(s: dict) -> str:
    """The fingerprint of an annotation as the server returns it."""
    return annotation_fingerprint(s.get("result") or [], s.get("was_cancelled"))


def _warn_orphans(store: Store, source: TaskSource, ctx: _Context) -> None:
    """Annotated tasks that are neither in the DataFrame nor on the server cannot be pushed: say so."""
    keys = store.unlinked_annotated_keys(ctx.remote)
    if not keys:
        return
    missing = [k for k, pos in zip(keys, source.locate(keys).tolist()) if pos < 0]
    if missing:
        shown = ", ".join(map(repr, missing[:5])) + (" ..." if len(missing) > 5 else "")
        warnings.warn(
            f"{len(missing)} annotated tasks are not in the DataFrame ({shown}) and were not pushed: "
            "push with a DataFrame that has those rows to send them.",
            SyncWarning,
            stacklevel=3,
        )


# ---- annotations of tasks already on the server (one request each)


def _push_annotations(store: Store, ctx: _Context, changed: list[dict], progress: bool, counts: dict[str, int]) -> None:
    if not changed:
        return
    by_task: dict[int, list[dict]] = defaultdict(list)
    for a in changed:
        by_task[int(a["task_server_id"])].append(a)
    creates = [a["id"] for a in changed if a["link"] is None]
    if creates:
        store.journal(ctx.remote, ctx.project.id, "annotation", creates, uuid.uuid4().hex)
    gone: list[int] = []
    lock = threading.Lock()
    with progress_reporter("push annotations", len(changed), enabled=progress) as bar:

        def unit(project: Project, task_sid: int, anns: list[dict]) -> None:
            outcome = _TaskAnnotations(store, ctx, project, task_sid).send(anns)
            with lock:
                for k, v in outcome.items():
                    counts[k] += v
                if outcome.get("gone"):
                    gone.append(task_sid)
            bar.update(len(anns))

        _run_bounded(unit, ctx.project, list(by_task.items()))
    if gone:
        warnings.warn(
            f"{len(gone)} tasks were deleted in Label Studio (ids {', '.join(map(str, gone[:5]))}); "
            "their links were dropped, so the next push creates them again.",
            SyncWarning,
            stacklevel=3,
        )


class _TaskAnnotations:
    """Sends one task's changed annotations: POST new ones, PATCH changed ones unless the server's
    copy changed too (then the local version goes as a new annotation: nothing is overwritten)."""

    def __init__(self, store: Store, ctx: _Context, project: Project, task_sid: int) -> None:
        self.store, self.ctx, self.project, self.task_sid = store, ctx, project, task_sid
        self._task: dict[str, Any] | None = None
        self.counts: dict[str, int] = defaultdict(int)

    def server_task(self) -> dict[str, Any]:
        if self._task is None:
            self._task = self.project.task(self.task_sid)
        return self._task

    def send(self, anns: list[dict]) -> dict[str, int]:
        names: dict[str, str] = {}
        try:
            try:
                for a in anns:
                    if self._send_one(a) and self.ctx.keeps_name(a["annotator"]):
                        names[str(self.ctx.tag.encode(a["id"]))] = a["annotator"]
            finally:
                if names:  # also after a failure: what was created keeps its name
                    self._keep_names(names)
        except NotFound:
            if self._task_exists():
                raise
            self._forget_task(anns)
            self.counts["gone"] += 1
        return self.counts

    def _task_exists(self) -> bool:
        try:
            self.project.task(self.task_sid)
        except NotFound:
            return False
        return True

    def _send_one(self, a: dict) -> bool:
        """Send one annotation; True if it was created (so its notebook name may need keeping)."""
        fp = annotation_fingerprint(a["result"], a["was_cancelled"])
        link: Link | None = a["link"]
        server = self._server_copy(a, link) if link is not None else None
        if server is not None and link is not None and _server_fp(server) == link.fingerprint:
            self.project.update_annotation(
                server["id"], a["result"], was_cancelled=bool(a["was_cancelled"]), lead_time=a.get("lead_time")
            )
            self.store.record_sync(
                self.ctx.remote, self.ctx.project.id, links=[("annotation", a["id"], int(server["id"]), fp)]
            )
            self.counts["annotations_updated"] += 1
            return False
        # new, deleted on the server, or changed there too: a new annotation keeps both versions
        if link is not None:
            self.store.journal(self.ctx.remote, self.ctx.project.id, "annotation", [a["id"]], uuid.uuid4().hex)
        body = _annotation_body(a, self.ctx)
        created = self.project.create_annotation(
            self.task_sid, body.pop("result"), import_id=self.ctx.tag.encode(a["id"]), **body
        )
        self.store.record_sync(
            self.ctx.remote,
            self.ctx.project.id,
            links=[("annotation", a["id"], int(created["id"]), fp)],
            done=[("annotation", a["id"])],
        )
        self.counts["annotations_created"] += 1
        return True

    def _server_copy(self, a: dict, link: Link) -> dict | None:
        """The server's annotation this local one is linked to, or None if it is gone."""
        anns = self.server_task().get("annotations") or []
        if link.server_id is not None:
            return next((s for s in anns if s.get("id") == link.server_id), None)
        wanted = self.ctx.tag.encode(a["id"])
        return next((s for s in anns if s.get("import_id") == wanted), None)

    def _keep_names(self, names: dict[str, str]) -> None:
        """Add notebook names to the task's ``meta.nblabel.annotators`` (read, merge, write)."""
        self._task = None
        meta = dict(self.server_task().get("meta") or {})
        nb = dict(meta.get("nblabel") or {})
        nb["annotators"] = {**(nb.get("annotators") or {}), **names}
        meta["nblabel"] = nb
        self.project.update_task(self.task_sid, meta=meta)

    def _forget_task(self, anns: list[dict]) -> None:
        key = anns[0]["task_id"]
        rows = self.store.annotations_of([key])
        preds = self.store.prediction_rows([key])
        self.store.record_sync(
            self.ctx.remote,
            self.ctx.project.id,
            unlink=[("task", key)] + [("annotation", r["id"]) for r in rows] + [("prediction", p["id"]) for p in preds],
            done=[("annotation", r["id"]) for r in rows],
        )


def _run_bounded(fn: Any, project: Project, items: list[tuple]) -> None:
    """Run ``fn(project, *item)`` for each item on up to WORKERS threads, each thread with its
    own client (a client is not thread safe); the first error stops the rest and is raised."""
    if len(items) <= 1:
        for item in items:
            fn(project, *item)
        return
    local = threading.local()
    clients: list[LabelStudio] = []
    lock = threading.Lock()

    def own_project() -> Project:
        if not hasattr(local, "project"):
            client = project.client.clone()
            with lock:
                clients.append(client)
            local.project = Project(client, project.data)
        return local.project

    try:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(items)), thread_name_prefix="nblabel-sync") as pool:
            futures = [pool.submit(lambda item=item: fn(own_project(), *item)) for item in items]  # type: ignore[misc]
            wait(futures, return_when=FIRST_EXCEPTION)
            for f in futures:
                f.cancel()
            for f in futures:
                if f.done() and not f.cancelled() and f.exception() is not None:
                    raise f.exception()  # type: ignore[misc]
    finally:
        for client in clients:
            client.close()


# ---- predictions of tasks already on the server


def _push_predictions(
    store: Store, ctx: _Context, changed: list[dict], size: int, progress: bool, counts: dict[str, int]
) -> None:
    if not changed:
        return
    new = [p for p in changed if p["link"] is None]
    edits = [p for p in changed if p["link"] is not None]
    with progress_reporter("push predictions", len(changed), enabled=progress) as bar:
        for a in range(0, len(new), size):
            batch = new[a : a + size]
            store.journal(ctx.remote, ctx.project.id, "prediction", [p["id"] for p in batch], uuid.uuid4().hex)
            body = [{"task": int(p["task_server_id"]), **_prediction_body(p)} for p in batch]
            counts["predictions_created"] += ctx.project.import_predictions(body, batch_size=len(body))
            store.record_sync(
                ctx.remote,
                ctx.project.id,
                links=[("prediction", p["id"], None, _pred_fp(p)) for p in batch],
                done=[("prediction", p["id"]) for p in batch],
            )
            bar.update(len(batch))
        for p in edits:
            _update_prediction(store, ctx, p)
            bar.update(1)


def _update_prediction(store: Store, ctx: _Context, p: dict) -> None:
    """PATCH a changed prediction: the server's copy is found by its model version."""
    server_id = p["link"].server_id
    if server_id is None:
        old = [
            s
            for s in ctx.project.task_predictions(int(p["task_server_id"]))
            if s.get("model_version") == p["model_version"]
        ]
        server_id = int(old[-1]["id"]) if old else None
    if server_id is None:
        ctx.project.import_predictions([{"task": int(p["task_server_id"]), **_prediction_body(p)}])
    else:
        ctx.project.update_prediction(server_id, **_prediction_body(p))
    store.record_sync(ctx.remote, ctx.project.id, links=[("prediction", p["id"], server_id, _pred_fp(p))])


# ---- the journal: batches whose answer never came


def _resolve_journal(store: Store, ctx: _Context) -> int:
    """Link what journaled batches created on the server; drop the rest (it is sent again).

    Reads every task of the project once, with whole predictions (only after an interrupted
    push). Returns how many journaled tasks were found on the server.
    """
    rows = store.pending(ctx.remote)
    if not rows:
        return 0
    task_keys = {r["local_id"] for r in rows if r["kind"] == "task"}
    ann_ids = {int(r["local_id"]) for r in rows if r["kind"] == "annotation"}
    pred_ids = {int(r["local_id"]) for r in rows if r["kind"] == "prediction"}
    links: list[tuple[str, object, int | None, str | None]] = []
    pending_anns = _PendingAnnotations(store, ctx, ann_ids)
    found = 0
    for task in _server_tasks(ctx.project, "auto", predictions=True):
        key = _own_key(task, ctx)
        if key is not None and key in task_keys and not store.links(ctx.remote, "task", [key]):
            links.append(("task", key, int(task["id"]), fingerprint(task.get("data"))))
            links += _inline_links(store, ctx, task, key)
            found += 1
        pending_anns(task)
        if pred_ids:
            links += _prediction_links(store, ctx, task, pred_ids)
    links += pending_anns.links()
    store.record_sync(ctx.remote, ctx.project.id, links=links, done=[(r["kind"], r["local_id"]) for r in rows])
    return found


def _own_key(task: dict, ctx: _Context) -> str | None:
    nb = (task.get("meta") or {}).get("nblabel")
    if isinstance(nb, dict) and nb.get("store") == ctx.store_id and isinstance(nb.get("key"), str):
        return nb["key"]
    return None


def _inline_links(
    store: Store, ctx: _Context, task: dict, key: str
) -> list[tuple[str, object, int | None, str | None]]:
    """Links for the annotations and predictions a journaled task carried in its import."""
    out: list[tuple[str, object, int | None, str | None]] = []
    for s in task.get("annotations") or []:
        local = ctx.tag.decode(s.get("import_id"))
        if local is not None:
            out.append(("annotation", local, int(s["id"]), _server_fp(s)))
    server_versions = {s.get("model_version") for s in task.get("predictions") or [] if isinstance(s, dict)}
    for p in store.prediction_rows([key]):
        if p["model_version"] in server_versions:
            out.append(("prediction", p["id"], None, _pred_fp(p)))
    return out


class _PendingAnnotations:
    """Journaled single annotations: which server annotation (same import_id) each one became.

    A local annotation re-sent because the server's copy had changed shares its import_id with
    that copy: the one already linked is not it; among the others the one with the local
    content wins, else the newest.
    """

    def __init__(self, store: Store, ctx: _Context, ids: set[int]) -> None:
        self.ctx = ctx
        self.old = {int(k): link.server_id for k, link in store.links(ctx.remote, "annotation", ids).items()}
        self.local_fp = {
            i: annotation_fingerprint(a["result"], a["was_cancelled"]) for i, a in store.annotations_by_id(ids).items()
        }
        self.best: dict[int, tuple[tuple[bool, int], int, str]] = {}

    def __call__(self, task: dict) -> None:
        for s in task.get("annotations") or []:
            local = self.ctx.tag.decode(s.get("import_id"))
            if local is None or local not in self.local_fp or self.old.get(local) == s.get("id"):
                continue
            fp = _server_fp(s)
            rank = (fp == self.local_fp[local], int(s["id"]))
            if local not in self.best or rank > self.best[local][0]:
                self.best[local] = (rank, int(s["id"]), fp)

    def links(self) -> list[tuple[str, object, int | None, str | None]]:
        return [("annotation", local, sid, fp) for local, (_, sid, fp) in self.best.items()]


def _prediction_links(
    store: Store, ctx: _Context, task: dict, pred_ids: set[int]
) -> list[tuple[str, object, int | None, str | None]]:
    link = store.links_by_server_id(ctx.remote, "task", [int(task["id"])]).get(int(task["id"]))
    if link is None:
        return []
    server = {
        _pred_fp({"result": s.get("result"), "score": s.get("score"), "model_version": s.get("model_version")})
        for s in task.get("predictions") or []
        if isinstance(s, dict)
    }
    return [
        ("prediction", p["id"], None, _pred_fp(p))
        for p in store.prediction_rows([link.local_id])
        if p["id"] in pred_ids and _pred_fp(p) in server
    ]


# --------------------------------------------------------------------------- pull


def pull(
    store: Store,
    spec: ConfigSpec,
    project: Project,
    *,
    progress: bool = True,
    method: str = "auto",
    incremental: bool = True,
) -> PullReport:
    """Bring every annotation of ``project`` into the store, with its author.

    ``method``: ``"snapshot"`` (an export snapshot the server writes, then streamed and deleted),
    ``"export"`` (the project's JSON export, streamed), ``"pages"`` (the task list, page by page)
    or ``"auto"``: from ``SNAPSHOT_FROM`` (100) tasks the snapshot, which costs the server least
    (25-30% less than the export, about 4x less than pages for 10,000 tasks;
    docs/label-studio.md), below that the export (one request instead of three), falling back to
    the other one and then to pages where a server lacks them. Every task is read, so tasks made
    in Label Studio are kept as snapshots (``ls-<id>``) even before anyone labels them. Memory
    stays bounded: tasks are handled ``PULL_CHUNK`` at a time, each chunk in one store
    transaction. Never overwrites a local change: see the module docstring. Results that do not
    fit ``spec`` are stored as they are, with a warning.

    Predictions come too where the read carries them whole: with ``"auto"``, a project with
    predictions is read as a snapshot with whole predictions (or pages); new server predictions
    are stored, a server change replaces a local copy that did not change since the last sync.

    **Incremental** (``incremental=True``, ``method="auto"``): after one complete pull the store
    remembers the latest task change time it saw (the server's clock); the next pull lists only
    tasks changed since then (a Data Manager filter on ``updated_at``; the mark is kept
    ``PULL_OVERLAP`` seconds before the server's clock at the start of the read, so a change
    committed late is read next time), so it costs O(changes). A task's
    ``updated_at`` moves with every annotation created, edited or deleted and every prediction
    added one at a time; bulk-imported predictions do not move it, so a change in the project's
    prediction count makes the pull a full read. A server that refuses the filter gets a full read.
    """
    if method not in PULL_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, PULL_METHODS))}, not {method!r}")
    t0 = time.monotonic()
    ctx = _connect(store, project)
    merger = _Merger(store, ctx, spec)
    total = project.data.get("task_number")
    n_predictions = project.data.get("total_predictions_number")
    state = store.sync_state(ctx.remote)
    since = state.get("updated_at") if incremental and method == "auto" else None
    changes = since is not None
    started = _server_now(project) if incremental else None
    latest = _Latest(since, state.get("prediction_id"))
    full_predictions = method == "auto" and bool(n_predictions)

    def read(tasks: Iterable[dict], bar: Reporter) -> None:
        for chunk in _chunked(latest.track(tasks), PULL_CHUNK):
            merger.apply(chunk)
            bar.update(len(chunk))

    with progress_reporter(
        "pull", None if changes else (total if isinstance(total, int) else None), enabled=progress
    ) as bar:
        if changes:
            read(
                _changed_tasks(project, since, latest, lambda: _server_tasks(project, method, bar, predictions=True)),
                bar,
            )
            # Bulk-imported predictions leave updated_at alone: every prediction the project
            # gained must be one this read saw, else read everything once.
            if not latest.fell_back and n_predictions != (state.get("predictions") or 0) + latest.new_predictions:
                latest.fell_back = True
                read(_server_tasks(project, method, bar, predictions=full_predictions), bar)
        else:
            read(_server_tasks(project, method, bar, predictions=full_predictions), bar)
    merger.warn_misfits()
    if latest.value is not None:
        store.set_sync_state(
            ctx.remote,
            {
                "updated_at": _read_back(latest.value, started),
                "predictions": n_predictions,
                "prediction_id": latest.prediction_id,
            },
        )
    c = merger.counts
    return PullReport(
        tasks_seen=c["tasks"],
        annotations_new=c["new"],
        annotations_updated=c["updated"],
        conflicts=c["conflicts"],
        seconds=round(time.monotonic() - t0, 3),
        predictions=c["predictions"],
        incremental=changes and not latest.fell_back,
    )


class _Latest:
    """What a pull read up to: the latest task ``updated_at`` (store form: UTC, microseconds)
    and the highest prediction id, with the count of predictions above the previous highest."""

    def __init__(self, start: str | None, prediction_id: int | None) -> None:
        self.value = start
        self.fell_back = False
        self.known = prediction_id if isinstance(prediction_id, int) else 0
        self.prediction_id = self.known
        self.seen: set[int] = set()

    @property
    def new_predictions(self) -> int:
        return len(self.seen)

    def track(self, tasks: Iterable[dict]) -> Iterator[dict]:
        for t in tasks:
            stamp = _utc(t.get("updated_at"))
            if stamp is not None and (self.value is None or stamp > self.value):
                self.value = stamp
            for p in t.get("predictions") or []:
                pid = p.get("id") if isinstance(p, dict) else p
                if isinstance(pid, int):
                    self.prediction_id = max(self.prediction_id, pid)
                    if pid > self.known:
                        self.seen.add(pid)
            yield t


def _server_now(project: Project) -> _dt.datetime | None:
    """The server's clock (its ``Date`` header, whole seconds) before a pull reads, or None."""
    try:
        date = project.client.request("GET", "/api/version", auth=False).headers.get("Date")
        return email.utils.parsedate_to_datetime(date).astimezone(_dt.timezone.utc) if date else None
    except (LabelStudioError, TypeError, ValueError):
        return None


def _read_back(latest: str, started: _dt.datetime | None) -> str:
    """Where the next incremental pull starts reading: after the latest change seen, but no
    later than ``PULL_OVERLAP`` seconds before this read began (server clock), so a change whose
    transaction was still open while this pull read is read next time. Without the server's
    clock: ``PULL_OVERLAP`` before the latest change."""
    seen = _dt.datetime.fromisoformat(latest)
    if started is None:
        bound = seen - _dt.timedelta(seconds=PULL_OVERLAP)
    else:
        bound = min(seen, started - _dt.timedelta(seconds=PULL_OVERLAP + 1))  # Date has whole seconds
    return bound.astimezone(_dt.timezone.utc).isoformat(timespec="microseconds")


def _changed_tasks(project: Project, since: str, latest: _Latest, full: Any) -> Iterator[dict]:
    """Tasks changed after ``since``, whole predictions included; the full read ``full()``
    where the server refuses the filter."""
    stamp = _dt.datetime.fromisoformat(since).astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    pages = project.iter_tasks(fields="all", query=updated_since(stamp), page_size=CHANGES_PAGE)
    try:
        first = next(pages, None)
    except ValidationError:
        latest.fell_back = True
        yield from full()
        return
    if first is not None:
        yield first
        yield from pages


def _server_tasks(
    project: Project, method: str, bar: Reporter | None = None, *, predictions: bool = False
) -> Iterator[dict]:
    """The project's tasks as the chosen endpoint streams them. ``"auto"`` tries the snapshot and
    the export, the faster for the project's size first, then pages (older servers lack the first
    two). ``predictions=True`` wants whole predictions, which the export lacks: a snapshot where
    it pays, else pages."""
    if predictions:
        order: tuple[str, ...] = ("snapshot",) if _snapshot_pays(project) else ()
    elif method == "auto":
        order = ("snapshot", "export") if _snapshot_pays(project) else ("export", "snapshot")
    else:
        order = () if method == "pages" else (method,)
    for m in order:
        # The server builds the whole answer before its first byte: say so while it works.
        if bar is not None:
            bar.wait_for(f"Label Studio to build the {'export snapshot' if m == 'snapshot' else 'export'}")
        try:
            stream = (
                project.snapshot(predictions=predictions)
                if m == "snapshot"
                else project.export("JSON", download_all_tasks=True)
            )
        except NotFound:
            if method != "auto":
                raise
            continue
        finally:
            if bar is not None:
                bar.wait_for(None)
        with stream:
            yield from stream
        return
    yield from project.iter_tasks(fields="all")


def _snapshot_pays(project: Project) -> bool:
    """Whether the project is big enough (or of unknown size) for a snapshot's three requests to
    beat one export or listing request (``SNAPSHOT_FROM``)."""
    size = project.data.get("task_number")
    return not isinstance(size, int) or size >= SNAPSHOT_FROM


def _chunked(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _utc(stamp: object) -> str | None:
    """Server times (``...Z``) in the store's ISO form (``...+00:00``)."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        parsed = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.astimezone(_dt.timezone.utc).isoformat(timespec="microseconds")


class _Merger:
    """Merges chunks of server tasks into the store (one transaction per chunk)."""

    def __init__(self, store: Store, ctx: _Context, spec: ConfigSpec) -> None:
        self.store, self.ctx, self.spec = store, ctx, spec
        self.counts: dict[str, int] = defaultdict(int)
        pending = store.pending(ctx.remote)
        # Items of an unfinished push are left to the next push, which knows what it sent.
        self.pending_tasks = {r["local_id"] for r in pending if r["kind"] == "task"}
        self.pending_anns = {int(r["local_id"]) for r in pending if r["kind"] == "annotation"}
        self.misfits = 0
        self.bad_spans: list[str] = []  # pulled spans whose offsets do not fit their task's text
        self._data: dict[str, dict] = {}

    def apply(self, tasks: list[dict]) -> None:
        self.counts["tasks"] += len(tasks)
        plan = _Plan()
        keys = self._task_keys(tasks, plan)
        self._data = {keys[int(t["id"])]: t.get("data") or {} for t in tasks if int(t["id"]) in keys}
        pairs = [
            (keys[int(t["id"])], t, s)
            for t in tasks
            if int(t["id"]) in keys
            for s in t.get("annotations") or []
            if isinstance(s, dict) and "id" in s
        ]
        view = _LocalView(self.store, self.ctx, pairs, self.pending_anns)
        for key, task, server in pairs:
            self._merge(key, task, server, view, plan)
        self._snapshot_missing(tasks, keys, plan)
        self._merge_predictions(tasks, keys, plan)
        self.store.record_sync(
            self.ctx.remote,
            self.ctx.project.id,
            links=plan.links,
            unlink=plan.unlink,
            tasks=plan.snapshots,
            annotations=plan.annotations,
            predictions=plan.predictions,
        )

    def _merge_predictions(self, tasks: list[dict], keys: dict[int, str], plan: "_Plan") -> None:
        """Whole server predictions of the chunk (reads that carry only ids are skipped): new
        ones are stored and linked, a server change is taken where the local copy is unchanged
        since the last sync, a local change is never overwritten (the next push sends it)."""
        found = [
            (keys[int(t["id"])], p)
            for t in tasks
            if int(t["id"]) in keys
            for p in t.get("predictions") or []
            if isinstance(p, dict) and isinstance(p.get("result"), list) and "id" in p
        ]
        if not found:
            return
        remote = self.ctx.remote
        by_sid = self.store.links_by_server_id(remote, "prediction", [int(p["id"]) for _, p in found])
        rows = self.store.prediction_rows({k for k, _ in found})
        by_id = {int(r["id"]): r for r in rows}
        by_version = {(r["task_id"], r["model_version"]): r for r in rows}
        local_links = self.store.links(remote, "prediction", list(by_id))
        for key, p in found:
            sid, version = int(p["id"]), str(p.get("model_version") or "undefined")
            fp = prediction_fingerprint(p["result"], p.get("score"), version)
            link = by_sid.get(sid)
            local = by_id.get(int(link.local_id)) if link is not None else by_version.get((key, version))
            if link is None and local is not None:
                link = local_links.get(str(local["id"]))
            if local is None:
                if link is None:  # new on the server (a model backend's pre-label)
                    plan.predictions.append((key, p["result"], p.get("score"), version, sid, fp))
                    self.counts["predictions"] += 1
                continue
            mine = _pred_fp(local)
            if mine == fp:
                if link is None or link.server_id != sid or link.fingerprint != fp:
                    plan.links.append(("prediction", local["id"], sid, fp))
            elif link is not None and link.fingerprint == mine and link.fingerprint != fp:
                plan.predictions.append((key, p["result"], p.get("score"), version, sid, fp))  # changed there only
                self.counts["predictions"] += 1

    def _task_keys(self, tasks: list[dict], plan: "_Plan") -> dict[int, str]:
        """Local keys of the chunk's tasks; new links for tasks seen the first time."""
        sids = [int(t["id"]) for t in tasks]
        linked = {
            sid: link.local_id for sid, link in self.store.links_by_server_id(self.ctx.remote, "task", sids).items()
        }
        own = {int(t["id"]): _own_key(t, self.ctx) for t in tasks if int(t["id"]) not in linked}
        taken = set(self.store.links(self.ctx.remote, "task", [k for k in own.values() if k is not None]))
        keys = dict(linked)
        for t in tasks:
            sid = int(t["id"])
            if sid in keys:
                continue
            key = own.get(sid)
            if key is not None and key in self.pending_tasks:
                continue  # an import whose answer was lost: the next push links it with its children
            if key is None or key in taken:
                key = f"ls-{sid}"  # made in Label Studio (or by another store): a task of its own
                plan.snapshots.append((key, t.get("data") or {}, t.get("meta")))
            plan.links.append(("task", key, sid, fingerprint(t.get("data"))))
            keys[sid] = key
            taken.add(key)
        return keys

    def _snapshot_missing(self, tasks: list[dict], keys: dict[int, str], plan: "_Plan") -> None:
        """This store's tasks that get annotations from the server but have no local snapshot
        (labeled only in Label Studio, never in this store): keep the ``data`` the pull received
        with them, so the labels come with their task (no extra request)."""
        wanted = {a["task_id"] for a in plan.annotations} - {k for k, _, _ in plan.snapshots}
        if not wanted:
            return
        missing = wanted - self.store.task_keys_with_snapshot(wanted)
        for t in tasks:
            key = keys.get(int(t["id"]))
            if key is not None and key in missing and isinstance(t.get("data"), dict):
                plan.snapshots.append((key, t["data"], None))
                missing.discard(key)

    def _merge(self, key: str, task: dict, s: dict, view: "_LocalView", plan: "_Plan") -> None:
        sid = int(s["id"])
        fp = _server_fp(s)
        link = view.link_of_server(sid)
        local, base = None, None
        if link is not None:
            local, base = view.row(int(link.local_id)), link.fingerprint
            if local is None and fp == base:
                return  # cleared in the notebook, unchanged on the server: the clear stands
            if local is None:
                plan.unlink.append(("annotation", link.local_id))  # cleared here, changed there: keep it
        elif (x := view.own_candidate(s, key)) is not None:
            local, base = view.row(x), view.base_of(x)
        if local is not None:
            self._merge_linked(local, base, s, fp, view, plan)
        else:
            self._merge_new(key, task, s, fp, view, plan)

    def _merge_linked(self, local: dict, base: str | None, s: dict, fp: str, view: "_LocalView", plan: "_Plan") -> None:
        sid = int(s["id"])
        mine = annotation_fingerprint(local["result"], local["was_cancelled"])
        view.claim(local["id"], sid)
        if fp == base or fp == mine:
            plan.links.append(("annotation", local["id"], sid, fp))  # same on both sides (maybe the id is new)
        elif base is not None and mine == base:
            plan.annotations.append(self._pulled(s, local["task_id"], local["annotator"], local["id"], sid, fp))
            self.counts["updated"] += 1
        else:  # changed on both sides: keep the server's next to the local one, which goes again as new
            plan.unlink.append(("annotation", local["id"]))
            self._keep_apart(local["task_id"], local["annotator"], s, fp, view, plan)
            self.counts["conflicts"] += 1

    def _merge_new(self, key: str, task: dict, s: dict, fp: str, view: "_LocalView", plan: "_Plan") -> None:
        who = self._identity(task, s)
        existing = view.by_name(key, who)
        if existing is None:
            plan.annotations.append(self._pulled(s, key, who, None, int(s["id"]), fp))
            view.reserve(key, who, int(s["id"]))
            self.counts["new"] += 1
        elif view.unsynced(existing) and annotation_fingerprint(existing["result"], existing["was_cancelled"]) == fp:
            plan.links.append(("annotation", existing["id"], int(s["id"]), fp))  # the same label, made twice
            view.claim(existing["id"], int(s["id"]))
        else:
            if view.unsynced(existing):
                self.counts["conflicts"] += 1  # labeled here and there by the same person
            else:
                self.counts["new"] += 1  # a second annotation of the same author on the server
            self._keep_apart(key, who, s, fp, view, plan)

    def _keep_apart(self, key: str, who: str, s: dict, fp: str, view: "_LocalView", plan: "_Plan") -> None:
        name = f"{who} (ls#{s['id']})"
        plan.annotations.append(self._pulled(s, key, name, None, int(s["id"]), fp))
        view.reserve(key, name, int(s["id"]))

    def _identity(self, task: dict, s: dict) -> str:
        """The notebook name the annotation was pushed under, else its author's email."""
        names = ((task.get("meta") or {}).get("nblabel") or {}).get("annotators") or {}
        name = names.get(str(s.get("import_id"))) if isinstance(names, dict) else None
        return name if isinstance(name, str) and name else self.ctx.author(s.get("completed_by"))

    def _pulled(self, s: dict, key: str, who: str, row_id: int | None, sid: int, fp: str) -> dict:
        result = s.get("result") or []
        try:
            validate_result(self.spec, result)
        except ResultError:
            self.misfits += 1
        try:
            check_result_spans(self.spec, result, self._data.get(key) or {}, task_id=key)
        except SpanError as exc:
            self.bad_spans.append(str(exc))
        return {
            "id": row_id,
            "task_id": key,
            "annotator": who,
            "result": result,
            "was_cancelled": bool(s.get("was_cancelled")),
            "lead_time": s.get("lead_time"),
            "created_at": _utc(s.get("created_at")),
            "updated_at": _utc(s.get("updated_at")),
            "link": (sid, fp),
        }

    def warn_misfits(self) -> None:
        if self.misfits:
            warnings.warn(
                f"{self.misfits} pulled annotations have results that do not fit the labeler's config "
                "(the project's config differs?); they are stored as they are.",
                SyncWarning,
                stacklevel=3,
            )
        if self.bad_spans:
            warnings.warn(
                f"{len(self.bad_spans)} pulled annotations have text spans whose offsets do not fit the task's "
                f"text (stored as they are, so nothing is lost; fix them in Label Studio): {self.bad_spans[0]}",
                SyncWarning,
                stacklevel=3,
            )


@dataclass
class _Plan:
    """What one pulled chunk writes, in one transaction."""

    links: list[tuple[str, object, int | None, str | None]] = field(default_factory=list)
    unlink: list[tuple[str, object]] = field(default_factory=list)
    snapshots: list[tuple[str, dict, dict | None]] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    predictions: list[tuple[str, list, float | None, str, int, str]] = field(default_factory=list)


class _LocalView:
    """The local side of one pulled chunk, read in a few queries: links and rows involved."""

    def __init__(self, store: Store, ctx: _Context, pairs: list[tuple[str, dict, dict]], pending: set[int]) -> None:
        self.ctx, self.pending = ctx, pending
        server_ids = [int(s["id"]) for _, _, s in pairs]
        self.by_server = store.links_by_server_id(ctx.remote, "annotation", server_ids)
        candidates = {ctx.tag.decode(s.get("import_id")) for _, _, s in pairs} - {None}
        ids: set[int] = {int(link.local_id) for link in self.by_server.values()}
        ids |= {c for c in candidates if c is not None}
        self.rows = store.annotations_by_id(ids)
        by_key = store.annotations_of({k for k, _, _ in pairs})
        self.rows.update({a["id"]: a for a in by_key})
        self.names = {(a["task_id"], a["annotator"]): a for a in by_key}
        self.links = store.links(ctx.remote, "annotation", list(self.rows))
        self.claimed: dict[int, int] = {}  # local id -> server id linked in this chunk
        self.reserved: set[tuple[str, str]] = set()

    def link_of_server(self, sid: int) -> Link | None:
        return self.by_server.get(sid)

    def row(self, local_id: int) -> dict | None:
        return self.rows.get(local_id)

    def base_of(self, local_id: int) -> str | None:
        link = self.links.get(str(local_id))
        return link.fingerprint if link is not None else None

    def own_candidate(self, s: dict, key: str) -> int | None:
        """The local annotation a server one was pushed from (by import_id), if it is not linked elsewhere."""
        x = self.ctx.tag.decode(s.get("import_id"))
        if x is None or x in self.pending or x in self.claimed:
            return None
        row, link = self.rows.get(x), self.links.get(str(x))
        if row is None or row["task_id"] != key or (link is not None and link.server_id is not None):
            return None
        return x

    def by_name(self, key: str, who: str) -> dict | None:
        if (key, who) in self.reserved:
            return {"id": None, "reserved": True}
        return self.names.get((key, who))

    def unsynced(self, row: dict) -> bool:
        """A local annotation never sent anywhere (and not taken by another server annotation)."""
        if row.get("reserved") or row["id"] in self.claimed:
            return False
        return str(row["id"]) not in self.links

    def claim(self, local_id: int, sid: int) -> None:
        self.claimed[local_id] = sid

    def reserve(self, key: str, who: str, sid: int) -> None:
        self.reserved.add((key, who))
