// Review mode (`Labeler(..., mode="review")`): every annotator's labels for the task on screen,
// side by side, and the reviewer's decision. Accept (key `settings.review_key`, or the button),
// reject with a comment (the text box), or fix with the usual label keys (a save, which the
// kernel stores as the consensus annotation). Decisions go out as `review` messages, answered by
// `ack`/`error` with `kind: "review"`; they never touch the save numbering.
// A typed comment is kept per task until the kernel has stored it: moving away, re-rendering
// the view or a refused decision never loses it.
import type { ResultItem, ReviewInfo, TaskEntry, TaskId } from "./protocol";
import type { LabelState } from "./state";
import { describe } from "./suggestion";
import { el, setDisabled, setHidden, setText } from "./tags/context";

export type ReviewDecision = "accept" | "reject" | "fix";

export interface ReviewMsg {
  type: "review";
  seq: number;
  task_id: TaskId;
  decision: ReviewDecision;
  comment: string | null;
  result: ResultItem[] | null;
}

interface ReviewReply {
  type?: string;
  kind?: string;
  seq?: number;
  task_id?: TaskId;
  done?: number;
  skipped?: number;
  review?: ReviewInfo;
  message?: string;
}

/** Per labeler state: the decisions in flight, the stored ones, the comment drafts. */
export class ReviewBook {
  private seq = 0;
  private inflight = new Map<number, { id: string; pos: number; comment: string | null }>();
  private stored = new Map<string, ReviewInfo>();
  private drafts = new Map<string, string>();
  private listeners = new Set<() => void>();
  /** The last refused decision's message ("" when none). */
  error = "";

