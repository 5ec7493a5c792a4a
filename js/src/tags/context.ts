// What a tag renderer gets: the spec, hooks to the labeling state, and per-task updates.
import type { ResultItem, Spec, SpecNode, TaskEntry } from "../protocol";
import type { RegionController } from "../regions/controller";
import type { SpecIndex } from "../spec";
import { asBool, asString } from "../util";

/** The task being shown, handed to every updater on each change. */
export interface TaskView {
  pos: number;
  entry: TaskEntry;
  result: ResultItem[];
  /** True when the position changed since the previous update. */
  moved: boolean;
}

export interface RenderContext {
  doc: Document;
  spec: Spec;
  index: SpecIndex;
  /** Render the children of `node` and append them to `parent`. */
  renderChildren(node: SpecNode, parent: HTMLElement): void;
  /** Register an updater, called with the current task whenever the view syncs. */
  onTask(fn: (t: TaskView) => void): void;
  /** Set (or with null clear) a control's value on the current task; saves it. */
  setValue(control: string, value: Record<string, unknown> | null): void;
  /** Replace all of a control's result items (a control with several, e.g. Chat); saves. */
  setItems(control: string, values: Array<{ id?: string; value: Record<string, unknown> }>): void;
  /** The current task's result item for a control. */
  result(control: string): ResultItem | undefined;
  /** Every result item of a control on the current task, in order. */
  results(control: string): ResultItem[];
  /** Ctrl+Enter inside this control's field: commit what was typed. */
  onCommit(control: string, fn: () => void): void;
  /** A hotkey bound to this control wants focus (Number, TextArea). */
  onFocus(control: string, fn: () => void): void;
  /** Give keyboard focus back to the widget root. */
  focusRoot(): void;
  /** The region layer of this view (spans, shapes...: docs/architecture.md "Regions"). */
  regions: RegionController;
  /** The hotkey bound to (control, value), for hints. */
  hint(control: string, value?: string): string | undefined;
}

export type TagRenderer = (node: SpecNode, ctx: RenderContext) => HTMLElement | null;

export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A `<kbd>` hotkey hint. */
export function kbd(doc: Document, key: string): HTMLElement {
  return el(doc, "kbd", "nbl-kbd", key === " " ? "space" : key);
}

export function setPressed(button: HTMLElement, pressed: boolean): void {
  const v = pressed ? "true" : "false";
  if (button.getAttribute("aria-pressed") !== v) button.setAttribute("aria-pressed", v);
}

export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

// `hidden = true` / `disabled = true` on an element that already has the attribute sets it
// again: a DOM mutation and a style invalidation each time. Updates run on every keypress,
// so they write only changes.
export function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

export function setDisabled(node: HTMLButtonElement, disabled: boolean): void {
  if (node.disabled !== disabled) node.disabled = disabled;
}

/** The "*" of a required control; returns a setter that flags it while the value is missing. */
export function requiredMarker(box: HTMLElement, node: SpecNode, ctx: RenderContext): (missing: boolean) => void {
  const a = node.attrs || {};
  const required = ctx.index.controls.get(asString(a.name))?.required ?? asBool(a.required);
  if (!required) return () => undefined;
  const marker = el(ctx.doc, "span", "nbl-required", "*");
  marker.title = asString(a.requiredMessage) || "required";
  box.appendChild(marker);
  return (missing) => marker.classList.toggle("nbl-missing", missing);
}
