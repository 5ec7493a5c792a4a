// ParagraphLabels: spans over the Paragraphs DOM contract (`.nbl-paragraph[data-index]` >
// `.nbl-paragraph-text`), paragraph-index start/end and code point offsets inside paragraphs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spec, SpecNode } from "../src/protocol";
import { RENDERERS } from "../src/tags/registry";
import type { TagRenderer } from "../src/tags/context";
import { FakeModel, traits } from "./fake-model";
import { frame, press, useFrames, useMounted } from "./helpers";

function n(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}

// A stand-in with the Paragraphs renderer's DOM contract (the real one lives in tags/dialogue).
const fakeParagraphs: TagRenderer = (node, ctx) => {
  const box = ctx.doc.createElement("div");
  box.setAttribute("data-nbl-object", String(node.attrs.name));
  ctx.onTask((t) => {
    const list = t.entry.data.dialogue as Array<{ author: string; text: string }>;
    box.replaceChildren(...list.map((p, i) => {
      const row = ctx.doc.createElement("div");
      row.className = "nbl-paragraph";
      row.setAttribute("data-index", String(i));
      const a = ctx.doc.createElement("span");
      a.className = "nbl-paragraph-author";
      a.textContent = p.author;
      const tx = ctx.doc.createElement("span");
      tx.className = "nbl-paragraph-text";
      tx.textContent = p.text;
      row.append(a, tx);
      return row;
    }));
  });
  return box;
};

const SPEC: Spec = {
  version: 1,
  root: n("View", "visual", {}, [
    n("ParagraphLabels", "control", { name: "intent", toName: "dialogue" }, [n("Label", "label", { value: "ask" })]),
    n("Paragraphs", "object", { name: "dialogue", value: "$dialogue", layout: "dialogue" }),
  ]),
  objects: { dialogue: { tag: "Paragraphs", name: "dialogue", value: "$dialogue", vars: ["dialogue"] } },
  controls: { intent: { tag: "ParagraphLabels", name: "intent", toName: ["dialogue"], type: "paragraphlabels", labels: ["ask"] } },
  variables: ["dialogue"],
  hotkeys: { "1": { control: "intent", value: "ask", action: "select" } },
  unsupported: [],
};

const DIALOGUE = [
  { author: "A", text: "Hi \u{1F600} there" },
  { author: "B", text: "Where is \u5317\u4eac?" },
];

describe("Paragraph spans", () => {
  useFrames();
  const mount = useMounted();
  let saved: TagRenderer | undefined;
  beforeAll(() => {
    saved = RENDERERS.Paragraphs;
    RENDERERS.Paragraphs = fakeParagraphs;
  });
  afterAll(() => {
    if (saved) RENDERERS.Paragraphs = saved;
    else delete RENDERERS.Paragraphs;
  });

  it("a selection across two paragraphs stores paragraph indices and code point offsets", () => {
    const t = traits({ spec: SPEC, settings: { auto_advance: false, prefetch: 10, annotator: "t" } });
    t.window = { from: 0, to: 1, tasks: [{ pos: 0, id: 1, data: { dialogue: DIALOGUE }, annotation: null, predictions: [] }] };
    t.total = 1;
    const m = mount({}, new FakeModel(t));
    const texts = [...m.root.querySelectorAll(".nbl-paragraph-text")].map((e) => e.firstChild as Text);
    const range = document.createRange();
    range.setStart(texts[0], "Hi \u{1F600} ".length); // "there"
    range.setEnd(texts[1], "Where is \u5317\u4eac".length);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(range);
    press(m.root, "1");
    frame();
    const [item] = m.model.sentOf("save").pop()!.result;
    expect(item.value).toEqual({ start: "0", end: "1", startOffset: 5, endOffset: 11, text: "there\nWhere is \u5317\u4eac", paragraphlabels: ["ask"] });
    expect(Array.from(DIALOGUE[0].text).slice(5).join("")).toBe("there");
    expect(Array.from(DIALOGUE[1].text).slice(0, 11).join("")).toBe("Where is \u5317\u4eac");
    const els = [...m.root.querySelectorAll(`[data-nbl-object="dialogue"] [data-region-id="${item.id}"]`)];
    expect(els.map((e) => e.textContent)).toEqual(["there", "Where is \u5317\u4eac"]);
    expect(m.root.querySelector('[data-nbl-control="intent"] button[data-value="ask"]')).not.toBeNull();
  });
});
