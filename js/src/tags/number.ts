// Number: an <input type=number> (or a range with slider=true); result {"number": x}.
// A value outside min/max (or not a number) is never saved silently dropped: the field
// says why next to it and keeps the value as an unsaved draft of that item (also when the
// user moves away and back) until it is fixed or cleared.
import type { SpecNode } from "../protocol";
import { asBool, asNumber, asString } from "../util";
import { el, kbd, type RenderContext, requiredMarker } from "./context";

export function renderNumber(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const min = asNumber(a.min);
  const max = asNumber(a.max);
  const step = asNumber(a.step);
  const box = el(ctx.doc, "div", "nbl-control nbl-number");
  box.setAttribute("data-nbl-control", name);
  const flagMissing = requiredMarker(box, node, ctx);
  const input = el(ctx.doc, "input", "nbl-input");
  input.type = asBool(a.slider) && min !== undefined && max !== undefined ? "range" : "number";
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
  input.step = step !== undefined && step > 0 ? String(step) : "any";
  input.setAttribute("aria-label", name);
  box.appendChild(input);
  const key = ctx.hint(name);
  if (key) box.appendChild(kbd(ctx.doc, key));
  const out = el(ctx.doc, "output", "nbl-number-value");
  if (input.type === "range") box.appendChild(out);
  const problem = el(ctx.doc, "span", "nbl-field-error");
  problem.setAttribute("role", "alert");
  problem.id = `nbl-number-error-${Math.random().toString(36).slice(2)}`;
  problem.hidden = true;
  box.appendChild(problem);
  /** Invalid values typed per item (position): unsaved drafts, shown again on return. */
  const drafts = new Map<number, string>();
  let pos = -1;

  const why = (raw: string): string => {
    if (raw === "") return ""; // also what the browser reports for text it cannot parse
    const v = Number(raw);
    if (!Number.isFinite(v)) return `${raw} is not a number \u2014 not saved`;
    if (min !== undefined && v < min) return `${raw} is below the minimum ${min} \u2014 not saved`;
    if (max !== undefined && v > max) return `${raw} is above the maximum ${max} \u2014 not saved`;
    return "";
  };
  const showProblem = (text: string) => {
    if (text) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", problem.id);
      box.setAttribute("data-draft", "true");
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      box.removeAttribute("data-draft");
    }
    if (problem.textContent !== text) problem.textContent = text;
    problem.hidden = !text;
  };

  const commit = () => {
    const raw = input.value.trim();
    // type=number reports "" for text it cannot parse; badInput tells it from a cleared field
    const bad = raw === "" && input.validity?.badInput;
    const text = bad ? "not a number \u2014 not saved" : why(raw);
    if (text) {
      drafts.set(pos, raw);
      showProblem(text);
      return;
    }
    drafts.delete(pos);
    showProblem("");
    if (raw === "") {
      ctx.setValue(name, null);
      return;
    }
    const v = Number(raw);
    const cur = asNumber(ctx.result(name)?.value?.number);
    if (cur !== v) ctx.setValue(name, { number: v });
  };
  input.addEventListener("change", commit);
  input.addEventListener("input", () => {
    out.textContent = input.value;
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !ev.shiftKey) {
      ev.preventDefault();
      ev.stopPropagation();
      commit();
    }
  });
  ctx.onCommit(name, commit);
  ctx.onFocus(name, () => {
    input.focus();
    if (input.type === "number") input.select();
  });
  ctx.onTask((t) => {
    pos = t.pos;
    const v = asNumber(t.result.find((r) => r.from_name === name)?.value?.number);
    const text = v === undefined ? "" : String(v);
    const draft = drafts.get(t.pos);
    // Do not clobber what the user is typing unless the item changed.
    if (t.moved || input.ownerDocument.activeElement !== input) {
      const shown = draft ?? text;
      if (input.value !== shown) input.value = shown;
      showProblem(draft === undefined ? "" : why(draft) || "not a number \u2014 not saved");
    }
    out.textContent = text;
    flagMissing(v === undefined);
  });
  return box;
}
