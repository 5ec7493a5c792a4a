// Labels (+ Label): the label picker of a region control (Labels on Text today; the same
// picker serves HyperTextLabels, ParagraphLabels and the image/audio label controls).
// A label is pressed while it is the active label (the next selection gets it) or while
// the selected region has it. Click = the label's hotkey (regions/controller.ts).
import type { SpecNode } from "../protocol";
import { sanitizeHtml } from "../sanitize";
import { asBool, asString } from "../util";
import { el, kbd, setPressed, type RenderContext } from "./context";

export function renderLabels(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const box = el(ctx.doc, "div", "nbl-control nbl-labels");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  // Label Studio shows labels inline unless showInline="false".
  box.classList.add(a.showInline === undefined || asBool(a.showInline) ? "nbl-layout-inline" : "nbl-layout-vertical");
  if (ctx.index.controls.get(name)?.choice === "multiple") box.classList.add("nbl-multiple");
  const style = asString(a.style);
  if (style) box.setAttribute("style", style);

  const buttons = ctx.regions.options(name).map((opt) => {
    const b = el(ctx.doc, "button", "nbl-label");
    b.type = "button";
    b.setAttribute("data-value", opt.value);
    b.setAttribute("aria-pressed", "false");
    b.style.setProperty("--nbl-label-color", opt.background);
    const la = opt.node.attrs || {};
    const key = ctx.hint(name, opt.value);
    if (key) b.appendChild(kbd(ctx.doc, key));
    const label = el(ctx.doc, "span", "nbl-label-text");
    const html = asString(la.html);
    if (html) label.appendChild(sanitizeHtml(html, ctx.doc));
    else label.textContent = opt.value;
    b.appendChild(label);
    const hint = asString(la.hint);
    if (hint) b.title = hint;
    b.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the text selection
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      ctx.regions.labelPicked(name, opt.result);
      ctx.focusRoot();
    });
    box.appendChild(b);
    return { b, result: opt.result };
  });

  ctx.onTask(() => {
    const active = ctx.regions.state.regionUI.active.get(name) ?? [];
    const sel = ctx.regions.state.selectedRegion();
    const selLabels = sel && sel.from_name === name ? sel.labels : [];
    for (const { b, result } of buttons) {
      setPressed(b, active.includes(result) || selLabels.includes(result));
    }
  });
  return box;
}

/** Relations draws nothing where it stands: its labels are picked in the region panel's relation rows. */
export function renderRelations(): HTMLElement | null {
  return null;
}