  constructor(
    private readonly state: LabelState,
    private readonly send: (msg: ReviewMsg) => void,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  /** The task's review: what the kernel acked last, else what its entry came with. */
  reviewOf(entry: TaskEntry | undefined): ReviewInfo | null {
    if (!entry) return null;
    return this.stored.get(String(entry.id)) ?? entry.review ?? null;
  }

  draft(id: TaskId): string | undefined {
    return this.drafts.get(String(id));
  }

  setDraft(id: TaskId, text: string): void {
    this.drafts.set(String(id), text);
  }

  isPending(id: TaskId): boolean {
    for (const f of this.inflight.values()) if (f.id === String(id)) return true;
    return false;
  }

  /** Send a decision on the task on screen. A reject needs a comment (false when missing). */
  decide(decision: ReviewDecision, comment?: string | null): boolean {
    const entry = this.state.current();
    if (!entry) return false;
    const text = (comment ?? this.draft(entry.id) ?? "").trim();
    if (decision === "reject" && !text) {
      this.error = "say why in the comment box before rejecting";
      this.notify();
      return false;
    }
    if (this.state.disconnected) {
      this.error = `not sent: ${this.state.disconnected}`; // the draft stays for the re-run view
      this.notify();
      return false;
    }
    const seq = ++this.seq;
    this.inflight.set(seq, { id: String(entry.id), pos: entry.pos, comment: text || null });
    this.error = "";
    const result = decision === "fix" ? this.state.shownResult(entry.pos) : null;
    try {
      this.send({ type: "review", seq, task_id: entry.id, decision, comment: text || null, result });
    } catch (e) {
      this.inflight.delete(seq);
      this.error = `could not send the review: ${String(e)}`;
      this.notify();
      return false;
    }
    this.notify();
    if (this.state.settings.auto_advance) this.state.advance(); // the reply is matched by task id
    return true;
  }

  /** A reply from the kernel; true when it was a review reply (handled here). */
  handle(msg: unknown): boolean {
    const m = msg as ReviewReply | null;
    if (!m || typeof m !== "object") return false;
    if (m.kind !== "review") {
      // a fix by label keys is a save: its ack (handled by the state) carries the new review
      if (m.type === "ack" && m.review && m.task_id !== undefined) {
        this.stored.set(String(m.task_id), m.review);
        this.notify();
      }
      return false;
    }
    const f = typeof m.seq === "number" ? this.inflight.get(m.seq) : undefined;
    if (typeof m.seq === "number") this.inflight.delete(m.seq);
    if (m.type === "ack") {
      const id = String(m.task_id ?? f?.id ?? "");
      if (m.review) {
        this.stored.set(id, m.review);
        // the cached entry too: "next unlabeled" and the filter skip reviewed tasks
        const e = f ? this.state.entry(f.pos) : undefined;
        if (e && String(e.id) === id) e.review = m.review;
      }
      // the comment is stored: the draft may go (unless it was edited after sending)
      const draft = this.drafts.get(id);
      if (draft !== undefined && (draft.trim() || null) === (f?.comment ?? null)) this.drafts.delete(id);
      this.error = "";
      this.state.setCounts(m.done, m.skipped);
    } else if (m.type === "error") {
      this.error = typeof m.message === "string" && m.message ? m.message : "the review was not stored";
    }
    this.notify();
    return true;
  }
}

const books = new WeakMap<LabelState, ReviewBook>();

/** The labeler's review book (made once per state; the model binding passes `send`). */
export function attachReview(state: LabelState, send: (msg: ReviewMsg) => void): ReviewBook {
  let book = books.get(state);
  if (!book) books.set(state, (book = new ReviewBook(state, send)));
  return book;
}

export function reviewBook(state: LabelState): ReviewBook | undefined {
  return books.get(state);
}

export function isReviewMode(state: LabelState): boolean {
  return (state.settings as { mode?: string }).mode === "review";
}

/** Per control, a short text of one annotation: "sentiment: negative · stars: 4★". */
export function summarize(result: ResultItem[]): Array<[string, string]> {
  const by = new Map<string, string[]>();
  for (const item of result || []) {
    if (!item || typeof item.from_name !== "string") continue;
    const list = by.get(item.from_name) ?? [];
    list.push(describe(item));
    by.set(item.from_name, list);
  }
  return [...by.entries()].map(([control, texts]) => [control, texts.join(", ")]);
}

const STATE_TEXT: Record<string, string> = {
  pending: "to review",
  accepted: "accepted",
  rejected: "rejected",
  fixed: "fixed",
};

export interface ReviewPanel {
  el: HTMLElement;
  update(entry: TaskEntry | undefined): void;
  destroy(): void;
}

export function mountReview(doc: Document, state: LabelState, book: ReviewBook, reviewKey: () => string,
                            focusRoot: () => void): ReviewPanel {
  const panel = el(doc, "div", "nbl-review");
  panel.setAttribute("data-nbl-review", "");
  const head = el(doc, "div", "nbl-review-head");
  const badge = el(doc, "span", "nbl-review-state");
  const by = el(doc, "span", "nbl-review-by");
  head.append(badge, by);
  const list = el(doc, "ul", "nbl-review-others");
  list.setAttribute("aria-label", "every annotator's labels");
  const comment = el(doc, "textarea", "nbl-review-comment");
  comment.rows = 2;
  comment.placeholder = "comment (needed to reject)";
  comment.setAttribute("aria-label", "review comment");
  const actions = el(doc, "div", "nbl-review-actions");
  const accept = el(doc, "button", "nbl-btn nbl-review-accept");
  accept.type = "button";
  const reject = el(doc, "button", "nbl-btn nbl-review-reject", "reject with comment");
  reject.type = "button";
  const hint = el(doc, "span", "nbl-review-hint", "fix: label with the usual keys (saved as the consensus)");
  const error = el(doc, "div", "nbl-review-error");
  error.setAttribute("role", "alert");
  actions.append(accept, reject, hint);
  panel.append(head, list, comment, actions, error);

  let shownId: string | null = null;
  comment.addEventListener("input", () => {
    if (shownId !== null) book.setDraft(shownId, comment.value);
  });
  accept.addEventListener("click", (ev) => {
    ev.preventDefault();
    book.decide("accept");
    focusRoot();
  });
  reject.addEventListener("click", (ev) => {
    ev.preventDefault();
    if (shownId !== null) book.setDraft(shownId, comment.value);
    if (book.decide("reject")) focusRoot();
    else comment.focus();
  });

  const render = (entry: TaskEntry | undefined) => {
    setHidden(panel, !entry);
    if (!entry) return;
    const id = String(entry.id);
    if (id !== shownId) {
      shownId = id;
      const others = Array.isArray(entry.others) ? entry.others : [];
      list.replaceChildren(...others.map((o) => {
        const li = el(doc, "li", "nbl-review-other");
        li.setAttribute("data-annotator", String(o.annotator));
        li.setAttribute("data-consensus", o.consensus ? "true" : "false");
        const name = el(doc, "span", "nbl-review-annotator", o.consensus ? `${o.annotator} \u2713` : String(o.annotator));
        if (o.consensus) name.title = "the consensus (a reviewer's fix or the stored vote)";
        li.append(name);
        if (o.was_cancelled) li.append(el(doc, "span", "nbl-review-summary", "skipped"));
        for (const [control, text] of summarize(o.result)) {
          const s = el(doc, "span", "nbl-review-summary");
          s.setAttribute("data-control", control);
          s.append(el(doc, "span", "nbl-review-control", `${control}: `), doc.createTextNode(text));
          li.append(s);
        }
        return li;
      }));
      if (!others.length) list.append(el(doc, "li", "nbl-review-none", "no annotations"));
      const r = book.reviewOf(entry);
      comment.value = book.draft(id) ?? r?.comment ?? "";
    }
    const r = book.reviewOf(entry);
    const st = r?.state ?? "pending";
    if (panel.getAttribute("data-review-state") !== st) panel.setAttribute("data-review-state", st);
    setText(badge, STATE_TEXT[st] ?? st);
    setText(by, r?.reviewer && st !== "pending" ? `by ${r.reviewer}` : "");
    const k = reviewKey();
    setText(accept, `accept (${k})`);
    accept.title = `accept this task's labels (${k})`;
    const busy = book.isPending(id);
    setDisabled(accept, busy);
    setDisabled(reject, busy);
    setText(error, book.error);
    setHidden(error, !book.error);
  };
  const unsubscribe = book.subscribe(() => render(state.current()));
  return {
    el: panel,
    update: render,
    destroy() {
      if (shownId !== null) book.setDraft(shownId, comment.value);
      unsubscribe();
    },
  };
}
