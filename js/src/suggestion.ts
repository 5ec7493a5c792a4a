// The model's suggestion for the item on screen: what it predicts, with its score, shown apart
// from human labels (a dashed bar; the suggested choice gets a dashed outline, never pressed).
// One key (`settings.accept_key`, default "r") accepts it; any labeling key corrects it.
import type { Prediction, ResultItem, TaskEntry } from "./protocol";
import type { LabelState } from "./state";
import { isRelation, parseRegions } from "./regions/model";
import { el, setHidden, setText } from "./tags/context";
import { cloneJson, FROM_PREDICTION, newId } from "./util";

export const DEFAULT_ACCEPT_KEY = "r";
/** The retrain key unless the kernel names another (`settings.retrain_key`). */
export const DEFAULT_RETRAIN_KEY = ".";

/** The prediction an item shows: the first one with a result (the kernel sends the current model's first). */
export function suggestionOf(entry: TaskEntry | undefined): Prediction | undefined {
  const p = entry?.predictions?.find((x) => x && Array.isArray(x.result) && x.result.length > 0);
  return p;
}

/** A short text for one result item: its labels, rating, number or text. */
export function describe(item: ResultItem): string {
  const v = item.value || {};
  for (const key of ["choices", "labels", "taxonomy", "text"]) {
    const x = v[key];
    if (Array.isArray(x)) return x.map((e) => (Array.isArray(e) ? e.join("/") : String(e))).join(", ");
  }
  if (typeof v.rating === "number") return `${v.rating}\u2605`;
  if (typeof v.number === "number") return String(v.number);
  return item.type;
}

/**
 * Accept the current item's suggestion: its result items become the item's result (ids kept,
 * as Label Studio keeps a prediction's result ids; `origin: "prediction"`), saved and undone as
 * one change, then auto-advance when every required control is filled. Returns false when there
 * is nothing to accept (no suggestion, or the item is labeled).
 */
export function acceptSuggestion(state: LabelState): boolean {
  const entry = state.current();
  const pred = suggestionOf(entry);
  if (!entry || !pred || entry.annotation) return false;
  // Regions (spans...), their per-region items and relations are added as they are.
  const regionIds = new Set(parseRegions(pred.result).byId.keys());
  const regional = (item: ResultItem) => isRelation(item) || (typeof item.id === "string" && regionIds.has(item.id));
  const hasRegions = pred.result.some((item) => item && regional(item));
  let changed = false;
  state.batch(() => {
    const shownRegions = state.regionSet().byId;
    changed = state.editResult((cur) => {
      const next = cur.slice();
      for (const raw of pred.result) {
        if (!raw || typeof raw !== "object") continue;
        const item: ResultItem = { ...cloneJson(raw), origin: FROM_PREDICTION };
        if (regional(raw)) {
          next.push(item);
          continue;
        }
        const info = typeof raw.from_name === "string" ? state.index.controls.get(raw.from_name) : undefined;
        if (!info || state.isPerRegion(raw.from_name)) continue;
        // a whole-item value replaces what the control shows (a default choice, say)
        const at = next.findIndex((r) => r.from_name === raw.from_name && !(r.id && shownRegions.has(r.id)));
        const whole: ResultItem = { ...item, id: typeof raw.id === "string" && raw.id ? raw.id : newId(),
          to_name: info.toName, type: info.type, value: cloneJson(raw.value || {}) };
        if (at >= 0) next[at] = whole;
        else next.push(whole);
      }
      return JSON.stringify(next) === JSON.stringify(cur) ? cur : next;
    });
    // accepted spans are reviewed on the item: no auto-advance then
    if (changed && state.settings.auto_advance && state.requiredFilled() && !hasRegions) state.advance();
  });
  return changed;
}

export interface SuggestionBar {
  el: HTMLElement;
  update(entry: TaskEntry | undefined): void;
}

export function mountSuggestion(doc: Document, state: LabelState, acceptKey: () => string, focusRoot: () => void): SuggestionBar {
  const bar = el(doc, "div", "nbl-suggestion");
  bar.setAttribute("data-nbl-suggestion", "");
  bar.hidden = true;
  const tag = el(doc, "span", "nbl-suggestion-tag", "model");
  const text = el(doc, "span", "nbl-suggestion-text");
  const score = el(doc, "span", "nbl-suggestion-score");
  const btn = el(doc, "button", "nbl-btn nbl-accept");
  btn.type = "button";
  const key = el(doc, "kbd", "nbl-kbd");
  const label = el(doc, "span", undefined, "accept");
  btn.append(key, label);
  btn.addEventListener("click", (ev) => {
    ev.preventDefault();
    acceptSuggestion(state);
    focusRoot();
  });
  bar.append(tag, text, score, btn);
  return {
    el: bar,
    update(entry) {
      const pred = entry && !entry.annotation ? suggestionOf(entry) : undefined;
      setHidden(bar, !pred);
      if (!pred) return;
      setText(text, pred.result.map(describe).join(" \u00b7 "));
      const s = typeof pred.score === "number" ? pred.score : null;
      setText(score, s === null ? "" : s.toFixed(2));
      score.title = "model score";
      const v = s === null ? "" : String(s);
      if (bar.getAttribute("data-score") !== v) bar.setAttribute("data-score", v);
      const mv = pred.model_version ?? "";
      if (bar.getAttribute("data-model-version") !== mv) bar.setAttribute("data-model-version", mv);
      bar.title = mv ? `suggested by ${mv}` : "model suggestion";
      const k = acceptKey();
      setText(key, k);
      btn.title = `accept the suggestion (${k})`;
    },
  };
}
