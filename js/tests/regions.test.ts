// The region layer: code point offsets, span rendering, region edits, and NER labeling
// through the widget (mouse-style DOM selections and the keyboard path).
import { describe, expect, it } from "vitest";
import type { ResultItem, Spec, SpecNode } from "../src/protocol";
import { CodePointIndex, expandToWords } from "../src/regions/offsets";
import { CHUNK_SIZE, CHUNK_THRESHOLD, SpanLayer, chunkCuts, type SpanSpec } from "../src/regions/spans";
import { addRelation, deleteRegion, parseRegions, setPerRegionValue } from "../src/regions/model";
import { frame, press, useFrames, useMounted } from "./helpers";
import { FakeModel, traits } from "./fake-model";

// A seeded generator: failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  "a", "Z", " ", "\n", "\r\n", "\t", "é", "e\u0301", "\u0915\u094d\u0937", "中", "文字", "한", "\u{1F600}",
  "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}", "\u{1F1EB}\u{1F1F7}", "\u{1F44D}\u{1F3FD}", "\u{10348}", "\ufeff",
  "word", "-", ".", "\u05e9\u05dc\u05d5\u05dd",
];

function randomText(r: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

/** Python's text[start:end] over code points. */
function pySlice(text: string, start: number, end: number): string {
  return Array.from(text).slice(start, end).join("");
}

describe("code point offsets (Label Studio stores Text spans in code points)", () => {
  it("any UTF-16 selection maps to code point offsets whose Python slice is the selected text", () => {
    const r = rng(7);
    for (let round = 0; round < 400; round++) {
      const text = randomText(r, 1 + Math.floor(r() * 40));
      const idx = new CodePointIndex(text);
      expect(idx.length).toBe(Array.from(text).length);
      let a = Math.floor(r() * (text.length + 1));
      let b = Math.floor(r() * (text.length + 1));
      if (a > b) [a, b] = [b, a];
      const start = idx.toCodePoint(a, "floor");
      const end = idx.toCodePoint(b, "ceil");
      const got = idx.slice(start, end);
      expect(got).toBe(pySlice(text, start, end));
      // the span covers what was selected, widened at most to whole code points
      const u0 = idx.toUtf16(start);
      const u1 = idx.toUtf16(end);
      expect(u0).toBeLessThanOrEqual(a);
      expect(u1).toBeGreaterThanOrEqual(b);
      expect(a - u0).toBeLessThanOrEqual(1);
      expect(u1 - b).toBeLessThanOrEqual(1);
    }
  });

  it("round-trips every code point boundary, and \\r\\n counts two", () => {
    const text = "a\r\nb\u{1F600}c\u{1F1EB}\u{1F1F7}e\u0301中";
    const idx = new CodePointIndex(text);
    const cps = Array.from(text);
    for (let c = 0; c <= cps.length; c++) {
      expect(idx.toCodePoint(idx.toUtf16(c))).toBe(c);
      expect(text.slice(0, idx.toUtf16(c))).toBe(cps.slice(0, c).join(""));
    }
    expect(idx.slice(1, 3)).toBe("\r\n");
    expect(idx.insidePair(5)).toBe(true);
  });

  it("stays exact and fast on a 200,000-character text", () => {
    const r = rng(11);
    let text = "";
    while (text.length < 200_000) text += randomText(r, 50);
    const t0 = performance.now();
    const idx = new CodePointIndex(text);
    const cps = Array.from(text);
    for (let k = 0; k < 200; k++) {
      const s = Math.floor(r() * cps.length);
      const e = Math.min(cps.length, s + Math.floor(r() * 30));
      expect(idx.slice(s, e)).toBe(cps.slice(s, e).join(""));
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("granularity=word widens to whole words and trims spaces", () => {
    const text = "Hello wonderful wörld";
    const [a, b] = expandToWords(text, 8, 18)!;
    expect(text.slice(a, b)).toBe("wonderful wörld");
    expect(expandToWords(text, 5, 6)).toBeNull();
  });
});

describe("span layer (nested spans, incremental)", () => {
  const spansOf = (r: () => number, len: number, n: number): SpanSpec[] =>
    Array.from({ length: n }, (_, i) => {
      const a = Math.floor(r() * len);
      const b = Math.min(len, a + 1 + Math.floor(r() * 12));
      return { id: `r${i}`, start: a, end: b, color: "#f00", label: "X", hidden: false, selected: false };
    });

  it("keeps the text intact, gives each region its exact text, and maps DOM points back to offsets", () => {
    const r = rng(3);
    for (let round = 0; round < 30; round++) {
      const text = "The quick brown fox jumps over the lazy dog; 中文 and \u{1F600}.".repeat(2);
      const box = document.createElement("div");
      document.body.appendChild(box);
      const layer = new SpanLayer(box);
      let spans = spansOf(r, text.length, 6);
      layer.update(text, spans);
      // incremental updates (add / remove a span) equal a fresh render
      for (let step = 0; step < 5; step++) {
        if (r() < 0.5 && spans.length) spans = spans.slice(1);
        else spans = [...spans, ...spansOf(r, text.length, 1).map((s) => ({ ...s, id: `n${round}-${step}` }))];
        layer.update(text, spans);
        const fresh = document.createElement("div");
        new SpanLayer(fresh).update(text, spans);
        expect(box.innerHTML).toBe(fresh.innerHTML);
      }
      expect(box.textContent).toBe(text);
      for (const s of spans) {
        const els = [...box.querySelectorAll(`[data-region-id="${s.id}"]`)];
        expect(els.length).toBeGreaterThan(0);
        // the outermost elements of a region, in order, hold exactly its text
        const outer = els.filter((e) => !els.some((o) => o !== e && o.contains(e)));
        expect(outer.map((e) => e.textContent).join("")).toBe(text.slice(s.start, s.end));
      }
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      let sum = 0;
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        expect(layer.pointToOffset(t, 0)).toBe(sum);
        sum += (t as Text).data.length;
      }
      box.remove();
    }
  });
});

describe("span layer on a long text (chunks)", () => {
  // a long text with line breaks (CRLF too) and astral characters: cut into chunks
  const line = (i: number) => `Line ${i}: Ann met Bob in 北京 \u{1F600} and walked to Paris.${i % 3 ? "\r\n" : "\n"}`;
  const text = Array.from({ length: 900 }, (_, i) => line(i)).join("");
  const spans = (ids: string[], at: (i: number) => [number, number]): SpanSpec[] =>
    ids.map((id, i) => ({ id, start: at(i)[0], end: at(i)[1], color: "#f00", label: "X", hidden: false, selected: false }));

  it("cuts just after line breaks, keeps the text whole, and updates only the changed chunk", () => {
    expect(text.length).toBeGreaterThan(CHUNK_THRESHOLD);
    const cuts = chunkCuts(text);
    expect(cuts.length).toBeGreaterThan(5);
    for (const c of cuts) expect(text[c - 1]).toBe("\n");
    expect(chunkCuts("short\ntext")).toEqual([]);
    const box = document.createElement("div");
    const layer = new SpanLayer(box);
    const base = spans(["a", "b", "c"], (i) => [100 + i * 9000, 110 + i * 9000]);
    layer.update(text, base);
    const chunks = [...box.children].filter((e) => e.classList.contains("nbl-text-chunk"));
    expect(chunks.length).toBe(box.childNodes.length);
    expect(chunks.length).toBe(cuts.length + 1);
    expect(box.textContent).toBe(text);
    // a new span touches one chunk: every other chunk element (and its nodes) stays
    const nodes = chunks.map((c) => [...c.childNodes]);
    layer.update(text, [...base, ...spans(["n"], () => [CHUNK_SIZE * 3 + 20, CHUNK_SIZE * 3 + 30])]);
    const after = [...box.children];
    expect(after).toEqual(chunks);
    const same = (c: Element, i: number) => c.childNodes.length === nodes[i].length && nodes[i].every((n, j) => c.childNodes[j] === n);
    expect(after.filter((c, i) => !same(c, i)).length).toBe(1);
    expect(box.querySelector('[data-region-id="n"]')!.textContent).toBe(text.slice(CHUNK_SIZE * 3 + 20, CHUNK_SIZE * 3 + 30));
  });

  it("drops a cut while a span crosses it, and equals a fresh render after each change", () => {
    const cut = chunkCuts(text)[2];
    const box = document.createElement("div");
    const layer = new SpanLayer(box);
    const steps: SpanSpec[][] = [
      spans(["a"], () => [50, 60]),
      spans(["a", "x"], (i) => (i ? [cut - 5, cut + 5] : [50, 60])), // crosses the cut
      spans(["a", "x", "y"], (i) => [[50, 60], [cut - 5, cut + 5], [cut + 2, cut + 40]][i] as [number, number]),
      spans(["a"], () => [50, 60]),
    ];
    for (const s of steps) {
      layer.update(text, s);
      const fresh = document.createElement("div");
      new SpanLayer(fresh).update(text, s);
      expect(box.innerHTML).toBe(fresh.innerHTML);
      expect(box.textContent).toBe(text);
      for (const sp of s) {
        const els = [...box.querySelectorAll(`[data-region-id="${sp.id}"]`)];
        const outer = els.filter((e) => !els.some((o) => o !== e && o.contains(e)));
        expect(outer.map((e) => e.textContent).join("")).toBe(text.slice(sp.start, sp.end));
      }
    }
    layer.update(text, steps[1]);
    expect(box.children.length).toBe(chunkCuts(text).length); // one cut dropped
    // every DOM point maps back to its offset, across chunks
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let sum = 0;
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      expect(layer.pointToOffset(t, 1)).toBe(sum + 1);
      sum += (t as Text).data.length;
    }
    expect(sum).toBe(text.length);
    const r = document.createRange();
    r.setStart(box, 1);
    r.setEnd(box, 3);
    expect(layer.rangeToOffsets(r)).toEqual([box.children[0].textContent!.length, box.children[0].textContent!.length + box.children[1].textContent!.length + box.children[2].textContent!.length]);
  });
});

describe("region model", () => {
  const span = (id: string, start: number, end: number, label = "PER"): ResultItem => ({
    id, from_name: "label", to_name: "text", type: "labels", value: { start, end, text: "x", labels: [label] },
  });

  it("groups per-region items by id, drops relations to missing regions, deletes with relations", () => {
    let result: ResultItem[] = [span("a", 0, 1), span("b", 2, 3)];
    const set0 = parseRegions(result);
    result = setPerRegionValue(result, set0.byId.get("a")!, { name: "note", type: "textarea" }, { text: ["hi"] });
    result = addRelation(result, "a", "b");
    const set = parseRegions(result);
    expect(set.regions.map((r) => r.id)).toEqual(["a", "b"]);
    // the region's geometry is copied; the TextArea's own `text` list wins over the span text (as in Label Studio)
    expect(set.byId.get("a")!.extras).toEqual([
      { id: "a", from_name: "note", to_name: "text", type: "textarea", value: { start: 0, end: 1, text: ["hi"] }, origin: "manual" },
    ]);
    expect(set.relations).toEqual([{ type: "relation", from_id: "a", to_id: "b", direction: "right" }]);
    const after = deleteRegion(result, "a");
    expect(after).toEqual([span("b", 2, 3)]);
  });
});

// ---- through the widget ---------------------------------------------------------------

function n(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}

function nerSpec(opts: { choice?: string; granularity?: string; maxUsages?: number; perMax?: number } = {}): Spec {
  const la: Record<string, unknown> = { name: "label", toName: "text", choice: opts.choice ?? "single" };
  if (opts.granularity) la.granularity = opts.granularity;
  if (opts.maxUsages) la.maxUsages = opts.maxUsages;
  const labels = n("Labels", "control", la, [
    n("Label", "label", { value: "PER", background: "red", ...(opts.perMax ? { maxUsages: opts.perMax } : {}) }),
    n("Label", "label", { value: "LOC", background: "blue" }),
  ]);
  return {
    version: 1,
    root: n("View", "visual", {}, [
      labels,
      n("Text", "object", { name: "text", value: "$review" }),
      n("Relations", "control", {}, [n("Relation", "label", { value: "lives_in" })]),
      n("TextArea", "control", { name: "note", toName: "text", perRegion: true }),
      n("View", "visual", { visibleWhen: "region-selected", whenLabelValue: "LOC" }, [n("Header", "visual", { value: "a place" })]),
      n("View", "visual", { visibleWhen: "no-region-selected" }, [n("Header", "visual", { value: "pick a span" })]),
    ]),
    objects: { text: { tag: "Text", name: "text", value: "$review", vars: ["review"] } },
    controls: {
      label: { tag: "Labels", name: "label", toName: ["text"], type: "labels", choice: opts.choice ?? "single", labels: ["PER", "LOC"] },
      note: { tag: "TextArea", name: "note", toName: ["text"], type: "textarea", perRegion: true },
    },
    variables: ["review"],
    hotkeys: { "1": { control: "label", value: "PER", action: "select" }, "2": { control: "label", value: "LOC", action: "select" } },
    unsupported: [],
  };
}

const TEXT = "Ann 😀 lives in 北京 now";

describe("NER labeling in the widget", () => {
  useFrames();
  const mount = useMounted();

  const setup = (spec = nerSpec()) => {
    const t = traits({ spec, settings: { auto_advance: true, prefetch: 10, annotator: "t" } });
    t.window = { from: 0, to: 2, tasks: [0, 1].map((pos) => ({ pos, id: pos + 1, data: { review: TEXT }, annotation: null, predictions: [] })) };
    t.total = 2;
    return mount({}, new FakeModel(t));
  };

  const selectText = (root: HTMLElement, from: number, to: number) => {
    const body = root.querySelector<HTMLElement>('[data-nbl-object="text"]')!;
    // find DOM points for UTF-16 offsets
    const point = (off: number): [Node, number] => {
      const w = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      let sum = 0;
      for (let t = w.nextNode(); t; t = w.nextNode()) {
        const len = (t as Text).data.length;
        if (off <= sum + len) return [t, off - sum];
        sum += len;
      }
      throw new Error("offset out of the text");
    };
    const range = document.createRange();
    range.setStart(...point(from));
    range.setEnd(...point(to));
    const sel = document.getSelection()!;
    sel.removeAllRanges();
    sel.addRange(range);
    body.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  };

  const lastResult = (m: ReturnType<typeof setup>): ResultItem[] => {
    frame();
    const saves = m.model.sentOf("save");
    return saves[saves.length - 1]?.result ?? [];
  };

  it("a label key then a selection makes a span with code point offsets; overlap, relabel, delete, undo", () => {
    const m = setup();
    press(m.root, "1"); // PER active
    const u = TEXT.indexOf("北京");
    selectText(m.root, u, u + 2);
    let result = lastResult(m);
    expect(result).toHaveLength(1);
    const v = result[0].value as { start: number; end: number; text: string; labels: string[] };
    expect(v).toEqual({ start: Array.from(TEXT.slice(0, u)).length, end: Array.from(TEXT.slice(0, u)).length + 2, text: "北京", labels: ["PER"] });
    expect(pySlice(TEXT, v.start, v.end)).toBe("北京");
    expect(m.root.querySelector(`[data-region-id="${result[0].id}"]`)!.textContent).toBe("北京");
    // an overlapping span "in 北" with the keyboard-less path: select, then press LOC
    press(m.root, "Escape"); // unselect the new region
    press(m.root, "Escape"); // drop the active label
    selectText(m.root, TEXT.indexOf("in"), u + 1);
    press(m.root, "2");
    result = lastResult(m);
    expect(result.map((r) => (r.value as { text: string }).text)).toEqual(["北京", "in 北"]);
    expect(result[1].value.labels).toEqual(["LOC"]);
    // the new span is selected: a label key changes its label
    press(m.root, "1");
    result = lastResult(m);
    expect(result[1].value.labels).toEqual(["PER"]);
    // Backspace deletes it, Ctrl+Z brings it back
    press(m.root, "Backspace");
    result = lastResult(m);
    expect(result).toHaveLength(1);
    press(m.root, "z", { ctrl: true });
    result = lastResult(m);
    expect(result).toHaveLength(2);
    expect(m.root.querySelectorAll(".nbl-region-item")).toHaveLength(2);
  });

  it("the keyboard path: Shift+→ selects a word, → moves, a label key labels it and moves on", () => {
    const m = setup();
    press(m.root, "ArrowRight", { shift: true }); // "Ann"
    press(m.root, "2");
    press(m.root, "ArrowRight"); // from "😀" (now selected after labeling) to "lives"
    press(m.root, "ArrowRight", { shift: true }); // "lives in"
    press(m.root, "1");
    const result = lastResult(m);
    expect(result.map((r) => [r.value.text, r.value.labels])).toEqual([
      ["Ann", ["LOC"]],
      ["lives in", ["PER"]],
    ]);
    for (const r of result) expect(pySlice(TEXT, r.value.start as number, r.value.end as number)).toBe(r.value.text);
    expect(Number(m.root.getAttribute("data-pos"))).toBe(0); // arrows moved the selection, not the item
  });

  it("a per-region TextArea writes an item sharing the region id; relations link two regions", () => {
    const m = setup();
    press(m.root, "ArrowRight", { shift: true });
    press(m.root, "1"); // "Ann" PER, selected; the keyboard selection moved to "😀"
    press(m.root, "Escape"); // drop the keyboard selection
    const box = m.root.querySelector<HTMLElement>('[data-nbl-perregion="note"]')!;
    expect(box.hidden).toBe(false);
    const input = box.querySelector<HTMLInputElement | HTMLTextAreaElement>("input, textarea")!;
    input.value = "a person";
    press(input, "Enter", { ctrl: true });
    let result = lastResult(m);
    const ann = result.find((r) => r.type === "labels")!;
    const note = result.find((r) => r.from_name === "note")!;
    expect(note.id).toBe(ann.id);
    expect(note.value).toEqual({ start: 0, end: 3, text: ["a person"] });
    expect(Number(m.root.getAttribute("data-pos"))).toBe(0); // a per-region commit does not move on
    // a second span, then Alt+R on it and a click on "Ann": a relation
    const u = TEXT.indexOf("北京");
    selectText(m.root, u, u + 2);
    press(m.root, "2");
    const loc = lastResult(m).find((r) => r.value.text === "北京")!;
    expect(box.hidden).toBe(false);
    expect(input.value).toBe(""); // the new region has no note
    press(m.root, "r", { alt: true, code: "KeyR" });
    m.root.querySelector<HTMLElement>(`.nbl-object [data-region-id="${ann.id}"]`)!.click();
    result = lastResult(m);
    expect(result.filter((r) => r.type === "relation")).toEqual([{ type: "relation", from_id: loc.id, to_id: ann.id, direction: "right" }]);
    // its label and direction are edited in the relation row, and it can be deleted
    const row = m.root.querySelector<HTMLElement>(".nbl-relation")!;
    row.querySelector<HTMLElement>('.nbl-relation-label[data-value="lives_in"]')!.click();
    row.querySelector<HTMLElement>(".nbl-relation-direction")!.click();
    result = lastResult(m);
    expect(result.filter((r) => r.type === "relation")).toEqual([
      { type: "relation", from_id: loc.id, to_id: ann.id, direction: "left", labels: ["lives_in"] },
    ]);
    m.root.querySelector<HTMLElement>(".nbl-relation .nbl-relation-delete")!.click();
    expect(lastResult(m).filter((r) => r.type === "relation")).toEqual([]);
    // clicking nothing unselects: the per-region box hides
    press(m.root, "Escape");
    expect(box.hidden).toBe(true);
  });

  it("granularity=word widens a partial drag to whole words; maxUsages stops a second use; colours come from background", () => {
    const m = setup(nerSpec({ granularity: "word", perMax: 1 }));
    press(m.root, "1");
    selectText(m.root, 1, 2); // "n" of Ann
    let result = lastResult(m);
    expect(result.map((r) => r.value.text)).toEqual(["Ann"]);
    const el = m.root.querySelector<HTMLElement>(`[data-region-id="${result[0].id}"]`)!;
    expect(el.style.getPropertyValue("--nbl-region-color")).toBe("red");
    press(m.root, "Escape"); // unselect; PER stays active
    selectText(m.root, TEXT.indexOf("lives"), TEXT.indexOf("lives") + 2);
    result = lastResult(m);
    expect(result).toHaveLength(1); // PER has maxUsages=1
    expect(m.root.querySelector(".nbl-notice")!.textContent).toContain("maxUsages");
  });

  it('choice="multiple" toggles labels on the selected span; visibleWhen follows the selection', () => {
    const m = setup(nerSpec({ choice: "multiple" }));
    const headers = () => [...m.root.querySelectorAll<HTMLElement>(".nbl-header, h1, h2, h3, h4, h5, h6")].filter((h) => !h.closest("[hidden]")).map((h) => h.textContent);
    expect(headers()).toEqual(["pick a span"]);
    press(m.root, "ArrowRight", { shift: true });
    press(m.root, "1");
    press(m.root, "Escape"); // keyboard selection off, the new span stays selected
    expect(headers()).toEqual([]);
    press(m.root, "2");
    let result = lastResult(m);
    expect(result[0].value.labels).toEqual(["PER", "LOC"]);
    expect(headers()).toEqual(["a place"]);
    press(m.root, "1");
    result = lastResult(m);
    expect(result[0].value.labels).toEqual(["LOC"]);
    // hide from the region list: the span loses its highlight, the result is unchanged
    m.root.querySelector<HTMLElement>(".nbl-region-item .nbl-region-hide")!.click();
    expect(m.root.querySelector(`.nbl-object [data-region-id="${result[0].id}"]`)!.classList.contains("nbl-region-hidden")).toBe(true);
    // moving to the next item drops the selection
    press(m.root, "j");
    expect(headers()).toEqual(["pick a span"]);
  });

  it("a per-region Choices hotkey labels the selected span and stays on the item; choice-selected shows a View", () => {
    const spec = nerSpec();
    spec.root.children.push(
      n("Choices", "control", { name: "kind", toName: "text", perRegion: true }, [n("Choice", "label", { value: "real" }), n("Choice", "label", { value: "fictional" })]),
      n("View", "visual", { visibleWhen: "choice-selected", whenTagName: "kind", whenChoiceValue: "fictional" }, [n("Header", "visual", { value: "which story?" })]),
    );
    spec.controls.kind = { tag: "Choices", name: "kind", toName: ["text"], type: "choices", choice: "single", labels: ["real", "fictional"], perRegion: true };
    spec.hotkeys["3"] = { control: "kind", value: "real", action: "select" };
    spec.hotkeys["4"] = { control: "kind", value: "fictional", action: "select" };
    const m = setup(spec);
    const story = () => [...m.root.querySelectorAll<HTMLElement>("h1, h2, h3, h4, h5, h6")].filter((h) => !h.closest("[hidden]")).map((h) => h.textContent);
    press(m.root, "4"); // no span selected: nothing to attach it to
    expect(lastResult(m)).toEqual([]);
    press(m.root, "ArrowRight", { shift: true });
    press(m.root, "1"); // "Ann" PER, selected
    press(m.root, "Escape");
    press(m.root, "4");
    const result = lastResult(m);
    const span = result.find((r) => r.type === "labels")!;
    expect(result.find((r) => r.from_name === "kind")).toEqual({
      id: span.id, from_name: "kind", to_name: "text", type: "choices", value: { start: 0, end: 3, text: "Ann", choices: ["fictional"] }, origin: "manual",
    });
    expect(Number(m.root.getAttribute("data-pos"))).toBe(0); // auto-advance does not apply per region
    expect(story()).toContain("which story?");
    // the choice buttons show the selected span's value only
    expect(m.root.querySelector('[data-nbl-control="kind"] button[data-value="fictional"]')!.getAttribute("aria-pressed")).toBe("true");
    press(m.root, "Escape"); // unselect: the per-region Choices hide
    expect(m.root.querySelector<HTMLElement>('[data-nbl-perregion="kind"]')!.hidden).toBe(true);
  });

  it("accepting a model suggestion with spans keeps every span (and its id) and the relation", () => {
    const t = traits({ spec: nerSpec(), settings: { auto_advance: true, prefetch: 10, annotator: "t" } });
    const pred = [
      { id: "p1", from_name: "label", to_name: "text", type: "labels", value: { start: 0, end: 3, text: "Ann", labels: ["PER"] } },
      { id: "p2", from_name: "label", to_name: "text", type: "labels", value: { start: 15, end: 17, text: "北京", labels: ["LOC"] } },
      { type: "relation", from_id: "p1", to_id: "p2", direction: "right" },
    ] as unknown as ResultItem[];
    t.window = { from: 0, to: 2, tasks: [0, 1].map((pos) => ({ pos, id: pos + 1, data: { review: TEXT }, annotation: null, predictions: pos ? [] : [{ result: pred, score: 0.9 }] })) };
    t.total = 2;
    const m = mount({}, new FakeModel(t));
    // before accepting, the suggested spans show dashed, with no region id (they are no regions yet)
    const shown = [...m.root.querySelectorAll<HTMLElement>('[data-nbl-object="text"] [data-predicted-id]')];
    expect(shown.map((e) => e.textContent)).toEqual(["Ann", "北京"]);
    expect(m.root.querySelectorAll('[data-nbl-object="text"] [data-region-id]')).toHaveLength(0);
    press(m.root, "r");
    const result = lastResult(m);
    expect(result.map((r) => [r.id, r.type])).toEqual([["p1", "labels"], ["p2", "labels"], [undefined, "relation"]]);
    expect(m.root.querySelectorAll(".nbl-region-item")).toHaveLength(2);
    expect(m.root.querySelectorAll('[data-nbl-object="text"] [data-predicted-id]')).toHaveLength(0);
    expect(Number(m.root.getAttribute("data-pos"))).toBe(0); // spans are reviewed on the item
  });
});
