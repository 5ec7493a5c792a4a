// Object tags: Text (plain text, whitespace kept) and HyperText (sanitized HTML).
import type { SpecNode } from "../protocol";
import { safeHref, sanitizeHtml } from "../sanitize";
import { asString, displayValue, resolveValue } from "../util";
import { mountHtmlRegions } from "../regions/htmlobject";
import { mountTextRegions } from "../regions/textobject";
import { el, setText, type RenderContext } from "./context";

function objectBox(node: SpecNode, ctx: RenderContext, cls: string): HTMLElement {
  const box = el(ctx.doc, "div", `nbl-object ${cls}`);
  box.setAttribute("data-nbl-object", asString(node.attrs?.name));
  // Each item opens at the top of its text. Whether the box was scrolled is tracked from its
  // scroll events, so a move only touches scrollTop (which forces a layout) when it must.
  let scrolled = false;
  box.addEventListener("scroll", () => {
    scrolled = box.scrollTop !== 0;
  }, { passive: true });
  ctx.onTask((t) => {
    if (t.moved && scrolled) {
      box.scrollTop = 0;
      scrolled = false;
    }
  });
  return box;
}

/** valueType="url": show the address as a link; nothing is fetched. */
function urlUpdater(box: HTMLElement, ctx: RenderContext, template: unknown) {
  const a = el(ctx.doc, "a", "nbl-url");
  a.rel = "noopener noreferrer";
  a.target = "_blank";
  box.appendChild(a);
  return (data: Record<string, unknown>) => {
    const url = displayValue(resolveValue(template, data));
    setText(a, url);
    const href = safeHref(url);
    if (href) a.setAttribute("href", href);
    else a.removeAttribute("href");
  };
}

export function renderText(node: SpecNode, ctx: RenderContext): HTMLElement {
  const box = objectBox(node, ctx, "nbl-text");
  const a = node.attrs || {};
  if (asString(a.valueType) === "url") {
    const update = urlUpdater(box, ctx, a.value);
    ctx.onTask((t) => update(t.entry.data));
  } else if (ctx.regions.controlsFor(asString(a.name)).length) {
    // Labels on this Text: spans (regions/textobject.ts).
    box.classList.add("nbl-text-regions");
    const spans = mountTextRegions(box, asString(a.name), a, ctx.regions);
    ctx.onTask((t) => spans.update(displayValue(resolveValue(a.value, t.entry.data))));
  } else {
    ctx.onTask((t) => setText(box, displayValue(resolveValue(a.value, t.entry.data))));
  }
  return box;
}

export function renderHyperText(node: SpecNode, ctx: RenderContext): HTMLElement {
  const box = objectBox(node, ctx, "nbl-hypertext");
  const a = node.attrs || {};
  if (asString(a.valueType) === "url") {
    const update = urlUpdater(box, ctx, a.value);
    ctx.onTask((t) => update(t.entry.data));
    return box;
  }
  if (ctx.regions.controlsFor(asString(a.name)).length) {
    // HyperTextLabels on this HyperText: spans over the sanitized HTML (regions/htmlobject.ts).
    box.classList.add("nbl-hypertext-regions");
    const spans = mountHtmlRegions(box, asString(a.name), a, ctx.regions);
    ctx.onTask((t) => {
      const html = displayValue(resolveValue(a.value, t.entry.data));
      spans.update(html, () => {
        const frag = ctx.doc.createDocumentFragment();
        frag.appendChild(sanitizeHtml(html, ctx.doc));
        return frag;
      });
    });
    return box;
  }
  let last: string | null = null;
  ctx.onTask((t) => {
    const html = displayValue(resolveValue(a.value, t.entry.data));
    if (html === last) return;
    last = html;
    box.replaceChildren(sanitizeHtml(html, ctx.doc));
  });
  return box;
}
