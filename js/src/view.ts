// One view of a labeler: toolbar, error banner, the rendered config, and the keyboard.
// Everything here updates synchronously from state notifications, so the item after a
// keypress is on screen before the handler returns. DOM nodes are built once per spec
// and updated in place per item (only what changed is written). The keydown handler does
// nothing else: the messages a key causes are sent by the state after the frame.
import { compileHotkeys, guardKey, keepInField, resolveKey, type HotkeyTable, type KeyAction } from "./keys";
import { hintKey } from "./spec";
import type { LabelState } from "./state";
import { isEditableTarget } from "./util";
import { el, setDisabled, setHidden, setText, type RenderContext, type TaskView } from "./tags/context";
import { renderNode } from "./tags/registry";
import { RegionController } from "./regions/controller";
import { mountRegionPanel } from "./regions/panel";
import { acceptSuggestion, DEFAULT_ACCEPT_KEY, DEFAULT_RETRAIN_KEY, mountSuggestion } from "./suggestion";
import { isReviewMode, mountReview, reviewBook } from "./review";

export interface ViewHandle {
  root: HTMLElement;
  destroy(): void;
}

const HELP: Array<[string, string]> = [
  ["1 2 3 \u2026", "choice / rating hotkeys (shown on the buttons)"],
  ["\u2192 / j", "next item (next unlabeled one with the filter on)"],
  ["\u2190 / k", "previous item (previous unlabeled one with the filter on)"],
  ["Shift+\u2192 / Shift+\u2190", "next / previous item, filter or not"],
  ["n", "next unlabeled item"],
  ["u", "toggle the unlabeled-only filter"],
  ["PageDown / Space", "scroll the text down (PageUp / Shift+Space: up)"],
  ["r", "accept the model's suggestion (when one is shown)"],
  [".", "retrain the model now (after lab.retrain(fit_fn) in the notebook)"],
  ["Ctrl+Space", "skip"],
  ["Ctrl+Z", "undo"],
  ["Ctrl+Shift+Z / Ctrl+Y", "redo"],
  ["Esc / Tab", "leave a text field (what was typed is saved)"],
  ["Ctrl+Enter", "in a text field: add it and go to the next item"],
];

const STATUS_TEXT: Record<string, string> = {
  saved: "saved",
  saving: "saving\u2026",
  error: "error",
  loading: "loading\u2026",
  disconnected: "not connected \u2014 not saving",
};

function button(doc: Document, cls: string, text: string, title: string): HTMLButtonElement {
  const b = el(doc, "button", `nbl-btn ${cls}`, text);
  b.type = "button";
  b.title = title;
  return b;
}

function setAttr(node: HTMLElement, name: string, value: string): void {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}


