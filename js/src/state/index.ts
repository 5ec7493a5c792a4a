// The labeling state machine: the task cache by position and navigation (this file),
// undo/redo (./undo.ts), saves and the outbox (./saves.ts), labeled gaps (./gaps.ts) and
// annotation predicates (./annotations.ts). DOM-free and model-free: it talks to the kernel only
// through `io.send`, and is fed replies with `handleMessage`. Every public command
// mutates synchronously and notifies subscribers before it returns, so a view can
// show the next item in the same frame as the keypress. Nothing is sent from inside a
// command: outgoing messages wait in the outbox, which `flush` empties (in order) when
// `io.schedule` calls it, in the browser after the frame that shows the command's result.
import type {
  AckMsg,
  Annotation,
  ErrorMsg,
  HotkeyBinding,
  InMsg,
  OutMsg,
  PredictionsMsg,
  ResultItem,
  Settings,
  Spec,
  TaskEntry,
  TaskWindow,
  TasksMsg,
} from "../protocol";
import type { Scheduler } from "../outbox";
import { findOption, indexSpec, isSpec, type SpecIndex } from "../spec";
import { asBool, asNumber, cloneJson, editedOrigin, newId } from "../util";
import {
  choiceDefaults,
  choicesOf,
  hasValue,
  isLabeled,
  normalizeEntry,
  orderChoices,
  sameAnnotation,
  type DefaultValue,
} from "./annotations";
import { LabeledGaps } from "./gaps";
import { Outbox, SaveBook } from "./saves";
import { UndoHistory, type UndoDirection } from "./undo";
import { parseRegions, setPerRegionValue, addRelation, type Region, type RegionSet } from "../regions/model";
import { RegionUI } from "../regions/ui";

export { choicesOf, isDone, isLabeled, isSkipped, orderChoices } from "./annotations";

/** Still to do: not labeled and, in review mode, not reviewed yet. */
function isOpen(e: TaskEntry): boolean {
  return !isLabeled(e.annotation) && !(e.review && e.review.state !== "pending");
}

export type Filter = "all" | "unlabeled";
export type Status = "saved" | "saving" | "error" | "loading" | "disconnected";

/** What a view says once its kernel connection is gone (restart, dead kernel). */
export const KERNEL_GONE = "kernel restarted \u2014 re-run the cell; nothing after this point is saved";

export interface StateIO {
  send(msg: OutMsg): void;
  /** Milliseconds, monotonic is best. */
  now?(): number;
  /**
   * Runs the outbox flush soon after messages were queued (once per batch). The widget
   * passes `afterFrame` (after the next rendered frame); the default is a 0 ms timeout.
   */
  schedule?: Scheduler;
}

export interface HotkeyOutcome {
  /** The key mapped to a control that wants focus (Number, TextArea). */
  focus?: string;
  changed: boolean;
  advanced: boolean;
}

interface Inflight {
  req: number;
  type: "need" | "seek";
  from: number;
  to: number; // need: exclusive end; seek: from
  sentAt: number;
}

type Walk = { kind: "found"; pos: number } | { kind: "end" } | { kind: "unknown"; pos: number };

export const DEFAULT_PREFETCH = 50;
const INFLIGHT_TIMEOUT_MS = 15000;
const CACHE_MAX = 5000;
const MAX_MESSAGES = 5;

// ---- the state ------------------------------------------------------------------

export class LabelState {
  spec: Spec | null = null;
  index: SpecIndex = indexSpec(null);
  /** Bumped whenever the spec is replaced (views rebuild their tree). */
  specVersion = 0;
  settings: Settings = { auto_advance: true, prefetch: DEFAULT_PREFETCH, annotator: "" };
  total = 0;
  pos = 0;
  filter: Filter = "all";
  /** A transient hint for the toolbar ("End of the dataset"...). */
  notice = "";
  /** Banner messages (`error` messages and the `error` trait). */
  messages: string[] = [];
  /** Bumped on every notification. */
  version = 0;
  /** Set once the kernel connection is gone: the reason shown; no label is accepted after it. */
  disconnected = "";

  private io: StateIO;
  private cache = new Map<number, TaskEntry>();
  /** Sorted, disjoint [a, b) ranges known (from `seek` replies) to be labeled. */
  private gaps = new LabeledGaps();
  private unavailable = new Set<number>();
  private failedSeeks = new Set<number>();
  private inflight = new Map<number, Inflight>();
  private reqCounter = 0;
  private reqFloor = 0;
  private saves = new SaveBook();
  private history = new UndoHistory();
  private shownAt = new Map<number, number>();
  private resultIds = new Map<string, string>();
  /** A pending "next unlabeled" navigation waiting on the kernel. */
  private nav: { from: number; back?: boolean } | null = null;
  private baseDone = 0;
  private baseSkipped = 0;
  private traitError = "";
  private listeners = new Set<() => void>();
  private depth = 0;
  /** Positions changed in this command, saved once each when it ends (or before a move). */
  private queued = new Set<number>();
  /** Views' hooks that commit uncommitted input (TextArea drafts) of the current item. */
  private draftSources = new Set<() => void>();
  private defaults: DefaultValue[] = [];
  /** Entries that had (or were given) a result: the config's defaults no longer apply. */
  private touched = new WeakSet<TaskEntry>();
  private outbox: Outbox;
  /** The region layer's picks on the item on screen (selection, hidden, active labels...). */
  readonly regionUI = new RegionUI();
  private regionCache = new WeakMap<ResultItem[], RegionSet>();
  /** Something moved: decide what to request (`need`/`seek`) at the next flush. */
  private prefetchWanted = false;

