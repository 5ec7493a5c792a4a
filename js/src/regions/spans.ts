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
  /** A model's suggested span (not a region of the annotation): drawn dashed, no region id. */
  predicted?: boolean;
}

interface Block {
  start: number;
  end: number;
  key: string;
  spans: SpanSpec[] | null;
  node?: Node;
}

function sig(s: SpanSpec): string {
  return `${s.id}:${s.start}:${s.end}:${s.color}:${s.label}:${s.hidden ? 1 : 0}${s.selected ? 1 : 0}${s.kbd ? 1 : 0}${s.predicted ? 1 : 0}`;
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
  if (s.predicted) {
    e.className = "nbl-predicted-span";
    e.setAttribute("data-predicted-id", s.id);
    e.title = `suggested: ${s.label}`;
    if (s.color) e.style.setProperty("--nbl-region-color", s.color);
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

/** Blocks of one run of text inside one element; `update` re-renders the blocks that changed. */
class BlockRun {
  private blocks: Block[] = [];
  private starts = new WeakMap<Node, number>();
  private text = "";

  constructor(readonly container: HTMLElement) {}

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

  /** UTF-16 offset in this run's text of a DOM point (node, offset) inside the container. */
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
}

/** Texts longer than this are cut into chunks (see SpanLayer). */
export const CHUNK_THRESHOLD = 20_000;
/** A chunk ends at the first line break at least this many UTF-16 units after its start. */
export const CHUNK_SIZE = 4_000;

interface Chunk {
  start: number;
  end: number;
  el: HTMLElement;
  run: BlockRun;
  /** The spans last rendered in it, as one signature (skip unchanged chunks). */
  key: string;
}

/** Fixed cut points of a long text: just after a line break, about every CHUNK_SIZE units. */
export function chunkCuts(text: string): number[] {
  const cuts: number[] = [];
  if (text.length <= CHUNK_THRESHOLD) return cuts;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf("\n", pos + CHUNK_SIZE);
    if (nl < 0 || nl + 1 >= text.length) break;
    pos = nl + 1;
    cuts.push(pos);
  }
  return cuts;
}

/**
 * One text element with spans; `update` re-renders only what changed. A long text is cut,
 * just after line breaks, into block chunks (`.nbl-text-chunk`, `content-visibility: auto`):
 * the browser lays out and paints only the chunks on screen, and a change in one chunk
 * re-lays out that chunk, not the whole text. A cut is dropped while a span crosses it.
 * Cutting after a line break keeps the text's look: a pre-wrap line break ending a block
 * adds no empty line.
 */
export class SpanLayer {
  private text = "";
  private cuts: number[] = [];
  private whole: BlockRun | null = null;
  private chunks: Chunk[] = [];
  private chunkOf = new WeakMap<Node, Chunk>();

  constructor(readonly container: HTMLElement) {}

  get currentText(): string {
    return this.text;
  }

  update(text: string, spans: SpanSpec[]): void {
    if (text !== this.text) {
      this.text = text;
      this.cuts = chunkCuts(text);
      this.whole = null;
      this.chunks = [];
      this.container.replaceChildren();
    }
    if (!this.cuts.length) {
      if (!this.whole) this.whole = new BlockRun(this.container);
      this.whole.update(text, spans);
      return;
    }
    this.updateChunks(text, spans);
  }

  private updateChunks(text: string, spans: SpanSpec[]): void {
    const doc = this.container.ownerDocument;
    const len = text.length;
    const clipped = spans
      .map((s) => ({ ...s, start: Math.max(0, Math.min(len, s.start)), end: Math.max(0, Math.min(len, s.end)) }))
      .filter((s) => s.end > s.start)
      .sort((a, b) => a.start - b.start);
    // chunk boundaries: the fixed cuts no span crosses
    const bounds = [0];
    let si = 0;
    let reach = 0; // the furthest end of the spans starting before the cut
    for (const c of this.cuts) {
      while (si < clipped.length && clipped[si].start < c) reach = Math.max(reach, clipped[si++].end);
      if (reach <= c) bounds.push(c);
    }
    bounds.push(len);
    const old = new Map(this.chunks.map((ch) => [`${ch.start}:${ch.end}`, ch]));
    const next: Chunk[] = [];
    si = 0;
    for (let k = 0; k + 1 < bounds.length; k++) {
      const a = bounds[k];
      const b = bounds[k + 1];
      const mine: SpanSpec[] = [];
      while (si < clipped.length && clipped[si].start < b) {
        const s = clipped[si++];
        mine.push({ ...s, start: s.start - a, end: s.end - a });
      }
      const key = mine.map(sig).join("|");
      let ch = old.get(`${a}:${b}`);
      if (ch) {
        old.delete(`${a}:${b}`);
        if (ch.key !== key) {
          ch.run.update(text.slice(a, b), mine);
          ch.key = key;
        }
      } else {
        const el = doc.createElement("div");
        el.className = "nbl-text-chunk";
        // a size guess for chunks never shown (about 100 characters a line); `auto` keeps the real one
        let lines = 1;
        for (let i = text.indexOf("\n", a); i >= 0 && i < b; i = text.indexOf("\n", i + 1)) lines++;
        el.style.setProperty("contain-intrinsic-block-size", `auto ${((lines + (b - a) / 100) * 1.9).toFixed(1)}em`);
        const run = new BlockRun(el);
        run.update(text.slice(a, b), mine);
        ch = { start: a, end: b, el, run, key };
        this.chunkOf.set(el, ch);
      }
      next.push(ch);
    }
    for (const ch of old.values()) ch.el.remove();
    let prev: ChildNode | null = null;
    for (const ch of next) {
      const want: ChildNode | null = prev ? prev.nextSibling : this.container.firstChild;
      if (want !== ch.el) this.container.insertBefore(ch.el, want);
      prev = ch.el;
    }
    this.chunks = next;
  }

  /** UTF-16 offset in the text of a DOM point (node, offset) inside the container. */
  pointToOffset(node: Node, offset: number): number {
    if (this.whole || !this.chunks.length) return (this.whole ?? new BlockRun(this.container)).pointToOffset(node, offset);
    let n: Node | null = node;
    while (n && n.parentNode !== this.container) n = n.parentNode;
    const ch = n ? this.chunkOf.get(n) : undefined;
    if (ch) return ch.start + ch.run.pointToOffset(node, offset);
    // a boundary between chunks: measure with a range
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
