// Span rendering inside one text element, incremental. The text is cut into blocks: plain
// text runs and clusters (maximal groups of overlapping spans). A cluster is rendered as
// nested `<span class="nbl-region" data-region-id>` elements (an overlapped stretch sits
// inside every span covering it), so each region element carries its id and the text
// stays one contiguous run for the browser's selection. An update re-renders only the
// blocks that differ from the previous render (a span added among 500 touches one block).
// All offsets here are UTF-16 (DOM) offsets; the caller converts to code points.

export interface SpanSpec {
  /** Region id ("" for the keyboard selection, which is no region). */
  id: string;
  start: number;
  end: number;
  color: string;
  label: string;
  hidden: boolean;
  selected: boolean;
  kbd?: boolean;
}

interface Block {
  start: number;
  end: number;
  key: string;
  spans: SpanSpec[] | null;
  node?: Node;
}

function sig(s: SpanSpec): string {
  return `${s.id}:${s.start}:${s.end}:${s.color}:${s.label}:${s.hidden ? 1 : 0}${s.selected ? 1 : 0}${s.kbd ? 1 : 0}`;
}

function order(a: SpanSpec, b: SpanSpec): number {
  return a.start - b.start || b.end - a.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Cut [0, len) into text runs and clusters of overlapping spans. */
export function computeBlocks(len: number, spans: SpanSpec[]): Block[] {
  const sorted = spans
    .map((s) => ({ ...s, start: Math.max(0, Math.min(len, s.start)), end: Math.max(0, Math.min(len, s.end)) }))
    .filter((s) => s.end > s.start)
    .sort(order);
  const blocks: Block[] = [];
  let pos = 0;
  let i = 0;
  while (i < sorted.length) {
    const cs = sorted[i].start;
    let ce = sorted[i].end;
    const members = [sorted[i]];
    i++;
    while (i < sorted.length && sorted[i].start < ce) {
      ce = Math.max(ce, sorted[i].end);
      members.push(sorted[i]);
      i++;
    }
    if (cs > pos) blocks.push({ start: pos, end: cs, key: `t${pos}:${cs}`, spans: null });
    blocks.push({ start: cs, end: ce, key: `c${cs}:${ce}|${members.map(sig).join("|")}`, spans: members });
    pos = ce;
  }
  if (pos < len || blocks.length === 0) blocks.push({ start: pos, end: len, key: `t${pos}:${len}`, spans: null });
  return blocks;
}

function spanElement(doc: Document, s: SpanSpec): HTMLElement {
  const e = doc.createElement("span");
  if (s.kbd) {
    e.className = "nbl-kbd-selection";
    e.setAttribute("data-kbd-selection", "true");
    return e;
  }
  e.className = "nbl-region";
  e.setAttribute("data-region-id", s.id);
  if (s.color) e.style.setProperty("--nbl-region-color", s.color);
  if (s.selected) e.classList.add("nbl-selected");
  if (s.hidden) e.classList.add("nbl-region-hidden");
  return e;
}

function renderCluster(doc: Document, text: string, b: Block): HTMLElement {
  const root = doc.createElement("span");
  root.className = "nbl-cluster";
  const members = b.spans ?? [];
  const cuts = new Set<number>();
  for (const s of members) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const points = [...cuts].sort((x, y) => x - y);
  const stack: Array<{ span: SpanSpec; el: HTMLElement }> = [];
  const last = new Map<SpanSpec, HTMLElement>();
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k];
    const z = points[k + 1];
    const covering = members.filter((s) => s.start <= a && s.end >= z);
    let common = 0;
    while (common < stack.length && common < covering.length && stack[common].span === covering[common]) common++;
    stack.length = common;
    for (let j = common; j < covering.length; j++) {
      const el = spanElement(doc, covering[j]);
      (stack.length ? stack[stack.length - 1].el : root).appendChild(el);
      stack.push({ span: covering[j], el });
    }
    const host = stack.length ? stack[stack.length - 1].el : root;
    host.appendChild(doc.createTextNode(text.slice(a, z)));
    for (const { span, el } of stack) last.set(span, el);
  }
  for (const [span, el] of last) {
    if (!span.kbd && span.label && !span.hidden) el.setAttribute("data-label", span.label);
  }
  return root;
}

