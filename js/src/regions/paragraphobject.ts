// Paragraph spans: `ParagraphLabels` on a `Paragraphs` object. The Paragraphs renderer
// (tags/dialogue) draws each paragraph as `.nbl-paragraph[data-index]` with its text in
// `.nbl-paragraph-text`; this attaches to that DOM after each render and draws spans with
// one SpanLayer per paragraph text. Values are Label Studio's: start / end = paragraph
// indices (strings, as the editor writes them), startOffset / endOffset = code point offsets
// inside those paragraphs' texts, text = the selected text (paragraphs joined by "\n").
import { asString } from "../util";
import { bindRegionPointer, type ObjectRegionView, type RegionController } from "./controller";
import { CodePointIndex, expandToWords } from "./offsets";
import { SpanLayer, type SpanSpec } from "./spans";

interface Para {
  index: number;
  el: HTMLElement;
  layer: SpanLayer;
  cp: CodePointIndex;
}

export interface ParagraphRegionsHandle {
  update(): void;
  destroy(): void;
}

export function mountParagraphRegions(
  box: HTMLElement,
  objectName: string,
  objectAttrs: Record<string, unknown>,
  regions: RegionController,
): ParagraphRegionsHandle {
  const doc = box.ownerDocument;
  const state = regions.state;
  const layers = new WeakMap<HTMLElement, Para>();
  let paras: Para[] = [];

  const collect = (): Para[] => {
    const out: Para[] = [];
    for (const el of box.querySelectorAll<HTMLElement>(".nbl-paragraph-text")) {
      const index = Number(el.closest("[data-index]")?.getAttribute("data-index"));
      if (!Number.isInteger(index)) continue;
      let p = layers.get(el);
      const text = p ? p.layer.currentText : el.textContent ?? "";
      if (!p || p.index !== index) {
        p = { index, el, layer: new SpanLayer(el), cp: new CodePointIndex(text) };
        layers.set(el, p);
      }
      out.push(p);
    }
    return out;
  };

  /** (paragraph, UTF-16 offset in its text) of a DOM point; author labels count as offset 0. */
  const pointOf = (node: Node, offset: number): [Para, number] | null => {
    const el = (node.nodeType === 1 ? (node as Element) : node.parentElement)?.closest?.(".nbl-paragraph");
    if (!el || !box.contains(el)) return null;
    const index = Number(el.getAttribute("data-index"));
    const p = paras.find((x) => x.index === index);
    if (!p) return null;
    if (!p.el.contains(node)) return [p, 0];
    return [p, p.layer.pointToOffset(node, offset)];
  };

  const view: ObjectRegionView = {
    name: objectName,
    pendingGeometry(control, label) {
      const sel = doc.getSelection?.();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
      const r = sel.getRangeAt(0);
      const s = pointOf(r.startContainer, r.startOffset);
      let e = pointOf(r.endContainer, r.endOffset);
      if (!s || !e) return null;
      // an end at the very start of a paragraph ends the previous one
      if (e[1] === 0 && e[0].index > s[0].index) {
        const prev = paras.filter((p) => p.index < e![0].index).pop();
        if (prev) e = [prev, prev.cp.text.length];
      }
      const sp = s[0];
      const ep = e[0];
      let so = s[1];
      let eo = e[1];
      if (sp.index === ep.index && regions.granularity(control, label, objectAttrs) === "word") {
        const w = expandToWords(sp.cp.text, so, eo);
        if (!w) return null;
        [so, eo] = w;
      }
      const startCp = sp.cp.toCodePoint(so, "floor");
      const endCp = ep.cp.toCodePoint(eo, "ceil");
      if (sp.index > ep.index || (sp.index === ep.index && endCp <= startCp)) return null;
      const parts: string[] = [];
      for (const p of paras) {
        if (p.index < sp.index || p.index > ep.index) continue;
        const a = p === sp ? startCp : 0;
        const b = p === ep ? endCp : p.cp.length;
        parts.push(p.cp.slice(a, b));
      }
      return { start: String(sp.index), end: String(ep.index), startOffset: startCp, endOffset: endCp, text: parts.join("\n") };
    },
    clearPending() {
      doc.getSelection?.()?.removeAllRanges();
    },
    reveal(id) {
      box.querySelector(`[data-region-id="${id.replace(/["\\]/g, "\\$&")}"]`)?.scrollIntoView?.({ block: "nearest" });
    },
  };
  const unregister = regions.registerObject(view);
  const unbind = bindRegionPointer(box, regions, objectName);

  return {
    update() {
      paras = collect();
      const ui = state.regionUI;
      const per = new Map<number, SpanSpec[]>();
      for (const r of state.regionSet().regions) {
        if (r.to_name !== objectName || r.type !== "paragraphlabels") continue;
        const si = Number(r.value.start);
        const ei = Number(r.value.end);
        if (!Number.isInteger(si) || !Number.isInteger(ei)) continue;
        for (const p of paras) {
          if (p.index < si || p.index > ei) continue;
          const a = p.index === si ? p.cp.toUtf16(Number(r.value.startOffset) || 0) : 0;
          const b = p.index === ei ? p.cp.toUtf16(Number(r.value.endOffset) || 0) : p.cp.text.length;
          const list = per.get(p.index) ?? [];
          list.push({ id: r.id, start: a, end: b, color: regions.colorOf(r), label: p.index === ei ? r.labels.join(", ") : "",
            hidden: ui.hidden.has(r.id), selected: ui.selected === r.id });
          per.set(p.index, list);
        }
      }
      for (const p of paras) p.layer.update(p.cp.text, per.get(p.index) ?? []);
    },
    destroy() {
      unregister();
      unbind();
    },
  };
}

/**
 * Objects whose renderer lives elsewhere get their region view attached here, after they
 * rendered (the tag registry calls this for every object node).
 */
export function attachObjectRegions(tag: string, box: HTMLElement, attrs: Record<string, unknown>, ctx: {
  regions: RegionController;
  onTask(fn: () => void): void;
}): void {
  const name = asString(attrs.name);
  if (tag !== "Paragraphs" || !ctx.regions.controlsFor(name).length) return;
  const handle = mountParagraphRegions(box, name, attrs, ctx.regions);
  ctx.onTask(() => handle.update());
}
