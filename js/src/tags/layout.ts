// Visual tags: View, Header, Style.
import type { SpecNode } from "../protocol";
import { asBool, asNumber, asString, displayValue, resolveValue } from "../util";
import { el, setText, type RenderContext } from "./context";

export function renderView(node: SpecNode, ctx: RenderContext): HTMLElement {
  const box = el(ctx.doc, "div", "nbl-view");
  const a = node.attrs || {};
  const style = asString(a.style);
  if (style) box.setAttribute("style", style);
  if (asString(a.display) === "inline") box.classList.add("nbl-inline");
  const cls = asString(a.className);
  if (cls) for (const c of cls.split(/\s+/).filter(Boolean)) box.classList.add(c);
  ctx.renderChildren(node, box);
  return box;
}

export function renderHeader(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const size = Math.min(6, Math.max(1, Math.round(asNumber(a.size) ?? 4)));
  const h = el(ctx.doc, `h${size}` as "h4", "nbl-header");
  const style = asString(a.style);
  if (style) h.setAttribute("style", style);
  if (asBool(a.underline)) h.classList.add("nbl-underline");
  const template = a.value ?? node.text ?? "";
  const dynamic = typeof template === "string" && template.includes("$");
  if (!dynamic) h.textContent = displayValue(template);
  else ctx.onTask((t) => setText(h, displayValue(resolveValue(template, t.entry.data))));
  return h;
}

export function renderStyle(node: SpecNode, ctx: RenderContext): HTMLElement {
  const s = ctx.doc.createElement("style");
  s.textContent = node.text ?? asString(node.attrs?.value);
  return s;
}
