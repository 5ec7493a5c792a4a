// Filter: a search box over the options of the control named by toName (Choices, Labels,
// Taxonomy). Once `minlength` characters are typed, options whose text does not contain them
// (case-insensitively) are hidden; clearing the box shows them all again. Escape clears it.
// `hotkey` focuses the box (a spec hotkey with action "filter").
import type { SpecNode } from "../../protocol";
import { asNumber, asString } from "../../util";
import { el, type RenderContext } from "../context";

export function renderFilter(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const target = asString(a.toName);
  const minlength = Math.max(0, asNumber(a.minlength) ?? 3);
  const box = el(ctx.doc, "div", "nbl-filter-box");
  const input = el(ctx.doc, "input", "nbl-input nbl-filter-input");
  input.type = "search";
  input.placeholder = asString(a.placeholder, "Quick Filter");
  input.setAttribute("aria-label", `filter ${target}`);
  input.setAttribute("data-nbl-filter", target);
  const style = asString(a.style);
  if (style) input.setAttribute("style", style);
  box.appendChild(input);

  const apply = () => {
    const scope = box.closest(".nbl-body") ?? box.ownerDocument;
    const control = [...scope.querySelectorAll<HTMLElement>("[data-nbl-control]")].find(
      (e) => e.getAttribute("data-nbl-control") === target,
    );
    if (!control) return;
    const q = input.value.trim().toLowerCase();
    const active = q.length >= minlength && q.length > 0;
    for (const opt of control.querySelectorAll<HTMLElement>("[data-value]")) {
      const holder = (opt.closest(".nbl-tax-node") as HTMLElement | null) ?? opt;
      const text = `${opt.getAttribute("data-value") ?? ""} ${opt.textContent ?? ""}`.toLowerCase();
      const hide = active && !text.includes(q);
      if (holder === opt) opt.classList.toggle("nbl-filtered-out", hide);
      else if (hide) holder.classList.add("nbl-filtered-out");
      else holder.classList.remove("nbl-filtered-out");
    }
  };
  ctx.onFocus(`filter:${target}`, () => {
    input.focus();
    input.select();
  });
  input.addEventListener("input", apply);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && input.value) {
      input.value = "";
      apply();
    }
  });
  ctx.onTask((t) => {
    if (t.moved && input.value) {
      input.value = "";
    }
    apply(); // dynamic options may have been rebuilt
  });
  return box;
}
