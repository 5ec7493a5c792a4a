// Choices (+ Choice): single, single-radio and multiple; one button per choice.
// Dynamic choices (`<Choices value="$options">`) are rebuilt from each task's data.
// `<Choice selected="true">` shows pressed on a task that never had a result (the state's
// `shownResult`); it is saved with the user's first change to the task, not by moving on.
import type { SpecNode } from "../protocol";
import { sanitizeHtml } from "../sanitize";
import type { ChoiceOption } from "../spec";
import { choicesOf, orderChoices } from "../state";
import { asBool, asString, lookupVar } from "../util";
import { renderChoicesSelect } from "./choices/select";
import { el, kbd, setPressed, type RenderContext, requiredMarker } from "./context";

/** Options from task data: a list of strings or of {value, alias?, html?, hint?} (children flattened). */
export function dynamicOptions(raw: unknown): ChoiceOption[] {
  const out: ChoiceOption[] = [];
  const visit = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (typeof item === "string" || typeof item === "number") {
        const value = String(item);
        out.push({ value, result: value, node: { tag: "Choice", kind: "label", attrs: { value }, children: [] } });
      } else if (item && typeof item === "object") {
        const o = item as Record<string, unknown>;
        if (o.value !== undefined && o.value !== null) {
          const value = String(o.value);
          const alias = typeof o.alias === "string" && o.alias ? o.alias : undefined;
          const attrs: Record<string, unknown> = { value };
          if (typeof o.html === "string") attrs.html = o.html;
          if (typeof o.hint === "string") attrs.hint = o.hint;
          out.push({ value, alias, result: alias ?? value, node: { tag: "Choice", kind: "label", attrs, children: [] } });
        }
        visit(o.children);
      }
    }
  };
  visit(raw);
  return out;
}

export function renderChoices(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  if (asString(a.layout) === "select") return renderChoicesSelect(node, ctx);
  const name = asString(a.name);
  const info = ctx.index.controls.get(name);
  const mode = info?.choice ?? asString(a.choice, "single");
  const multiple = mode === "multiple";
  const box = el(ctx.doc, "div", "nbl-control nbl-choices");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const layout = asString(a.layout);
  box.classList.add(asBool(a.showInline) || layout === "inline" ? "nbl-layout-inline" : "nbl-layout-vertical");
  if (mode === "single-radio") box.classList.add("nbl-radio");
  if (multiple) box.classList.add("nbl-multiple");
  const style = asString(a.style);
  if (style) box.setAttribute("style", style);

  const flagMissing = requiredMarker(box, node, ctx);

  type Btn = { button: HTMLButtonElement; result: string };
  const staticOptions = info?.options ?? [];
  let buttons: Btn[] = [];
  let all: string[] = staticOptions.map((o) => o.result);

  const makeButton = (opt: ChoiceOption): Btn => {
    const b = el(ctx.doc, "button", "nbl-choice");
    b.type = "button";
    b.setAttribute("data-value", opt.value);
    b.setAttribute("aria-pressed", "false");
    const ca = opt.node.attrs || {};
    const label = el(ctx.doc, "span", "nbl-choice-label");
    const html = asString(ca.html);
    if (html) label.appendChild(sanitizeHtml(html, ctx.doc));
    else label.textContent = opt.value;
    const key = ctx.hint(name, opt.value);
    if (key) b.appendChild(kbd(ctx.doc, key));
    b.appendChild(label);
    const hintText = asString(ca.hint);
    if (hintText) b.title = hintText;
    const cstyle = asString(ca.style);
    if (cstyle) b.setAttribute("style", cstyle);
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      const cur = choicesOf(ctx.result(name));
      const pressed = cur.includes(opt.result);
      let next: string[];
      if (multiple) next = pressed ? cur.filter((v) => v !== opt.result) : orderChoices(all, [...cur, opt.result]);
      else next = pressed ? [] : [opt.result];
      ctx.setValue(name, next.length ? { choices: next } : null);
      ctx.focusRoot();
    });
    box.appendChild(b);
    return { button: b, result: opt.result };
  };
  buttons = staticOptions.map(makeButton);

  // <Choices value="$options">: options come from the task.
  const dyn = typeof a.value === "string" && a.value.startsWith("$") ? a.value.slice(1) : null;
  let dynButtons: Btn[] = [];
  let dynKey = "";

  ctx.onTask((t) => {
    if (dyn !== null) {
      const opts = dynamicOptions(lookupVar(t.entry.data, dyn));
      const key = JSON.stringify(opts.map((o) => [o.value, o.alias ?? null, o.node.attrs.html ?? null]));
      if (key !== dynKey) {
        dynKey = key;
        for (const b of dynButtons) b.button.remove();
        dynButtons = opts.map(makeButton);
        all = [...staticOptions, ...opts].map((o) => o.result);
      }
    }
    const item = t.result.find((r) => r.from_name === name);
    const sel = new Set(choicesOf(item));
    let predicted = new Set<string>();
    // Without an annotation a pressed choice is a `selected="true"` default: still hint predictions.
    if (!item || !t.entry.annotation) {
      const pred = t.entry.predictions?.[0]?.result?.find((r) => r && r.from_name === name);
      predicted = new Set(choicesOf(pred));
    }
    for (const { button, result } of [...buttons, ...dynButtons]) {
      setPressed(button, sel.has(result));
      if (predicted.has(result)) button.setAttribute("data-predicted", "true");
      else if (button.hasAttribute("data-predicted")) button.removeAttribute("data-predicted");
    }
    flagMissing(sel.size === 0);
  });
  return box;
}
