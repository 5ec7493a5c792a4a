// HyperText spans: a `HyperText` object with `HyperTextLabels` on it. The sanitized HTML is
// kept pristine; each render clones it and wraps the regions' text in nested
// `span.nbl-region[data-region-id]`. Values are Label Studio's:
//   start / end           XPath of the text node (in the pristine HTML, from the HyperText
//                         root: "/p[1]/text()[1]") holding the start / end point,
//   startOffset/endOffset offsets inside those text nodes (DOM offsets, UTF-16 units),
//   globalOffsets         {start, end} in code points of the rendered text (all text nodes
//                         in document order), text = that code point slice.
// Regions that come without globalOffsets (made elsewhere) are placed from their XPaths.
import { asString } from "../util";
import { bindRegionPointer, type ObjectRegionView, type RegionController } from "./controller";
import { CodePointIndex, expandToWords } from "./offsets";

function textNodes(root: Node): Text[] {
  const out: Text[] = [];
  const walker = (root.ownerDocument ?? (root as Document)).createTreeWalker(root, 4 /* SHOW_TEXT */);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) out.push(t as Text);
  return out;
}

/** "/p[1]/text()[2]" of a text node, relative to `root`. */
export function xpathOf(node: Node, root: Node): string {
  const parts: string[] = [];
  let n: Node | null = node;
  while (n && n !== root) {
    const parent: Node | null = n.parentNode;
    if (!parent) break;
    let i = 0;
    for (let c = parent.firstChild; c; c = c.nextSibling) {
      if (n.nodeType === 3 ? c.nodeType === 3 : c.nodeType === 1 && c.nodeName === n.nodeName) i++;
      if (c === n) break;
    }
    parts.unshift(n.nodeType === 3 ? `text()[${i}]` : `${n.nodeName.toLowerCase()}[${i}]`);
    n = parent;
  }
  return "/" + parts.join("/");
}

/** The node an XPath of the form "/p[1]/text()[2]" names under `root`, or null. */
export function resolveXPath(path: string, root: Node): Node | null {
  let cur: Node | null = root;
  for (const step of path.split("/").filter(Boolean)) {
    const m = /^(text\(\)|[A-Za-z][\w-]*)(?:\[(\d+)\])?$/.exec(step);
    if (!m || !cur) return null;
    const want = Number(m[2] ?? 1);
    let i = 0;
    let found: Node | null = null;
    for (let c: Node | null = cur.firstChild; c; c = c.nextSibling) {
      const match = m[1] === "text()" ? c.nodeType === 3 : c.nodeType === 1 && c.nodeName.toLowerCase() === m[1].toLowerCase();
      if (match && ++i === want) {
        found = c;
        break;
      }
    }
    cur = found;
  }
  return cur;
}

export interface HtmlRegionsHandle {
  /** Show the sanitized `html` (a fragment made by the caller, same input = same object) with the current regions. */
  update(key: string, make: () => DocumentFragment): void;
  destroy(): void;
}

