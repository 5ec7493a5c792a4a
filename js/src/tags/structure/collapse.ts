// Collapse (+ Panel value="title"): foldable sections, one <details> per Panel. accordion
// (the default) keeps at most one panel open; open="true" starts with every panel open.
import type { SpecNode } from "../../protocol";
import { asBool, asString } from "../../util";
import { el, type RenderContext } from "../context";

export function renderCollapse(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const accordion = a.accordion === undefined ? true : asBool(a.accordion);
  const box = el(ctx.doc, "div", `nbl-collapse${asBool(a.bordered) ? " nbl-bordered" : ""}`);
  const panels: HTMLDetailsElement[] = [];
  for (const child of node.children || []) {
    if (child.tag !== "Panel") {
      ctx.renderChildren({ ...node, children: [child] }, box);
      continue;
    }
    const d = el(ctx.doc, "details", "nbl-panel");
    const s = el(ctx.doc, "summary", "nbl-panel-title", asString(child.attrs?.value));
    d.appendChild(s);
    const body = el(ctx.doc, "div", "nbl-panel-body");
    ctx.renderChildren(child, body);
    d.appendChild(body);
    if (asBool(a.open)) d.open = true;
    d.addEventListener("toggle", () => {
      if (accordion && d.open) for (const o of panels) if (o !== d && o.open) o.open = false;
    });
    panels.push(d);
    box.appendChild(d);
  }
  if (accordion && asBool(a.open)) panels.forEach((p, i) => (p.open = i === 0));
  return box;
}
