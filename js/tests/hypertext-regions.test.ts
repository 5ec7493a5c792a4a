// HyperTextLabels: spans over sanitized HTML with Label Studio's XPath + offsets + globalOffsets.
import { describe, expect, it } from "vitest";
import type { ResultItem, Spec, SpecNode } from "../src/protocol";
import { resolveXPath, xpathOf } from "../src/regions/htmlobject";
import { FakeModel, traits } from "./fake-model";
import { frame, press, useFrames, useMounted } from "./helpers";

function n(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}

const SPEC: Spec = {
  version: 1,
  root: n("View", "visual", {}, [
    n("HyperTextLabels", "control", { name: "ner", toName: "html" }, [n("Label", "label", { value: "ORG", background: "green" })]),
    n("HyperText", "object", { name: "html", value: "$html" }),
  ]),
  objects: { html: { tag: "HyperText", name: "html", value: "$html", vars: ["html"] } },
  controls: { ner: { tag: "HyperTextLabels", name: "ner", toName: ["html"], type: "hypertextlabels", labels: ["ORG"] } },
  variables: ["html"],
  hotkeys: { "1": { control: "ner", value: "ORG", action: "select" } },
  unsupported: [],
};

const HTML = '<p>Hello <b>w\u00f6rld</b> \u{1F600} inc</p><p onclick="x()">second \u5317\u4eac<script>alert(1)</script></p>';

describe("HyperText spans", () => {
  useFrames();
  const mount = useMounted();

  const setup = (annotation: ResultItem[] | null = null) => {
    const t = traits({ spec: SPEC, settings: { auto_advance: false, prefetch: 10, annotator: "t" } });
    t.window = { from: 0, to: 1, tasks: [{ pos: 0, id: 1, data: { html: HTML }, annotation: annotation ? { result: annotation, was_cancelled: false } : null, predictions: [] }] };
    t.total = 1;
    return mount({}, new FakeModel(t));
  };

  it("xpaths name text nodes like Label Studio and resolve back", () => {
    const box = document.createElement("div");
    box.innerHTML = "<div><p>a<b>b</b>c</p><p>d</p></div>";
    const c = box.querySelector("p")!.lastChild!;
    expect(xpathOf(c, box)).toBe("/div[1]/p[1]/text()[2]");
    expect(resolveXPath("/div[1]/p[2]/text()[1]", box)!.textContent).toBe("d");
  });

  it("a selection across elements becomes start/end XPaths, offsets and code point globalOffsets", () => {
    const m = setup();
    const box = m.root.querySelector<HTMLElement>('[data-nbl-object="html"]')!;
    expect(box.querySelector("script")).toBeNull();
    expect(box.querySelector("[onclick]")).toBeNull();
    const b = box.querySelector("b")!.firstChild as Text; // "wörld"
    const p2 = box.querySelectorAll("p")[1].firstChild as Text; // "second 北京"
    const range = document.createRange();
    range.setStart(b, 1);
    range.setEnd(p2, 6);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(range);
    press(m.root, "1");
    frame();
    const [item] = m.model.sentOf("save").pop()!.result;
    const rendered = "Hello w\u00f6rld \u{1F600} incsecond \u5317\u4eac";
    const cps = Array.from(rendered);
    const gs = cps.indexOf("\u00f6");
    expect(item.type).toBe("hypertextlabels");
    expect(item.value).toEqual({
      start: "/p[1]/b[1]/text()[1]",
      startOffset: 1,
      end: "/p[2]/text()[1]",
      endOffset: 6,
      globalOffsets: { start: gs, end: gs + Array.from("\u00f6rld \u{1F600} incsecond").length },
      text: "\u00f6rld \u{1F600} incsecond",
      hypertextlabels: ["ORG"],
    });
    // the span is drawn over both paragraphs
    const els = [...box.querySelectorAll(`[data-region-id="${item.id}"]`)];
    expect(els.map((e) => e.textContent).join("")).toBe("\u00f6rld \u{1F600} incsecond");
    expect(box.textContent).toBe(rendered);
  });

  it("a region without globalOffsets (made elsewhere) is placed from its XPaths", () => {
    const m = setup([{ id: "x1", from_name: "ner", to_name: "html", type: "hypertextlabels",
      value: { start: "/p[2]/text()[1]", startOffset: 7, end: "/p[2]/text()[1]", endOffset: 9, text: "\u5317\u4eac", hypertextlabels: ["ORG"] } }]);
    const el = m.root.querySelector('[data-nbl-object="html"] [data-region-id="x1"]')!;
    expect(el.textContent).toBe("\u5317\u4eac");
  });
});