export function mountView(host: HTMLElement, state: LabelState): ViewHandle {
  const doc = host.ownerDocument;
  const root = el(doc, "div", "nbl-root");
  root.tabIndex = 0;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", "nblabel labeler");

  // ---- toolbar ----
  const bar = el(doc, "div", "nbl-toolbar");
  const btnPrev = button(doc, "nbl-prev", "\u2039 prev", "previous item (\u2190 or k)");
  const btnNext = button(doc, "nbl-next", "next \u203a", "next item (\u2192 or j)");
  const btnNextUnl = button(doc, "nbl-next-unlabeled", "next unlabeled", "next unlabeled item (n)");
  const btnSkip = button(doc, "nbl-skip", "skip", "skip this item (Ctrl+Space)");
  const btnUndo = button(doc, "nbl-undo", "undo", "undo (Ctrl+Z)");
  const btnRedo = button(doc, "nbl-redo", "redo", "redo (Ctrl+Shift+Z or Ctrl+Y)");
  const btnFilter = button(doc, "nbl-filter", "unlabeled only", "show only unlabeled items (u)");
  btnFilter.setAttribute("aria-pressed", "false");
  const retrainKey = () => state.settings.retrain_key || DEFAULT_RETRAIN_KEY;
  // shown once the kernel has a fit function (lab.retrain(...)); the kernel then refits now
  const btnRetrain = button(doc, "nbl-retrain", "retrain", `retrain the model now (${retrainKey()})`);
  btnRetrain.hidden = true;
  const nav = el(doc, "div", "nbl-group");
  nav.append(btnPrev, btnNext, btnNextUnl, btnSkip, btnUndo, btnRedo, btnFilter, btnRetrain);
  const info = el(doc, "div", "nbl-group nbl-info");
  const position = el(doc, "span", "nbl-position");
  const progress = el(doc, "span", "nbl-progress");
  progress.title = "labeled / total";
  const skipped = el(doc, "span", "nbl-skipped");
  const status = el(doc, "span", "nbl-status");
  status.setAttribute("role", "status"); // a polite live region: "saved", "saving…", "error" are announced
  status.setAttribute("aria-live", "polite");
  const notice = el(doc, "span", "nbl-notice");
  const help = el(doc, "details", "nbl-help");
  const summary = el(doc, "summary", undefined, "keys");
  const helpList = el(doc, "dl");
  const ak = state.settings.accept_key || DEFAULT_ACCEPT_KEY;
  const rk = retrainKey();
  for (const [k, v] of HELP) helpList.append(el(doc, "dt", undefined, k === "r" ? ak : k === "." ? rk : k), el(doc, "dd", undefined, v));
  help.append(summary, helpList);
  info.append(notice, position, progress, skipped, status, help);
  bar.append(nav, info);

  // ---- error banner ----
  const banner = el(doc, "div", "nbl-banner");
  banner.setAttribute("role", "alert");
  banner.hidden = true;
  const bannerText = el(doc, "div", "nbl-banner-text");
  const btnRetry = button(doc, "nbl-retry", "retry unsaved", "send the unsaved items again");
  const btnDismiss = button(doc, "nbl-dismiss", "dismiss", "hide these messages");
  banner.append(bannerText, btnRetry, btnDismiss);

  // ---- body ----
  const body = el(doc, "div", "nbl-body");
  const loading = el(doc, "div", "nbl-loading", "loading\u2026");
  loading.hidden = true;
  const empty = el(doc, "div", "nbl-empty", "no tasks to label");
  empty.hidden = true;

  const acceptKey = () => state.settings.accept_key || DEFAULT_ACCEPT_KEY;
  const suggestion = mountSuggestion(doc, state, acceptKey, () => focusRoot());
  const review = isReviewMode(state) ? reviewBook(state) : undefined;
  const reviewKey = () => state.settings.review_key || "a";
  const reviewPanel = review ? mountReview(doc, state, review, reviewKey, () => focusRoot()) : null;
  if (reviewPanel) {
    root.setAttribute("data-mode", "review");
    progress.title = "reviewed / total";
    btnSkip.hidden = true; // a review has no skip: accept, reject or fix
  }
  root.append(bar, banner, suggestion.el, ...(reviewPanel ? [reviewPanel.el] : []), loading, empty, body);
  host.appendChild(root);

  // ---- the config tree, built once per spec ----
  let builtSpec = -1;
  let updaters: Array<(t: TaskView) => void> = [];
  let commits = new Map<string, () => void>();
  let focusers = new Map<string, () => void>();
  let table: HotkeyTable = compileHotkeys(null);
  let regions = new RegionController(state, state.index);
  let panel: ReturnType<typeof mountRegionPanel> | null = null;
  let lastPos = -1;
  let lastEntry: unknown = null;

  const focusRoot = () => {
    if (doc.activeElement !== root) root.focus({ preventScroll: true });
  };

  const build = () => {
    builtSpec = state.specVersion;
    updaters = [];
    commits = new Map();
    focusers = new Map();
    lastPos = -1;
    lastEntry = null;
    const spec = state.spec;
    // The accept key joins the table unless the config binds it (the config wins).
    const ak = acceptKey();
    const hotkeys = { ...(spec?.hotkeys || {}) };
    if (!(ak in hotkeys)) hotkeys[ak] = { control: "", action: "accept" };
    if (reviewPanel && !(reviewKey() in hotkeys)) hotkeys[reviewKey()] = { control: "", action: "review_accept" };
    const rk = retrainKey();
    if (!(rk in hotkeys) && rk !== ak) hotkeys[rk] = { control: "", action: "retrain" };
    table = compileHotkeys(hotkeys);
    regions = new RegionController(state, state.index);
    panel = null;
    if (!spec) {
      body.replaceChildren(el(doc, "div", "nbl-unsupported", "no labeling config"));
      return;
    }
    const ctx: RenderContext = {
      doc,
      spec,
      index: state.index,
      renderChildren(node, parent) {
        for (const child of node.children || []) {
          const out = renderNode(child, ctx);
          if (out) parent.appendChild(out);
        }
      },
      onTask(fn) {
        updaters.push(fn);
      },
      setValue(control, value) {
        state.setControlValue(control, value);
      },
      setItems(control, values) {
        state.setControlItems(control, values);
      },
      result(control) {
        return state.current() ? state.resultFor(control) : undefined;
      },
      results(control) {
        return state.current() ? state.shownResult().filter((r) => r.from_name === control) : [];
      },
      onCommit(control, fn) {
        commits.set(control, fn);
      },
      onFocus(control, fn) {
        focusers.set(control, fn);
      },
      focusRoot,
      regions,
      hint(control, value) {
        return state.index.hints.get(hintKey(control, value));
      },
    };
    const tree = renderNode(spec.root, ctx);
    body.replaceChildren(...(tree ? [tree] : []));
    if (regions.hasRegionControls()) {
      panel = mountRegionPanel(doc, regions);
      body.appendChild(panel.root);
    }
  };

  // ---- sync: state -> DOM (synchronous) ----
  const sync = () => {
    if (builtSpec !== state.specVersion) build();
    const entry = state.current();
    const st = state.status();
    setAttr(root, "data-pos", String(state.pos));
    setAttr(root, "data-task-id", entry ? String(entry.id) : "");
    setAttr(root, "data-done", String(state.doneCount()));
    setAttr(root, "data-total", String(state.total));
    setAttr(root, "data-seq", String(state.lastSeq()));
    setAttr(root, "data-ack", String(state.lastAck()));
    setAttr(root, "data-pending", String(state.pendingCount()));
    setAttr(root, "data-state", st);
    setAttr(root, "data-filter", state.filter);

    setText(progress, `${state.doneCount()} / ${state.total}`);
    const sk = state.skippedCount();
    setText(skipped, sk > 0 ? `${sk} skipped` : "");
    setHidden(skipped, sk === 0);
    setText(position, state.total > 0 ? `#${state.pos + 1}${entry ? ` \u00b7 id ${String(entry.id)}` : ""}` : "");
    setText(status, STATUS_TEXT[st] ?? st);
    setAttr(status, "data-state", st);
    setText(notice, state.notice);
    setHidden(notice, !state.notice);
    setAttr(btnFilter, "aria-pressed", state.filter === "unlabeled" ? "true" : "false");
    setDisabled(btnUndo, !state.canUndo());
    setDisabled(btnRedo, !state.canRedo());
    setDisabled(btnPrev, state.pos <= 0);
    setDisabled(btnSkip, !entry);
    setHidden(btnRetrain, !state.settings.retrain);
    setDisabled(btnRetrain, !!state.disconnected);

    const msgs = state.bannerMessages();
    setHidden(banner, msgs.length === 0 && state.errorCount() === 0);
    const text = msgs.length ? msgs.join("\n") : `${state.errorCount()} item(s) not saved`;
    setText(bannerText, text);
    setHidden(btnRetry, state.errorCount() === 0 || !!state.disconnected);
    setAttr(root, "data-connected", state.disconnected ? "false" : "true");

    setHidden(empty, state.total > 0);
    suggestion.update(entry);
    reviewPanel?.update(entry);
    if (entry) {
      setHidden(body, false);
      setHidden(loading, true);
      const moved = entry.pos !== lastPos || entry !== lastEntry;
      lastPos = entry.pos;
      lastEntry = entry;
      setAttr(body, "data-item-state", state.itemState(entry.pos));
      const tv: TaskView = { pos: entry.pos, entry, result: state.shownResult(entry.pos), moved };
      for (const u of updaters) {
        try {
          u(tv);
        } catch (e) {
          console.error("[nblabel] render failed", e);
        }
      }
      panel?.update();
    } else {
      setHidden(body, true);
      setHidden(loading, state.total === 0);
    }
  };

  // ---- actions ----
  const perform = (action: KeyAction, e: KeyboardEvent | null) => {
    const repeat = !!e?.repeat;
    switch (action.kind) {
      case "hotkey": {
        if (repeat) return; // holding a label key must not label a run of items
        if (action.binding.action === "review_accept") {
          review?.decide("accept");
          return;
        }
        if (action.binding.action === "accept") {
          acceptSuggestion(state);
          return;
        }
        if (action.binding.action === "retrain") {
          state.requestRetrain();
          return;
        }
        if (regions.isRegionControl(action.binding.control)) {
          regions.labelPicked(action.binding.control, String(action.binding.value ?? ""));
          return;
        }
        const out = state.applyHotkey(action.binding);
        if (out.focus) focusers.get(out.focus)?.();
        return;
      }
      case "next":
        return state.next(!!action.all);
      case "prev":
        return state.prev(!!action.all);
      case "scroll":
        return void scrollText(action.dir);
      case "nextUnlabeled":
        return state.nextUnlabeled();
      case "skip":
        if (!repeat && !reviewPanel) state.skip();
        return;
      case "undo":
        return state.undo();
      case "redo":
        return state.redo();
      case "toggleFilter":
        if (!repeat) state.toggleFilter();
        return;
      case "blur":
        // focusout commits what was typed (onFocusOut)
        (e?.target as HTMLElement | null)?.blur?.();
        root.focus({ preventScroll: true });
        return;
      case "commit": {
        const target = e?.target as HTMLElement | null;
        const control = target?.closest?.("[data-nbl-control]")?.getAttribute("data-nbl-control");
        if (control) commits.get(control)?.();
        root.focus({ preventScroll: true });
        // A per-region field belongs to the selected region: stay on the item.
        if (!(control && state.isPerRegion(control))) state.advance();
        return;
      }
    }
  };

  /** The task's scrollable text (the first object box that overflows), if any. */
  const scrollTarget = (): HTMLElement | null => {
    for (const box of Array.from(body.querySelectorAll<HTMLElement>(".nbl-object"))) {
      if (box.scrollHeight > box.clientHeight + 1) return box;
    }
    return null;
  };
  const scrollText = (dir: 1 | -1): boolean => {
    const box = scrollTarget();
    if (!box) return false;
    box.scrollBy({ top: dir * Math.max(40, box.clientHeight * 0.85) });
    // the box's own scroll event comes with the next frame; a move before it must see this one
    box.dispatchEvent(new Event("scroll"));
    return true;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) {
      e.stopPropagation();
      return;
    }
    // Keys pressed on the root itself (the labeling case) are never typing.
    const editable = e.target !== root && isEditableTarget(e.target);
    // Region keys first (Delete, Escape, Alt+R, keyboard span selection).
    if (regions.handleKey(e, editable)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    const action = resolveKey(e, table, editable);
    if (!action) {
      if (editable ? keepInField(e) : guardKey(e, editable)) e.stopPropagation();
      return;
    }
    // Scroll keys act on the root (and inside the text); a focused control keeps its own Space
    const onControl = e.target !== root && !(e.target as Element)?.closest?.(".nbl-object");
    if (action.kind === "scroll" && (onControl || !scrollTarget())) {
      e.stopPropagation(); // nothing to scroll in the widget: the page scrolls as usual
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    perform(action, e);
  };
  root.addEventListener("keydown", onKeyDown);

  // Leaving a text field by any route (Tab, Esc, a click elsewhere, another window part)
  // saves what was typed into it now, and sends it at once: the click may be the one that
  // re-runs the cell or restarts the kernel.
  const onFocusOut = (e: FocusEvent) => {
    const target = e.target as HTMLElement | null;
    if (!target || !isEditableTarget(target)) return;
    if (!doc.hasFocus()) return; // the window lost focus (another tab): the field keeps it
    const control = target.closest?.("[data-nbl-control]")?.getAttribute("data-nbl-control");
    if (!control) return;
    const entry = state.current();
    if (!entry || entry !== lastEntry) return;
    commits.get(control)?.();
    state.flush();
  };
  root.addEventListener("focusout", onFocusOut);
  // Notebook 7 starts Lumino without `bubblingKeydown`, so its shortcuts run in the capture
  // phase at `document`, before the root's listener can stop them. This capture listener on
  // `window` runs earlier still and marks the root with Lumino's `data-lm-suppress-shortcuts`
  // for exactly the keys the widget keeps (its own, the guarded letters, anything typed into
  // a text field but Ctrl/Meta combinations, see keepInField); other keys (Shift+Enter on the root, Ctrl+S, ...) still reach the notebook.
  const win = root.ownerDocument?.defaultView;
  const onCaptureKeyDown = (e: KeyboardEvent) => {
    const target = e.target as Node | null;
    if (!target || !root.contains(target)) return;
    const editable = target !== root && isEditableTarget(target);
    const keep = (editable ? keepInField(e) : guardKey(e, editable)) || resolveKey(e, table, editable) !== null;
    if (keep) root.setAttribute("data-lm-suppress-shortcuts", "true");
    else root.removeAttribute("data-lm-suppress-shortcuts");
  };
  win?.addEventListener("keydown", onCaptureKeyDown, true);

  const click = (b: HTMLElement, fn: () => void) =>
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      fn();
      focusRoot();
    });
  click(btnPrev, () => state.prev());
  click(btnNext, () => state.next());
  click(btnNextUnl, () => state.nextUnlabeled());
  click(btnSkip, () => state.skip());
  click(btnUndo, () => state.undo());
  click(btnRedo, () => state.redo());
  click(btnFilter, () => state.toggleFilter());
  click(btnRetrain, () => state.requestRetrain());
  click(btnRetry, () => state.retryErrors());
  click(btnDismiss, () => state.dismissMessages());

  // Before the state moves off the item on screen, commit what was typed into it
  // (each TextArea's commit hook; it keeps only text that is new).
  const commitTyped = () => {
    const entry = state.current();
    if (!entry || entry !== lastEntry) return; // the DOM shows another item (or none)
    for (const commit of commits.values()) commit();
  };
  const removeDraftSource = state.addDraftSource(commitTyped);

  const unsubscribe = state.subscribe(sync);
  sync();

  return {
    root,
    destroy() {
      // the output is cleared (cell re-run, widget closed): what was typed is saved first
      try {
        commitTyped();
        state.flush();
      } catch (e) {
        console.error("[nblabel] saving typed text on close failed", e);
      }
      unsubscribe();
      reviewPanel?.destroy();
      removeDraftSource();
      root.removeEventListener("keydown", onKeyDown);
      root.removeEventListener("focusout", onFocusOut);
      win?.removeEventListener("keydown", onCaptureKeyDown, true);
      root.remove();
    },
  };
}
