import { describe, expect, it } from "vitest";
import type { Spec, SpecNode } from "../src/protocol";
import { FakeModel, sentimentSpec, traits } from "./fake-model";
import { attr, frame, press, useFrames, useMounted, type Mounted } from "./helpers";

useFrames();

const mountTracked = useMounted();

function node(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = [], text?: string): SpecNode {
  return { tag, kind, attrs, children, supported: true, ...(text !== undefined ? { text } : {}) };
}

/** Mount with the sentiment spec plus extra nodes/controls/hotkeys. */
function withNodes(
  nodes: SpecNode[],
  controls: Spec["controls"] = {},
  hotkeys: Spec["hotkeys"] = {},
  opts: Parameters<typeof traits>[0] = {},
  data?: Record<string, unknown>,
): Mounted {
  const t = traits(opts);
  const spec = (opts.spec ?? sentimentSpec()) as Spec;
  spec.root.children.push(...nodes);
  Object.assign(spec.controls, controls);
  Object.assign(spec.hotkeys, hotkeys);
  t.spec = spec;
  if (data) for (const e of t.window!.tasks) Object.assign(e.data, data);
  return mountTracked({}, new FakeModel(t));
}

describe("TextArea", () => {
  const ta = (attrs: Record<string, unknown> = {}) =>
    withNodes(
      [node("TextArea", "control", { name: "notes", toName: "text", rows: 1, placeholder: "why?", ...attrs })],
      { notes: { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: false } },
    );

  it("Enter adds an entry and saves {text: [...]}", () => {
    const { root, model } = ta();
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] input')!;
    expect(input.placeholder).toBe("why?");
    input.focus();
    input.value = "first \u4f60\u597d";
    const ev = press(input, "Enter");
    expect(ev.defaultPrevented).toBe(true);
    input.value = "second";
    press(input, "Enter");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(2);
    expect(saves[1].result[0]).toMatchObject({ from_name: "notes", to_name: "text", type: "textarea", value: { text: ["first \u4f60\u597d", "second"] } });
    expect([...root.querySelectorAll(".nbl-entry-text")].map((e) => e.textContent)).toEqual(["first \u4f60\u597d", "second"]);
    expect(input.value).toBe("");
    // remove the first entry
    root.querySelector<HTMLButtonElement>(".nbl-entry-del")!.click();
    frame();
    expect(model.sentOf("save")[2].result[0].value).toEqual({ text: ["second"] });
    expect(attr(root, "pos")).toBe("0");
  });

  it("Ctrl+Enter commits the typed text and moves to the next item", () => {
    const { root, model } = ta();
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] input')!;
    input.focus();
    input.value = "note";
    const ev = press(input, "Enter", { ctrl: true });
    expect(ev.defaultPrevented).toBe(true);
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(attr(root, "pos")).toBe("1");
    expect(input.value).toBe("");
    expect(document.activeElement).toBe(root);
  });

  it("maxSubmissions hides the input once reached; empty text is not added", () => {
    const { root, model } = ta({ maxSubmissions: 1 });
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] input')!;
    input.value = "   ";
    press(input, "Enter");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    input.value = "only one";
    press(input, "Enter");
    expect(root.querySelector<HTMLElement>(".nbl-textarea-input")!.hidden).toBe(true);
  });

  it("editable entries can be changed in place", () => {
    const { root, model } = ta({ editable: true });
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] .nbl-textarea-input input')!;
    input.value = "draft";
    press(input, "Enter");
    const edit = root.querySelector<HTMLInputElement>(".nbl-entry-edit")!;
    edit.value = "final";
    edit.dispatchEvent(new Event("change", { bubbles: true }));
    frame();
    expect(model.sentOf("save")[1].result[0].value).toEqual({ text: ["final"] });
  });

  it("rows > 1 uses a textarea where Enter is a newline", () => {
    const { root, model } = ta({ rows: 3 });
    const area = root.querySelector<HTMLTextAreaElement>('[data-nbl-control="notes"] textarea')!;
    expect(area.getAttribute("rows")).toBe("3");
    area.value = "line";
    const ev = press(area, "Enter");
    expect(ev.defaultPrevented).toBe(false);
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    root.querySelector<HTMLButtonElement>(".nbl-add")!.click();
    frame();
    expect(model.sentOf("save")[0].result[0].value).toEqual({ text: ["line"] });
  });
});

