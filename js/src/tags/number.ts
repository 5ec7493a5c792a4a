// Number: an <input type=number> (or a range with slider=true); result {"number": x}.
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

  const commit = () => {
    const raw = input.value.trim();
    if (raw === "") {
      input.removeAttribute("aria-invalid");
      ctx.setValue(name, null);
      return;
    }
    const v = Number(raw);
    if (!Number.isFinite(v) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
      input.setAttribute("aria-invalid", "true");
      return;
    }
    input.removeAttribute("aria-invalid");
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
    const v = asNumber(t.result.find((r) => r.from_name === name)?.value?.number);
    const text = v === undefined ? "" : String(v);
    // Do not clobber what the user is typing unless the item changed.
    if (t.moved || input.ownerDocument.activeElement !== input) {
      if (input.value !== text) input.value = text;
      input.removeAttribute("aria-invalid");
    }
    out.textContent = text;
    flagMissing(v === undefined);
  });
  return box;
}