/** One text element with spans; `update` re-renders the blocks that changed. */
export class SpanLayer {
  private blocks: Block[] = [];
  private starts = new WeakMap<Node, number>();
  private text = "";

  constructor(readonly container: HTMLElement) {}

  get currentText(): string {
    return this.text;
  }

  update(text: string, spans: SpanSpec[]): void {
    const doc = this.container.ownerDocument;
    const next = computeBlocks(text.length, spans);
    if (text !== this.text) {
      this.text = text;
      this.blocks = [];
      this.container.replaceChildren();
    }
    const old = this.blocks;
    let head = 0;
    while (head < old.length && head < next.length && old[head].key === next[head].key) {
      next[head].node = old[head].node;
      head++;
    }
    let tailOld = old.length - 1;
    let tailNew = next.length - 1;
    while (tailOld >= head && tailNew >= head && old[tailOld].key === next[tailNew].key) {
      next[tailNew].node = old[tailOld].node;
      tailOld--;
      tailNew--;
    }
    const before = tailOld + 1 < old.length ? old[tailOld + 1].node ?? null : null;
    for (let k = head; k <= tailOld; k++) {
      const n = old[k].node;
      if (n && n.parentNode) n.parentNode.removeChild(n);
    }
    const frag = doc.createDocumentFragment();
    for (let k = head; k <= tailNew; k++) {
      const b = next[k];
      b.node = b.spans ? renderCluster(doc, text, b) : doc.createTextNode(text.slice(b.start, b.end));
      this.starts.set(b.node, b.start);
      frag.appendChild(b.node);
    }
    this.container.insertBefore(frag, before);
    this.blocks = next;
  }

  /** The container's child holding `node`. */
  private topLevel(node: Node): Node | null {
    let n: Node | null = node;
    while (n && n.parentNode !== this.container) n = n.parentNode;
    return n;
  }

  /** UTF-16 offset in the text of a DOM point (node, offset) inside the container. */
  pointToOffset(node: Node, offset: number): number {
    if (node.nodeType === 3) {
      const top = this.topLevel(node);
      const base = top ? this.starts.get(top) : undefined;
      if (top && base !== undefined) {
        if (top === node) return base + offset;
        const walker = this.container.ownerDocument.createTreeWalker(top, 4 /* SHOW_TEXT */);
        let sum = base;
        for (let t = walker.nextNode(); t; t = walker.nextNode()) {
          if (t === node) return sum + offset;
          sum += (t as Text).data.length;
        }
      }
    }
    // An element boundary (rare: triple click, select-all): measure with a range.
    const r = this.container.ownerDocument.createRange();
    r.setStart(this.container, 0);
    r.setEnd(node, offset);
    return r.toString().length;
  }

  /** UTF-16 [start, end) of a DOM range clipped to the container, or null if outside/empty. */
  rangeToOffsets(range: Range): [number, number] | null {
    const c = this.container;
    if (!range.intersectsNode(c)) return null;
    const inner = c.ownerDocument.createRange();
    inner.selectNodeContents(c);
    const len = this.text.length;
    const start = c.contains(range.startContainer)
      ? this.pointToOffset(range.startContainer, range.startOffset)
      : range.compareBoundaryPoints(0 /* START_TO_START */, inner) <= 0 ? 0 : len;
    const end = c.contains(range.endContainer)
      ? this.pointToOffset(range.endContainer, range.endOffset)
      : range.compareBoundaryPoints(2 /* END_TO_END */, inner) >= 0 ? len : 0;
    return end > start ? [start, end] : null;
  }

  /** The first element of region `id` (to scroll to it). */
  firstElement(id: string): HTMLElement | null {
    return this.container.querySelector(`[data-region-id="${cssEscape(id)}"]`);
  }
}

function cssEscape(s: string): string {
  return s.replace(/["\\]/g, "\\$&");
}