describe("Rating", () => {
  const rating = (hotkeys: Spec["hotkeys"] = {}) =>
    withNodes(
      [node("Rating", "control", { name: "stars", toName: "text", maxRating: 4 })],
      { stars: { tag: "Rating", name: "stars", toName: ["text"], type: "rating", required: false } },
      hotkeys,
      { settings: { auto_advance: false } },
    );

  it("renders maxRating stars; click sets, clicking the same clears", () => {
    const { root, model } = rating();
    const stars = root.querySelectorAll<HTMLButtonElement>('[data-nbl-control="stars"] button.nbl-star');
    expect(stars).toHaveLength(4);
    stars[2].click();
    frame();
    expect(model.sentOf("save")[0].result[0]).toMatchObject({ type: "rating", value: { rating: 3 } });
    expect([...stars].map((s) => s.getAttribute("aria-pressed"))).toEqual(["true", "true", "true", "false"]);
    stars[2].click();
    frame();
    expect(model.sentOf("save")[1].result).toEqual([]);
  });

  it("a value-less hotkey cycles the rating", () => {
    const { root, model } = rating({ r: { control: "stars" } });
    for (let i = 0; i < 5; i++) press(root, "r");
    frame();
    const values = model.sentOf("save").map((s) => s.result[0]?.value.rating ?? 0);
    expect(values).toEqual([1, 2, 3, 4, 0]);
    expect(root.querySelector('[data-nbl-control="stars"] .nbl-kbd')!.textContent).toBe("r");
  });

  it("digit keys (the default the Python spec gives a Rating without hotkey) set that many stars, shown as 1\u20134", () => {
    const digits = Object.fromEntries([1, 2, 3, 4].map((i) => [String(i), { control: "stars", value: i, action: "select" }]));
    const { root, model } = rating(digits);
    press(root, "4");
    press(root, "2");
    frame();
    expect(model.sentOf("save").map((s) => s.result[0].value)).toEqual([{ rating: 4 }, { rating: 2 }]);
    expect(root.querySelector('[data-nbl-control="stars"] .nbl-kbd')!.textContent).toBe("1\u20134");
    expect(root.querySelector('[data-nbl-control="stars"] button[data-value="3"]')!.getAttribute("title")).toBe("3 (key 3)");
  });
});

