// Placeholder for tags the front end cannot render yet.
import type { SpecNode } from "../protocol";
import { el, type RenderContext } from "./context";

export function renderPlaceholder(node: SpecNode, ctx: RenderContext): HTMLElement {
  const box = el(ctx.doc, "div", "nbl-unsupported", `not supported yet: ${node.tag}`);
  const name = node.attrs?.name;
  if (typeof name === "string" && name) {
    box.setAttribute(node.kind === "control" ? "data-nbl-control" : "data-nbl-object", name);
  }
  if (typeof node.line === "number") box.title = `line ${node.line}${typeof node.col === "number" ? `:${node.col}` : ""}`;
  return box;
}