  constructor(io: StateIO) {
    this.io = io;
    this.outbox = new Outbox(
      (msg) => this.io.send(msg),
      io.schedule,
      () => this.beforeFlush(),
      (failed) => this.mutate(() => failed.forEach(([m, e]) => this.sendFailed(m, e))),
    );
  }

  // ---- subscription ---------------------------------------------------------------

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private mutate<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) {
        try {
          this.queueSaves();
        } finally {
          this.version++;
          for (const l of [...this.listeners]) {
            try {
              l();
            } catch (e) {
              console.error("[nblabel] view update failed", e);
            }
          }
        }
      }
    }
  }

  /**
   * Register a view's hook that commits, through `setControlValue`, what it holds
   * uncommitted for the current item (TextArea drafts). It runs before every move away
   * from the item, before a skip and before a label key auto-advances, so typed text is
   * saved with the item instead of being dropped. Returns the unregister function.
   */
  addDraftSource(flush: () => void): () => void {
    this.draftSources.add(flush);
    return () => {
      this.draftSources.delete(flush);
    };
  }

  private flushDrafts(): void {
    if (this.nav || !this.cache.has(this.pos)) return;
    for (const f of [...this.draftSources]) {
      try {
        f();
      } catch (e) {
        console.error("[nblabel] committing typed text failed", e);
      }
    }
  }

  /** Before the current item goes off screen: commit drafts, queue its save now. */
  private leave(): void {
    this.flushDrafts();
    this.queueSaves();
  }

  private queueSaves(): void {
    if (!this.queued.size) return;
    const positions = [...this.queued];
    this.queued.clear();
    for (const p of positions) this.queueSave(p);
  }

  // ---- outbox ---------------------------------------------------------------------

  private post(build: () => OutMsg): void {
    this.outbox.post(build);
  }

  /** Messages queued and not sent yet. */
  unsentCount(): number {
    return this.outbox.size();
  }

  /**
   * Send everything queued, in order: first the requests that the moves since the last
   * flush call for (so they follow every save queued before them), then the outbox.
   * Called by the scheduler; also safe to call directly (teardown, page hidden, tests).
   */
  flush(): void {
    this.outbox.flush();
  }

  private beforeFlush(): void {
    if (!this.prefetchWanted) return;
    this.prefetchWanted = false;
    try {
      this.prefetch();
    } catch (e) {
      console.error("[nblabel] prefetch failed", e);
    }
  }

  /** A message that never left: its save is an error (retry re-sends it), a request can be made again. */
  private sendFailed(msg: OutMsg, err: unknown): void {
    if (!this.disconnected) {
      this.disconnected = KERNEL_GONE; // a message that cannot leave: the comm is gone
      this.nav = null;
    }
    if (msg.type === "save") {
      this.onError({ type: "error", seq: msg.seq, message: `could not send the save: ${String(err)}` });
    } else if (msg.type === "need" || msg.type === "seek") {
      this.inflight.delete(msg.req);
    } // a retrain request that never left: the banner already says the kernel is gone
  }

  /** Decide the next `need`/`seek` at the next flush (after the frame), not in the command. */
  private wantPrefetch(): void {
    this.prefetchWanted = true;
    this.outbox.wake();
  }

  private now(): number {
    if (this.io.now) return this.io.now();
    const perf = (globalThis as { performance?: { now(): number } }).performance;
    return perf ? perf.now() : Date.now();
  }

  // ---- traits (Python -> JS) ----------------------------------------------------

  /** Initial state from all traits at once (one prefetch, after the window is in). */
  load(t: {
    spec: unknown;
    settings: Partial<Settings> | null | undefined;
    total: unknown;
    done: unknown;
    skipped: unknown;
    error: unknown;
    window: TaskWindow | null | undefined;
    start: unknown;
  }): void {
    this.mutate(() => {
      // total stays 0 until the window is in, so nothing is prefetched half-initialized
      this.total = 0;
      this.setSpec(t.spec);
      this.setSettings(t.settings);
      this.setCounts(t.done, t.skipped);
      this.setErrorTrait(t.error);
      const total = asNumber(t.total);
      this.total = total && total > 0 ? Math.floor(total) : 0;
      this.seedWindow(t.window, t.start);
    });
  }

  setSpec(spec: unknown): void {
    this.mutate(() => {
      this.spec = isSpec(spec) ? spec : null;
      this.index = indexSpec(this.spec);
      this.defaults = choiceDefaults(this.index);
      this.specVersion++;
    });
  }

  setSettings(s: Partial<Settings> | null | undefined): void {
    this.mutate(() => {
      const prefetch = asNumber(s?.prefetch);
      this.settings = {
        auto_advance: s?.auto_advance === undefined ? true : !!s.auto_advance,
        prefetch: prefetch && prefetch > 0 ? Math.floor(prefetch) : DEFAULT_PREFETCH,
        annotator: typeof s?.annotator === "string" ? s.annotator : "",
        ...(typeof s?.accept_key === "string" && s.accept_key ? { accept_key: s.accept_key } : {}),
        ...(s?.mode === "review" ? { mode: "review", review_key: typeof s.review_key === "string" && s.review_key ? s.review_key : "a" } : {}),
        ...(typeof s?.retrain_key === "string" && s.retrain_key ? { retrain_key: s.retrain_key } : {}),
        retrain: s?.retrain === true,
      };
      this.wantPrefetch();
    });
  }

  setTotal(total: unknown): void {
    this.mutate(() => {
      const t = asNumber(total);
      this.total = t && t > 0 ? Math.floor(t) : 0;
      this.unavailable.clear();
      this.failedSeeks.clear();
      if (this.pos >= this.total) this.pos = Math.max(0, this.total - 1);
      this.wantPrefetch();
    });
  }

  /** The `done`/`skipped` traits; ignored while saves are unacked (acks carry them). */
  setCounts(done: unknown, skipped: unknown): void {
    this.mutate(() => {
      if (this.saves.pendingCount() > 0) return;
      const d = asNumber(done);
      const s = asNumber(skipped);
      if (d !== undefined) this.baseDone = d;
      if (s !== undefined) this.baseSkipped = s;
    });
  }

  setErrorTrait(err: unknown): void {
    this.mutate(() => {
      this.traitError = typeof err === "string" ? err : "";
    });
  }

  /**
   * (Re)seed the cache from the `window` trait. Entries with unsaved local changes are
   * kept. The current position is kept if it still holds the same task, else `start`.
   */
  seedWindow(win: TaskWindow | null | undefined, start: unknown): void {
    this.mutate(() => {
      this.leave(); // typed text belongs to the entry on screen, which may be replaced
      const old = this.cache.get(this.pos);
      const next = new Map<number, TaskEntry>();
      for (const t of win && Array.isArray(win.tasks) ? win.tasks : []) {
        if (t && typeof t.pos === "number") next.set(t.pos, this.ingest(t));
      }
      for (const p of this.dirtyPositions()) {
        const e = this.cache.get(p);
        if (e) next.set(p, e);
      }
      this.cache = next;
      this.gaps.clear();
      this.unavailable.clear();
      this.failedSeeks.clear();
      this.inflight.clear();
      this.reqFloor = this.reqCounter;
      this.nav = null;
      this.notice = "";
      const here = next.get(this.pos);
      // Same task on screen (a re-rank): keep its entry, so the view does not re-render it.
      if (old && here && here.id === old.id && sameAnnotation(old.annotation, here.annotation)) {
        if (here.predictions?.length) old.predictions = here.predictions;
        next.set(this.pos, old);
      }
      if (!(old && here && here.id === old.id)) {
        const s = asNumber(start) ?? 0;
        this.pos = this.clamp(Math.floor(s));
        if (this.total > 0 && s >= this.total) this.notice = "All items are labeled";
      }
      this.land(this.pos);
    });
  }

  // ---- queries --------------------------------------------------------------------

  /** The entry on screen, or undefined while loading. */
  current(): TaskEntry | undefined {
    if (this.nav) return undefined;
    return this.cache.get(this.pos);
  }

  entry(pos: number): TaskEntry | undefined {
    return this.cache.get(pos);
  }

  isCached(pos: number): boolean {
    return this.cache.has(pos);
  }

  status(): Status {
    if (this.disconnected) return "disconnected";
    if (this.total > 0 && !this.current()) return "loading";
    if (this.saves.errorCount() > 0) return "error";
    if (this.saves.pendingCount() > 0) return "saving";
    return "saved";
  }

  /** Optimistic `done`: last acked value adjusted by unacked saves. */
  doneCount(): number {
    return Math.max(0, this.baseDone + this.saves.countDelta((p) => this.cache.get(p)?.annotation).done);
  }

  skippedCount(): number {
    return Math.max(0, this.baseSkipped + this.saves.countDelta((p) => this.cache.get(p)?.annotation).skipped);
  }

  lastSeq(): number {
    return this.saves.lastSeq();
  }

  lastAck(): number {
    return this.saves.lastAck();
  }

  pendingCount(): number {
    return this.saves.pendingCount();
  }

  errorCount(): number {
    return this.saves.errorCount();
  }

  /** Per-item save state for the current item. */
  itemState(pos: number): "saved" | "saving" | "error" {
    return this.saves.itemState(pos);
  }

  canUndo(): boolean {
    return this.history.canUndo();
  }

  canRedo(): boolean {
    return this.history.canRedo();
  }

  bannerMessages(): string[] {
    const out = [...this.messages];
    if (this.traitError && !out.includes(this.traitError)) out.unshift(this.traitError);
    if (this.disconnected) out.unshift(this.disconnected);
    return out;
  }

  /**
   * The kernel connection is gone (the kernel restarted or died): say so, and refuse every
   * change from now on, so no label is shown as if it could still be saved. Saves that were
   * sent and not acked stay "saving" (never "saved"); later ones are not made at all.
   */
  disconnect(reason: string = KERNEL_GONE): void {
    this.mutate(() => {
      if (this.disconnected) return;
      this.disconnected = reason;
      this.nav = null;
      this.notice = "";
    });
  }

  /** True (and the reason shown as the notice) when no change can be saved any more. */
  private refused(): boolean {
    if (!this.disconnected) return false;
    this.notice = "not saved: the kernel connection is gone";
    return true;
  }

  /**
   * The result a task shows: its annotation's, or for a task that never had one the
   * config's defaults (`<Choice selected="true">`). Defaults are saved only with the
   * first change the user makes to the task, never by just moving past it.
   */
  shownResult(pos = this.pos): ResultItem[] {
    const e = this.cache.get(pos);
    if (!e) return [];
    if (e.annotation) return e.annotation.result;
    if (!this.defaults.length || this.touched.has(e)) return [];
    return this.defaults.map((d) => {
      const info = this.index.controls.get(d.control);
      return {
        // an id is reserved (stableId) only once the user changes the task
        id: this.resultIds.get(`${pos}\u0000${d.control}`) ?? newId(),
        from_name: d.control,
        to_name: info?.toName ?? "",
        type: info?.type ?? "choices",
        value: JSON.parse(JSON.stringify(d.value)) as Record<string, unknown>,
        origin: "manual",
      };
    });
  }

  /** The result item of `control` on the current (or given) task, as shown. */
  resultFor(control: string, pos = this.pos): ResultItem | undefined {
    if (this.isPerRegion(control)) {
      const region = pos === this.pos ? this.selectedRegion() : undefined;
      return region ? region.extras.find((r) => r.from_name === control) : undefined;
    }
    return this.shownResult(pos).find((r) => r.from_name === control && !(r.id && this.regionSet(pos).byId.has(r.id)));
  }

  /** `perRegion="true"`: the control's value belongs to the selected region. */
  isPerRegion(control: string): boolean {
    return asBool(this.index.controls.get(control)?.attrs.perRegion);
  }

  // ---- regions ----------------------------------------------------------------------

  /** The regions and relations of a task's shown result (parsed once per result). */
  regionSet(pos = this.pos): RegionSet {
    const result = this.shownResult(pos);
    let set = this.regionCache.get(result);
    if (!set) {
      set = parseRegions(result);
      this.regionCache.set(result, set);
    }
    return set;
  }

  /** The selected region of the item on screen, if it still exists. */
  selectedRegion(): Region | undefined {
    const id = this.regionUI.selected;
    return id && this.current() ? this.regionSet().byId.get(id) : undefined;
  }

  /**
   * Select a region (null: none). Typed per-region text is committed to the region it was
   * typed for first. While a relation is being drawn, picking a region ends it there.
   */
  selectRegion(id: string | null): void {
    this.mutate(() => {
      if (id === this.regionUI.selected && !this.regionUI.relateFrom) return;
      this.flushDrafts();
      const from = this.regionUI.relateFrom;
      if (from && id && id !== from) {
        this.regionUI.relateFrom = null;
        this.notice = "";
        this.editResult((cur) => addRelation(cur, from, id));
        return;
      }
      this.regionUI.relateFrom = null;
      this.regionUI.selected = id;
    });
  }

  /** Run several commands as one: one notification (one re-render) at the end. */
  batch(fn: () => void): void {
    this.mutate(fn);
  }

  /** Change the region layer's picks (active label, hidden, keyboard selection) and re-render. */
  updateRegionUI(fn: (ui: RegionUI) => void): void {
    this.mutate(() => fn(this.regionUI));
  }

  /** Show a hint in the toolbar (maxUsages reached, pick a relation target...). */
  setNotice(text: string): void {
    this.mutate(() => {
      this.notice = text;
    });
  }

  /**
   * Replace the current item's result with `fn(result)` as one undoable change (a region
   * drawn, relabeled, deleted, a relation...). `fn` returning the same list changes nothing.
   */
  editResult(fn: (cur: ResultItem[]) => ResultItem[]): boolean {
    return this.mutate(() => {
      const e = this.current();
      if (!e) return false;
      const cur = this.shownResult(this.pos);
      const next = fn(cur);
      if (next === cur) return false;
      const fresh = !e.annotation && !this.touched.has(e);
      this.touched.add(e);
      const after: Annotation | null = next.length ? { result: next, was_cancelled: false } : null;
      return this.commit(this.pos, after, true, fresh);
    });
  }

  requiredFilled(pos = this.pos): boolean {
    for (const name of this.index.required) {
      if (this.isPerRegion(name)) continue; // checked per region, not per item
      if (!hasValue(this.resultFor(name, pos))) return false;
    }
    return true;
  }

  /** Requests in flight (for tests and debugging). */
  inflightCount(): number {
    return this.inflight.size;
  }

  // ---- navigation -----------------------------------------------------------------

  /** Next item; with the unlabeled filter on, the next unlabeled one (unless `all`). */
  next(all = false): void {
    this.mutate(() => {
      this.notice = "";
      if (this.filter === "unlabeled" && !all) {
        this.nav = null;
        this.resolveUnlabeled(this.pos + 1);
        return;
      }
      this.nav = null;
      if (this.pos + 1 < this.total) this.land(this.pos + 1);
      else this.notice = "End of the dataset";
    });
  }

  /** Previous item; with the unlabeled filter on, the previous unlabeled one (unless `all`). */
  prev(all = false): void {
    this.mutate(() => {
      this.notice = "";
      this.nav = null;
      if (this.filter === "unlabeled" && !all) {
        this.resolveUnlabeledBack(this.pos - 1);
        return;
      }
      if (this.pos > 0) this.land(this.pos - 1);
      else this.notice = "Start of the dataset";
    });
  }

  nextUnlabeled(): void {
    this.mutate(() => {
      this.notice = "";
      if (this.nav) return; // already looking
      this.resolveUnlabeled(this.pos + 1);
    });
  }

  goto(pos: number): void {
    this.mutate(() => {
      this.notice = "";
      this.nav = null;
      this.land(this.clamp(pos));
    });
  }

  toggleFilter(): void {
    this.mutate(() => {
      this.filter = this.filter === "all" ? "unlabeled" : "all";
      this.notice = "";
      this.wantPrefetch();
    });
  }

  /** Move on after labeling: next unlabeled when filtering, else next. */
  advance(): void {
    this.next();
  }

  private resolveUnlabeled(from: number): void {
    const w = this.walk(from);
    if (w.kind === "found") {
      this.nav = null;
      this.land(w.pos);
    } else if (w.kind === "end") {
      this.nav = null;
      this.notice = "No unlabeled items after this one";
    } else {
      this.leave(); // the item goes off screen while the kernel looks
      this.nav = { from: w.pos };
    }
    this.wantPrefetch();
  }

  private resolveUnlabeledBack(from: number): void {
    const w = this.walkBack(from);
    if (w.kind === "found") {
      this.land(w.pos);
    } else if (w.kind === "end") {
      this.notice = "No unlabeled items before this one";
    } else {
      this.leave();
      this.nav = { from: w.pos, back: true };
    }
    this.wantPrefetch();
  }

  /** Last unlabeled position <= from, through the cache and known-labeled gaps. */
  private walkBack(from: number): Walk {
    let q = Math.min(from, this.total - 1);
    while (q >= 0) {
      const e = this.cache.get(q);
      if (e) {
        if (isOpen(e)) return { kind: "found", pos: q };
        q--;
        continue;
      }
      const g = this.gaps.at(q);
      if (g) {
        q = g[0] - 1;
        continue;
      }
      if (this.unavailable.has(q)) {
        q--;
        continue;
      }
      return { kind: "unknown", pos: q };
    }
    return { kind: "end" };
  }

  private navWalk(nav: { from: number; back?: boolean }): Walk {
    return nav.back ? this.walkBack(nav.from) : this.walk(nav.from);
  }

  private land(pos: number): void {
    if (pos !== this.pos) {
      this.leave();
      this.regionUI.reset();
    }
    this.pos = pos;
    if (this.cache.has(pos) && !this.shownAt.has(pos)) this.shownAt.set(pos, this.now());
    this.wantPrefetch();
  }

  private clamp(pos: number): number {
    if (this.total <= 0) return 0;
    return Math.min(Math.max(0, pos), this.total - 1);
  }

  /** First unlabeled position >= from, through the cache and known-labeled gaps. */
  private walk(from: number): Walk {
    let q = Math.max(0, from);
    while (q < this.total) {
      const e = this.cache.get(q);
      if (e) {
        if (isOpen(e)) return { kind: "found", pos: q };
        q++;
        continue;
      }
      const g = this.gaps.at(q);
      if (g) {
        q = g[1];
        continue;
      }
      if (this.unavailable.has(q)) {
        q++;
        continue;
      }
      return { kind: "unknown", pos: q };
    }
    return { kind: "end" };
  }

  // ---- prefetch -----------------------------------------------------------------------

  private prefetch(): void {
    if (this.total <= 0) return;
    const now = this.now();
    for (const [req, f] of this.inflight) {
      if (now - f.sentAt > INFLIGHT_TIMEOUT_MS) this.inflight.delete(req);
    }
    const size = this.settings.prefetch;
    const half = Math.max(1, Math.floor(size / 2));
    const missing = (q: number) => !this.cache.has(q) && !this.unavailable.has(q);

    // The current position itself.
    if (!this.nav && missing(this.pos)) this.requestNeed(this.pos, this.pos + size, this.pos);

    // A pending "next/previous unlabeled" navigation (the kernel seeks forward only).
    if (this.nav) {
      const w = this.navWalk(this.nav);
      if (w.kind === "unknown") {
        if (this.nav.back) this.requestNeed(w.pos + 1 - size, w.pos + 1, w.pos);
        else this.requestSeek(w.pos);
      }
    }

    // Ahead, in the current mode.
    if (this.filter === "unlabeled") {
      // Keep `half` unlabeled items known ahead; the first unknown position gets a seek.
      let q = this.pos + 1;
      for (let count = 0; count < half; count++) {
        const w = this.walk(q);
        if (w.kind === "unknown") this.requestSeek(w.pos);
        if (w.kind !== "found") break;
        q = w.pos + 1;
      }
    } else {
      const end = Math.min(this.total - 1, this.pos + half);
      for (let q = this.pos; q <= end; q++) {
        if (missing(q)) {
          this.requestNeed(q, q + size, q);
          break;
        }
      }
    }

    // Behind (both modes: previous is always pos - 1).
    const lo = Math.max(0, this.pos - half);
    for (let q = this.pos - 1; q >= lo; q--) {
      if (missing(q)) {
        this.requestNeed(q + 1 - size, q + 1, q);
        break;
      }
    }
  }

  private requestNeed(from: number, to: number, cover: number): void {
    for (const f of this.inflight.values()) {
      if (f.type === "need" && f.from <= cover && cover < f.to) return;
    }
    const a = Math.max(0, from);
    const b = Math.min(this.total, to);
    if (!(b > a)) return;
    const req = ++this.reqCounter;
    this.inflight.set(req, { req, type: "need", from: a, to: b, sentAt: this.now() });
    this.post(() => ({ type: "need", req, from: a, to: b }));
  }

  private requestSeek(from: number): void {
    if (this.failedSeeks.has(from)) return;
    for (const f of this.inflight.values()) {
      if (f.type === "seek" && f.from === from) return;
      if (f.type === "need" && f.from <= from && from < f.to) return;
    }
    const req = ++this.reqCounter;
    const count = this.settings.prefetch;
    this.inflight.set(req, { req, type: "seek", from, to: from, sentAt: this.now() });
    this.post(() => ({ type: "seek", req, from, count }));
  }

  // ---- labeling ---------------------------------------------------------------------

  /**
   * Set (or with `null` clear) the value of one control on a task and save it.
   * Returns whether anything changed.
   */
  setControlValue(control: string, value: Record<string, unknown> | null, pos = this.pos): boolean {
    return this.mutate(() => {
      const e = this.cache.get(pos);
      const info = this.index.controls.get(control);
      if (!e || !info || (pos === this.pos && this.nav)) return false;
      if (this.refused()) return false;
      if (asBool(info.attrs.perRegion)) {
        const region = pos === this.pos ? this.selectedRegion() : undefined;
        if (!region) return false;
        return this.editResult((cur) => setPerRegionValue(cur, region, info, value));
      }
      const cur = this.shownResult(pos);
      const fresh = !e.annotation && !this.touched.has(e);
      this.touched.add(e);
      const idx = cur.findIndex((r) => r.from_name === control && !(r.id && this.regionSet(pos).byId.has(r.id)));
      let next: ResultItem[];
      if (value === null) {
        if (idx < 0) return false;
        next = cur.filter((_, i) => i !== idx);
      } else {
        const item: ResultItem = {
          id: this.stableId(pos, control, idx >= 0 ? cur[idx].id : undefined),
          from_name: control,
          to_name: info.toName,
          type: info.type,
          value,
          origin: editedOrigin(idx >= 0 ? cur[idx] : undefined),
        };
        next = idx >= 0 ? cur.map((r, i) => (i === idx ? item : r)) : [...cur, item];
      }
      const after: Annotation | null = next.length ? { result: next, was_cancelled: false } : null;
      return this.commit(pos, after, true, fresh);
    });
  }

  /**
   * Replace every result item of one control with `values`, in order (controls that keep
   * several items, e.g. Chat's one `chatmessage` per message). An entry with an `id` keeps it.
   */
  setControlItems(control: string, values: Array<{ id?: string; value: Record<string, unknown> }>, pos = this.pos): boolean {
    return this.mutate(() => {
      const e = this.cache.get(pos);
      const info = this.index.controls.get(control);
      if (!e || !info || (pos === this.pos && this.nav)) return false;
      const cur = this.shownResult(pos);
      const fresh = !e.annotation && !this.touched.has(e);
      this.touched.add(e);
      const items: ResultItem[] = values.map((v) => ({
        id: v.id ?? newId(),
        from_name: control,
        to_name: info.toName,
        type: info.type,
        value: v.value,
        origin: editedOrigin(v.id ? cur.find((r) => r.id === v.id && r.from_name === control) : undefined),
      }));
      const at = cur.findIndex((r) => r.from_name === control);
      const rest = cur.filter((r) => r.from_name !== control);
      const next = at < 0 ? [...rest, ...items] : [...rest.slice(0, at), ...items, ...rest.slice(at)];
      if (JSON.stringify(next) === JSON.stringify(cur)) return false;
      const after: Annotation | null = next.length ? { result: next, was_cancelled: false } : null;
      return this.commit(pos, after, true, fresh);
    });
  }

  /**
   * The retrain key/button: ask the kernel to retrain now with its last fit function (the
   * new predictions stream in as they come). Without one (`settings.retrain` false) only a
   * notice says what to call. Returns whether the request was sent.
   */
  requestRetrain(): boolean {
    return this.mutate(() => {
      if (!this.settings.retrain) {
        this.notice = "no fit function: call lab.retrain(fit_fn) in the notebook";
        return false;
      }
      if (this.disconnected) {
        this.notice = "cannot retrain: the kernel connection is gone";
        return false;
      }
      this.notice = "retraining in the kernel\u2026";
      this.post(() => ({ type: "retrain" }));
      return true;
    });
  }

  /** Ctrl+Space: save the current item as skipped (typed text kept) and move on. */
  skip(): void {
    this.mutate(() => {
      const e = this.current();
      if (!e || this.refused()) return;
      this.flushDrafts(); // one save: the text and was_cancelled together
      const after: Annotation = { result: e.annotation?.result ?? [], was_cancelled: true };
      this.commit(this.pos, after, true);
      this.advance();
    });
  }

  /** Apply a hotkey binding from `spec.hotkeys` to the current item. */
  applyHotkey(binding: HotkeyBinding): HotkeyOutcome {
    return this.mutate(() => {
      const out: HotkeyOutcome = { changed: false, advanced: false };
      if (binding.action === "filter") {
        out.focus = `filter:${binding.control}`; // <Filter hotkey>: focus that control's filter box
        return out;
      }
      const info = this.index.controls.get(binding.control);
      const e = this.current();
      if (!info || !e || this.refused()) return out;
      let settles = false;
      if (info.tag === "Choices") {
        const opt = findOption(info, binding.value);
        if (!opt) return out;
        const cur = choicesOf(this.resultFor(info.name));
        if (info.choice === "multiple") {
          const has = cur.includes(opt.result);
          const next = has ? cur.filter((v) => v !== opt.result) : orderChoices(info.options.map((o) => o.result), [...cur, opt.result]);
          out.changed = this.setControlValue(info.name, next.length ? { choices: next } : null);
        } else {
          settles = true;
          if (!(cur.length === 1 && cur[0] === opt.result)) {
            out.changed = this.setControlValue(info.name, { choices: [opt.result] });
          }
        }
      } else if (info.tag === "Rating") {
        const max = asNumber(info.attrs.maxRating) ?? 5;
        const n = asNumber(binding.value);
        const cur = asNumber(this.resultFor(info.name)?.value?.rating) ?? 0;
        if (n !== undefined) {
          settles = true;
          const v = Math.min(max, Math.max(0, Math.round(n)));
          if (v !== cur) out.changed = this.setControlValue(info.name, v > 0 ? { rating: v } : null);
        } else {
          // "increment": 1, 2, ... maxRating, then cleared
          const v = cur + 1 > max ? 0 : cur + 1;
          out.changed = this.setControlValue(info.name, v > 0 ? { rating: v } : null);
        }
      } else if (info.tag === "Number" && binding.value == null) {
        // "increment" by step from min (or 0); wraps to min after max
        const step = asNumber(info.attrs.step) ?? 1;
        const min = asNumber(info.attrs.min);
        const max = asNumber(info.attrs.max);
        const cur = asNumber(this.resultFor(info.name)?.value?.number);
        let v = cur === undefined ? (min ?? 0) : cur + (step > 0 ? step : 1);
        if (max !== undefined && v > max) v = min ?? 0;
        v = Math.round(v * 1e9) / 1e9;
        out.changed = this.setControlValue(info.name, { number: v });
      } else {
        out.focus = info.name;
        return out;
      }
      // A per-region value labels the selected region, not the item: never move on.
      if (this.isPerRegion(info.name)) settles = false;
      if (settles && this.settings.auto_advance) {
        // Typed text goes into the same save, and counts for `required`.
        this.flushDrafts();
        if (this.requiredFilled()) {
          this.advance();
          out.advanced = true;
        }
      }
      return out;
    });
  }

  undo(): void {
    this.step("undo");
  }

  redo(): void {
    this.step("redo");
  }

  /** Undo or redo one change: go to its item and restore the result from before (or after) it. */
  private step(dir: UndoDirection): void {
    this.mutate(() => {
      this.notice = "";
      if (this.refused()) return;
      const u = this.history.take(dir);
      if (!u) {
        this.notice = `Nothing to ${dir}`;
        return;
      }
      const e = this.cache.get(u.pos);
      if (!e || e.id !== u.taskId) {
        this.notice = `Cannot ${dir}: that item is no longer loaded`;
        return;
      }
      this.nav = null;
      this.land(u.pos);
      this.commit(u.pos, dir === "undo" ? u.before : u.after, false);
      if (dir === "redo") this.touched.add(e);
      else if (u.fresh) this.touched.delete(e);
      this.history.done(dir, u);
    });
  }

  /** Re-send the latest local state of every item whose save failed. */
  retryErrors(): void {
    this.mutate(() => {
      if (this.refused()) return;
      const positions = this.saves.takeErrors();
      for (const p of positions) if (this.cache.has(p)) this.queueSave(p);
      this.messages = [];
      this.traitError = "";
    });
  }

  dismissMessages(): void {
    this.mutate(() => {
      this.messages = [];
      this.traitError = "";
    });
  }

  private stableId(pos: number, control: string, existing?: string): string {
    const key = `${pos}\u0000${control}`;
    if (existing) {
      this.resultIds.set(key, existing);
      return existing;
    }
    let id = this.resultIds.get(key);
    if (!id) {
      id = newId();
      this.resultIds.set(key, id);
    }
    return id;
  }

  /** A task entry from the kernel; one that came with an annotation object never shows defaults. */
  private ingest(t: TaskEntry): TaskEntry {
    const e = normalizeEntry(t);
    if (t.annotation && typeof t.annotation === "object") this.touched.add(e);
    return e;
  }

  private commit(pos: number, after: Annotation | null, undoable: boolean, fresh = false): boolean {
    const e = this.cache.get(pos);
    if (!e) return false;
    const before = e.annotation;
    const norm = after && isLabeled(after) ? after : null;
    if (sameAnnotation(before, norm)) return false;
    this.saves.noteBefore(pos, before);
    e.annotation = norm;
    this.gaps.punch(pos);
    if (undoable) {
      this.history.record({ pos, taskId: e.id, before, after: norm, ...(fresh ? { fresh } : {}) });
    }
    this.queued.add(pos);
    return true;
  }

  /**
   * Number the save and count it pending now (`data-seq` moves at once); the message is
   * built when the outbox flushes. Annotations are replaced on change, never edited in
   * place, so `ann` is still this save's content then.
   */
  private queueSave(pos: number): void {
    const e = this.cache.get(pos);
    if (!e) return;
    const ann = e.annotation;
    const taskId = e.id;
    const shown = this.shownAt.get(pos);
    const lead = shown === undefined ? 0 : Math.max(0, this.now() - shown) / 1000;
    const seq = this.saves.open(pos, ann);
    this.post(() => ({
      type: "save",
      seq,
      pos,
      task_id: taskId,
      result: ann ? cloneJson(ann.result) : [],
      was_cancelled: ann ? ann.was_cancelled : false,
      lead_time: Math.round(lead * 1000) / 1000,
    }));
  }

  private dirtyPositions(): Set<number> {
    const out = this.saves.dirtyPositions();
    for (const p of this.queued) out.add(p);
    return out;
  }

  // ---- messages (Python -> JS) ----------------------------------------------------

  handleMessage(msg: InMsg | Record<string, unknown>): void {
    if (!msg || typeof msg !== "object") return;
    const m = msg as InMsg;
    this.mutate(() => {
      if (m.type === "ack") this.onAck(m);
      else if (m.type === "error") this.onError(m);
      else if (m.type === "tasks") this.onTasks(m);
      else if (m.type === "predictions") this.onPredictions(m);
    });
  }

  /** Predictions update cached entries in place: the item on screen stays where it is. */
  private onPredictions(m: PredictionsMsg): void {
    for (const t of Array.isArray(m.tasks) ? m.tasks : []) {
      const e = t && typeof t.pos === "number" ? this.cache.get(t.pos) : undefined;
      if (e && String(e.id) === String(t.id) && Array.isArray(t.predictions)) e.predictions = t.predictions;
    }
  }

  private onAck(m: AckMsg): void {
    const seq = asNumber(m.seq);
    if (seq === undefined) return;
    // Counts from an older ack arriving late would undo newer ones.
    const newest = this.saves.ack(seq);
    if (newest && typeof m.done === "number") this.baseDone = m.done;
    if (newest && typeof m.skipped === "number") this.baseSkipped = m.skipped;
  }

  private onError(m: ErrorMsg): void {
    const message = typeof m.message === "string" && m.message ? m.message : "save failed";
    this.messages.push(message);
    if (this.messages.length > MAX_MESSAGES) this.messages.splice(0, this.messages.length - MAX_MESSAGES);
    const seq = asNumber(m.seq);
    if (seq === undefined) return;
    this.saves.fail(seq, message);
  }

  private onTasks(m: TasksMsg): void {
    const req = asNumber(m.req) ?? 0;
    const f = this.inflight.get(req);
    this.inflight.delete(req);
    if (req <= this.reqFloor) return; // from before a re-seed
    const wasLoaded = this.cache.has(this.pos);
    const got = new Set<number>();
    for (const t of Array.isArray(m.tasks) ? m.tasks : []) {
      if (!t || typeof t.pos !== "number") continue;
      got.add(t.pos);
      if (!this.cache.has(t.pos)) this.cache.set(t.pos, this.ingest(t));
      this.unavailable.delete(t.pos);
    }
    const skip = m.skip;
    if (Array.isArray(skip) && skip.length === 2) {
      this.gaps.add(Number(skip[0]), Number(skip[1]));
      for (const p of got) if (this.gaps.at(p)) this.gaps.punch(p);
    }
    if (f && f.type === "need") {
      // Positions the kernel did not return do not exist (any more): stop asking.
      for (let q = f.from; q < f.to; q++) if (!got.has(q) && !this.cache.has(q)) this.unavailable.add(q);
    }
    if (f && f.type === "seek") {
      const w = this.walk(f.from);
      if (w.kind === "unknown" && w.pos === f.from) this.failedSeeks.add(f.from);
    }
    if (this.nav) {
      const back = !!this.nav.back;
      const w = this.navWalk(this.nav);
      if (w.kind === "found") {
        this.nav = null;
        this.land(w.pos);
      } else if (w.kind === "end") {
        this.nav = null;
        this.notice = back ? "No unlabeled items before this one" : "No unlabeled items after this one";
      } else if (!back && this.failedSeeks.has(w.pos)) {
        this.nav = null;
        this.notice = "Could not load the next unlabeled item";
      } else {
        this.nav = back ? { from: w.pos, back } : { from: w.pos };
      }
    }
    if (!wasLoaded && this.cache.has(this.pos) && !this.shownAt.has(this.pos)) {
      this.shownAt.set(this.pos, this.now());
    }
    if (!this.nav && !this.cache.has(this.pos) && this.unavailable.has(this.pos)) {
      this.notice = "This item is not available";
    }
    this.evict();
    this.wantPrefetch();
  }

  private evict(): void {
    if (this.cache.size <= CACHE_MAX) return;
    const keep = this.dirtyPositions();
    for (const p of this.history.positions()) keep.add(p);
    const window = this.settings.prefetch;
    const candidates: number[] = [];
    for (const p of this.cache.keys()) {
      if (!keep.has(p) && Math.abs(p - this.pos) > window) candidates.push(p);
    }
    candidates.sort((a, b) => Math.abs(b - this.pos) - Math.abs(a - this.pos));
    const target = Math.floor(CACHE_MAX * 0.8);
    for (const p of candidates) {
      if (this.cache.size <= target) break;
      this.cache.delete(p);
      this.gaps.punch(p);
    }
  }
}
