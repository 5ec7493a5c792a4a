// <Choices layout="select">: the same options as a drop-down (a list box with
// choice="multiple"). Same result as the buttons: {"choices": [...]} (alias ?? value).
import type { SpecNode } from "../../protocol";
import type { ChoiceOption } from "../../spec";
import { choicesOf, orderChoices } from "../../state";
import { asString, lookupVar } from "../../util";
import { dynamicOptions } from "../choices";
import { el, type RenderContext, requiredMarker } from "../context";

export function renderChoicesSelect(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const info = ctx.index.controls.get(name);
  const multiple = (info?.choice ?? asString(a.choice, "single")) === "multiple";
  const box = el(ctx.doc, "div", "nbl-control nbl-choices nbl-choices-select");
  box.setAttribute("data-nbl-control", name);
  const style = asString(a.style);
  if (style) box.setAttribute("style", style);
  const flagMissing = requiredMarker(box, node, ctx);
  const select = el(ctx.doc, "select", "nbl-input nbl-select");
  select.multiple = multiple;
  select.setAttribute("aria-label", name);
  box.appendChild(select);

  const staticOptions = info?.options ?? [];
  let options: ChoiceOption[] = [];
  const build = (opts: ChoiceOption[]) => {
    options = opts;
    const items: HTMLOptionElement[] = [];
    if (!multiple) {
      const none = ctx.doc.createElement("option");
      none.value = "";
      none.textContent = "\u2014";
      items.push(none);
    }
    for (const o of opts) {
      const opt = ctx.doc.createElement("option");
      opt.value = o.result;
      opt.setAttribute("data-value", o.value);
      const key = ctx.hint(name, o.value);
      opt.textContent = key ? `${o.value} [${key}]` : o.value;
      const hint = asString(o.node.attrs?.hint);
      if (hint) opt.title = hint;
      items.push(opt);
    }
    select.replaceChildren(...items);
  };
  build(staticOptions);

  select.addEventListener("change", () => {
    const picked = [...select.options].filter((o) => o.selected && o.value !== "").map((o) => o.value);
    const next = orderChoices(options.map((o) => o.result), picked);
    ctx.setValue(name, next.length ? { choices: multiple ? next : [next[0]] } : null);
  });

  const dyn = typeof a.value === "string" && a.value.startsWith("$") ? a.value.slice(1) : null;
  let dynKey = "";
  ctx.onTask((t) => {
    if (dyn !== null) {
      const opts = dynamicOptions(lookupVar(t.entry.data, dyn));
      const key = JSON.stringify(opts.map((o) => [o.value, o.alias ?? null]));
      if (key !== dynKey) {
        dynKey = key;
        build([...staticOptions, ...opts]);
      }
    }
    const sel = new Set(choicesOf(t.result.find((r) => r.from_name === name)));
    for (const o of select.options) {
      const on = o.value === "" ? sel.size === 0 : sel.has(o.value);
      if (o.selected !== on) o.selected = on;
    }
    flagMissing(sel.size === 0);
  });
  return box;
}
