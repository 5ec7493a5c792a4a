// ParagraphLabels on the Paragraphs renderer (tags/dialogue): spans over its DOM contract (`.nbl-paragraph[data-index]` >
// `.nbl-paragraph-text`), paragraph-index start/end and code point offsets inside paragraphs.
import { describe, expect, it } from "vitest";
import type { Spec, SpecNode } from "../src/protocol";
import { FakeModel, traits } from "./fake-model";
import { frame, press, useFrames, useMounted } from "./helpers";

function n(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}

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