export function mountHtmlRegions(
  box: HTMLElement,
  objectName: string,
  objectAttrs: Record<string, unknown>,
  regions: RegionController,
): HtmlRegionsHandle {
  const doc = box.ownerDocument;
  const state = regions.state;
  let pristine: DocumentFragment = doc.createDocumentFragment();
  let pristineNodes: Text[] = [];
  let starts: number[] = []; // UTF-16 start of each pristine text node in the rendered text
  let index = new CodePointIndex("");
  let key = "";
  let drawn = "";

  const globalOf = (node: Node, offset: number): number | null => {
    // over the live DOM: same text nodes in the same order, split by the wraps
    let sum = 0;
    for (const t of textNodes(box)) {
      if (t === node) return sum + offset;
      sum += t.data.length;
    }
    if (node.nodeType === 1 && box.contains(node)) {
      const r = doc.createRange();
      r.setStart(box, 0);
      r.setEnd(node, offset);
      return r.toString().length;
    }
    return null;
  };

  /** A global UTF-16 offset -> (pristine text node, offset in it). */
  const locate = (g: number, asEnd: boolean): [Text, number] | null => {
    for (let i = 0; i < pristineNodes.length; i++) {
      const t = pristineNodes[i];
      const a = starts[i];
      const b = a + t.data.length;
      if (asEnd ? g > a && g <= b : g >= a && g < b) return [t, g - a];
    }
    return null;
  };

  const rangeFromRegion = (value: Record<string, unknown>): [number, number] | null => {
    const go = value.globalOffsets as { start?: unknown; end?: unknown } | undefined;
    if (go && typeof go.start === "number" && typeof go.end === "number") return [index.toUtf16(go.start), index.toUtf16(go.end)];
    const s = resolveXPath(asString(value.start), pristine);
    const e = resolveXPath(asString(value.end), pristine);
    const si = pristineNodes.indexOf(s as Text);
    const ei = pristineNodes.indexOf(e as Text);
    if (si < 0 || ei < 0) return null;
    return [starts[si] + (Number(value.startOffset) || 0), starts[ei] + (Number(value.endOffset) || 0)];
  };

  const view: ObjectRegionView = {
    name: objectName,
    pendingGeometry(control, label) {
      const sel = doc.getSelection?.();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
      const range = sel.getRangeAt(0);
      if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
      let a = globalOf(range.startContainer, range.startOffset);
      let b = globalOf(range.endContainer, range.endOffset);
      if (a === null || b === null || b <= a) return null;
      if (regions.granularity(control, label, objectAttrs) === "word") {
        const w = expandToWords(index.text, a, b);
        if (!w) return null;
        [a, b] = w;
      }
      const cs = index.toCodePoint(a, "floor");
      const ce = index.toCodePoint(b, "ceil");
      const s = locate(index.toUtf16(cs), false);
      const e = locate(index.toUtf16(ce), true);
      if (!s || !e) return null;
      return {
        start: xpathOf(s[0], pristine),
        startOffset: s[1],
        end: xpathOf(e[0], pristine),
        endOffset: e[1],
        globalOffsets: { start: cs, end: ce },
        text: index.slice(cs, ce),
      };
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
    update(k, make) {
      if (k !== key) {
        key = k;
        pristine = make();
        pristineNodes = textNodes(pristine);
        starts = [];
        let sum = 0;
        let all = "";
        for (const t of pristineNodes) {
          starts.push(sum);
          sum += t.data.length;
          all += t.data;
        }
        index = new CodePointIndex(all);
        drawn = "";
      }
      const ui = state.regionUI;
      const spans: Array<{ id: string; a: number; b: number; color: string; label: string; selected: boolean; hidden: boolean }> = [];
      for (const r of state.regionSet().regions) {
        if (r.to_name !== objectName || r.type !== "hypertextlabels") continue;
        const range = rangeFromRegion(r.value);
        if (!range || range[1] <= range[0]) continue;
        spans.push({ id: r.id, a: range[0], b: range[1], color: regions.colorOf(r), label: r.labels.join(", "),
          selected: ui.selected === r.id, hidden: ui.hidden.has(r.id) });
      }
      const sig = JSON.stringify(spans);
      if (sig === drawn) return;
      drawn = sig;
      const live = pristine.cloneNode(true) as DocumentFragment;
      const nodes = textNodes(live);
      spans.sort((x, y) => x.a - y.a || y.b - x.b);
      const lastEl = new Map<string, HTMLElement>();
      let g = 0;
      for (const t0 of nodes) {
        const a0 = g;
        g += t0.data.length;
        // cut the node at every span boundary inside it
        const cuts = new Set<number>();
        for (const s of spans) {
          if (s.a > a0 && s.a < g) cuts.add(s.a - a0);
          if (s.b > a0 && s.b < g) cuts.add(s.b - a0);
        }
        const pieces: Array<[Text, number]> = [];
        let t = t0;
        let done = 0;
        for (const c of [...cuts].sort((x, y) => x - y)) {
          const rest = t.splitText(c - done);
          pieces.push([t, a0 + done]);
          done = c;
          t = rest;
        }
        pieces.push([t, a0 + done]);
        for (const [piece, pa] of pieces) {
          const pb = pa + piece.data.length;
          const covering = spans.filter((s) => s.a <= pa && s.b >= pb && pb > pa);
          if (!covering.length) continue;
          let outer: HTMLElement | null = null;
          let inner: HTMLElement | null = null;
          for (const s of covering) {
            const e = doc.createElement("span");
            e.className = "nbl-region";
            e.setAttribute("data-region-id", s.id);
            e.style.setProperty("--nbl-region-color", s.color);
            if (s.selected) e.classList.add("nbl-selected");
            if (s.hidden) e.classList.add("nbl-region-hidden");
            lastEl.set(s.id, e);
            if (inner) inner.appendChild(e);
            else outer = e;
            inner = e;
          }
          piece.parentNode!.replaceChild(outer!, piece);
          inner!.appendChild(piece);
        }
      }
      for (const s of spans) if (s.label && !s.hidden) lastEl.get(s.id)?.setAttribute("data-label", s.label);
      box.replaceChildren(live);
    },
    destroy() {
      unregister();
      unbind();
    },
  };
}
