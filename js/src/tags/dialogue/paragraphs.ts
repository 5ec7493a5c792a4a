// Paragraphs (object): a list of {<nameKey>: author, <textKey>: text} shown as paragraphs;
// layout="dialogue" shows the author as a speaker label and tints speakers apart.
// DOM contract (ParagraphLabels spans attach here): every paragraph is
// `.nbl-paragraph[data-index="<i>"]` (i = position in the task's list, what Label Studio
// stores as start/end) holding `.nbl-paragraph-author` and `.nbl-paragraph-text` (the text
// node offsets count from). Text only: task data never becomes markup.
import type { SpecNode } from "../../protocol";
import { safeHref } from "../../sanitize";
import { asString, displayValue, resolveValue } from "../../util";
import { el, setText, type RenderContext } from "../context";

export interface Paragraph {
  author: string;
  text: string;
}

export function paragraphsOf(value: unknown, nameKey: string, textKey: string): Paragraph[] {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return [{ author: "", text: v as string }];
    }
  }
  if (!Array.isArray(v)) return [];
  return v.map((p) =>
    p && typeof p === "object"
      ? { author: displayValue((p as Record<string, unknown>)[nameKey] ?? ""), text: displayValue((p as Record<string, unknown>)[textKey] ?? "") }
      : { author: "", text: displayValue(p) },
  );
}

export function renderParagraphs(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const nameKey = asString(a.nameKey, "author");
  const textKey = asString(a.textKey, "text");
  const dialogue = asString(a.layout) === "dialogue";
  const box = el(ctx.doc, "div", `nbl-object nbl-paragraphs${dialogue ? " nbl-dialogue" : ""}`);
  box.setAttribute("data-nbl-object", asString(a.name));
  box.setAttribute("role", "list");
  let last: string | null = null;
  ctx.onTask((t) => {
    const raw = resolveValue(a.value, t.entry.data);
    if (asString(a.valueType) === "url") {
      const url = displayValue(raw);
      if (url === last) return;
      last = url;
      const link = el(ctx.doc, "a", "nbl-url", url);
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      const href = safeHref(url);
      if (href) link.href = href;
      box.replaceChildren(link);
      return;
    }
    const paras = paragraphsOf(raw, nameKey, textKey);
    const key = JSON.stringify(paras);
    if (key === last) return;
    last = key;
    const speakers = new Map<string, number>();
    box.replaceChildren(
      ...paras.map((p, i) => {
        const row = el(ctx.doc, "div", "nbl-paragraph");
        row.setAttribute("data-index", String(i));
        row.setAttribute("role", "listitem");
        const author = el(ctx.doc, "span", "nbl-paragraph-author");
        setText(author, p.author);
        if (!p.author) author.hidden = true;
        if (dialogue && p.author) {
          if (!speakers.has(p.author)) speakers.set(p.author, speakers.size);
          row.setAttribute("data-speaker", String(speakers.get(p.author)! % 8));
        }
        const text = el(ctx.doc, "span", "nbl-paragraph-text");
        text.textContent = p.text;
        row.append(author, text);
        return row;
      }),
    );
  });
  return box;
}