describe("Number", () => {
  const num = () =>
    withNodes(
      [node("Number", "control", { name: "age", toName: "text", min: 0, max: 120, step: 1 })],
      { age: { tag: "Number", name: "age", toName: ["text"], type: "number", required: false } },
      { a: { control: "age", value: null } },
    );

  it("saves {number: x} on change and rejects out-of-range values", () => {
    const { root, model } = num();
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="age"] input')!;
    expect(input.min).toBe("0");
    expect(input.max).toBe("120");
    input.value = "42";
    input.dispatchEvent(new Event("change"));
    frame();
    expect(model.sentOf("save")[0].result[0]).toMatchObject({ type: "number", value: { number: 42 } });
    input.value = "500";
    input.dispatchEvent(new Event("change"));
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("its hotkey increments by step from min", () => {
    const { root, model } = num();
    const ev = press(root, "a");
    expect(ev.defaultPrevented).toBe(true);
    press(root, "a");
    frame();
    expect(model.sentOf("save").map((s) => s.result[0].value)).toEqual([{ number: 0 }, { number: 1 }]);
    expect(root.querySelector<HTMLInputElement>('[data-nbl-control="age"] input')!.value).toBe("1");
  });
});

describe("dynamic Choices", () => {
  it("builds buttons from the task's data and saves their values", () => {
    const spec = sentimentSpec();
    const t = traits({ spec, settings: { auto_advance: false } });
    spec.root.children.push(node("Choices", "control", { name: "tags", toName: "text", choice: "multiple", value: "$options" }));
    spec.controls.tags = { tag: "Choices", name: "tags", toName: ["text"], type: "choices", required: false, choice: "multiple", labels: [], dynamic: true };
    t.window!.tasks.forEach((e, i) => (e.data.options = i === 0 ? [{ value: "cat" }, { value: "dog", alias: "d" }] : ["fish"]));
    const view = mountTracked({}, new FakeModel(t));
    const root = view.root;
    const values = () => [...root.querySelectorAll('[data-nbl-control="tags"] button')].map((b) => b.getAttribute("data-value"));
    expect(values()).toEqual(["cat", "dog"]);
    root.querySelector<HTMLButtonElement>('[data-nbl-control="tags"] button[data-value="dog"]')!.click();
    root.querySelector<HTMLButtonElement>('[data-nbl-control="tags"] button[data-value="cat"]')!.click();
    frame();
    expect(view.model.sentOf("save")[1].result[0].value).toEqual({ choices: ["cat", "d"] });
    press(root, "j");
    expect(values()).toEqual(["fish"]);
  });
});

describe("layout and text tags", () => {
  it("Header interpolates $vars and honours size", () => {
    const { root } = withNodes([node("Header", "visual", { value: "Review by $author", size: 2 })], {}, {}, {}, { author: "Ana" });
    const h = root.querySelector(".nbl-header")!;
    expect(h.tagName).toBe("H2");
    expect(h.textContent).toBe("Review by Ana");
  });

  it("View keeps its style and inline display; Style becomes a <style> in the widget", () => {
    const { root } = withNodes([
      node("Style", "visual", {}, [], ".big { font-size: 20px }"),
      node("View", "visual", { style: "border: 1px solid red", display: "inline", className: "big" }, [
        node("Header", "visual", { value: "inside" }),
      ]),
    ]);
    const style = root.querySelector("style")!;
    expect(style.textContent).toBe(".big { font-size: 20px }");
    const views = root.querySelectorAll<HTMLElement>(".nbl-view");
    const inner = views[views.length - 1];
    expect(inner.getAttribute("style")).toContain("border: 1px solid red");
    expect(inner.classList.contains("nbl-inline")).toBe(true);
    expect(inner.classList.contains("big")).toBe(true);
  });

  it("HyperText renders sanitized HTML", () => {
    const { root } = withNodes(
      [node("HyperText", "object", { name: "html", value: "$html" })],
      {},
      {},
      {},
      { html: '<p>hi <b>there</b></p><img src="https://e.org/x.png" onerror="window.__x=1"><script>window.__x=2</script><a href="javascript:alert(1)">l</a>' },
    );
    const box = root.querySelector('[data-nbl-object="html"]')!;
    expect(box.querySelector("p b")!.textContent).toBe("there");
    expect(box.querySelector("script")).toBeNull();
    expect(box.querySelector("img")!.hasAttribute("onerror")).toBe(false);
    expect(box.querySelector("a")!.hasAttribute("href")).toBe(false);
    expect((window as unknown as { __x?: number }).__x).toBeUndefined();
  });

  it("Text with valueType=url shows a link and fetches nothing", () => {
    const { root } = withNodes([node("Text", "object", { name: "doc", value: "$url", valueType: "url" })], {}, {}, {}, { url: "https://example.org/doc.txt" });
    const a = root.querySelector<HTMLAnchorElement>('[data-nbl-object="doc"] a')!;
    expect(a.getAttribute("href")).toBe("https://example.org/doc.txt");
    expect(a.textContent).toBe("https://example.org/doc.txt");
    expect(a.rel).toBe("noopener noreferrer");
  });

  it("required Choices show a marker that turns off once filled", () => {
    const t = traits({ spec: sentimentSpec({ required: true }), settings: { auto_advance: false } });
    const view = mountTracked({}, new FakeModel(t));
    const marker = view.root.querySelector(".nbl-required")!;
    expect(marker.classList.contains("nbl-missing")).toBe(true);
    press(view.root, "1");
    expect(marker.classList.contains("nbl-missing")).toBe(false);
  });
});
