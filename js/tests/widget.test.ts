import { describe, expect, it } from "vitest";
import widget from "../src/index";
import { FakeModel, REVIEWS, sentimentSpec, task, traits } from "./fake-model";
import { attr, choice, frame, press, text, useFrames, useMounted } from "./helpers";

useFrames();

const setup = useMounted();

describe("rendering and the DOM contract", () => {
  it("renders the first task and the root attributes", () => {
    const { root } = setup();
    expect(root.tabIndex).toBe(0);
    expect(document.activeElement).toBe(root);
    expect(text(root)).toBe(REVIEWS[0]);
    expect(attr(root, "pos")).toBe("0");
    expect(attr(root, "task-id")).toBe("100");
    expect(attr(root, "total")).toBe("10");
    expect(attr(root, "done")).toBe("0");
    expect(attr(root, "seq")).toBe("0");
    expect(attr(root, "ack")).toBe("0");
    expect(attr(root, "pending")).toBe("0");
    expect(attr(root, "state")).toBe("saved");
    expect(attr(root, "filter")).toBe("all");
    const btn = choice(root, "positive");
    expect(btn.tagName).toBe("BUTTON");
    expect(btn.getAttribute("aria-pressed")).toBe("false");
    expect(btn.textContent).toContain("1");
    expect(root.querySelector('[data-nbl-control="sentiment"]')).not.toBeNull();
    expect(root.querySelector(".nbl-progress")!.textContent).toBe("0 / 10");
    expect(root.querySelector(".nbl-status")!.textContent).toBe("saved");
  });

  it("opens on the `start` position", () => {
    const { root } = setup({ start: 3 });
    expect(attr(root, "pos")).toBe("3");
    expect(text(root)).toBe(REVIEWS[3]);
  });

  it("shows emoji, CJK and whitespace unchanged", () => {
    const { root } = setup();
    expect(text(root)).toBe("Loved it \u2764\ufe0f");
    press(root, "ArrowRight");
    press(root, "ArrowRight");
    expect(text(root)).toBe("\u8fd9\u4e2a\u4ea7\u54c1\u5f88\u597d \ud83d\ude00");
    press(root, "ArrowRight");
    expect(text(root)).toBe("meh\n\n  indented line");
  });

  it("shows a placeholder for unsupported tags", () => {
    const t = traits();
    const spec = t.spec as ReturnType<typeof sentimentSpec>;
    spec.root.children.push({
      tag: "Image",
      kind: "object",
      attrs: { name: "img", value: "$image" },
      children: [],
      supported: false,
    });
    spec.root.children.push({ tag: "Frobnicate", kind: "unknown", attrs: {}, children: [] });
    spec.unsupported = ["Image", "Frobnicate"];
    const { root } = setup({}, new FakeModel(t));
    const ph = [...root.querySelectorAll(".nbl-unsupported")].map((e) => e.textContent);
    expect(ph).toEqual(["not supported yet: Image", "not supported yet: Frobnicate"]);
    // the rest still works
    expect(text(root)).toBe(REVIEWS[0]);
  });
});

describe("keys", () => {
  it("renders the next item synchronously on ArrowRight / j and back with ArrowLeft / k", () => {
    const { root, model } = setup();
    const ev = press(root, "ArrowRight");
    expect(ev.defaultPrevented).toBe(true);
    expect(text(root)).toBe(REVIEWS[1]);
    expect(attr(root, "pos")).toBe("1");
    press(root, "j");
    expect(attr(root, "pos")).toBe("2");
    press(root, "k");
    expect(attr(root, "pos")).toBe("1");
    press(root, "ArrowLeft");
    expect(attr(root, "pos")).toBe("0");
    expect(text(root)).toBe(REVIEWS[0]);
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
  });

  it("handled keys are defaultPrevented and stopped; others pass through", () => {
    const { root, el } = setup();
    const bubbled: string[] = [];
    const listener = (e: Event) => bubbled.push((e as KeyboardEvent).key);
    el.addEventListener("keydown", listener);
    for (const k of ["j", "k", "n", "u", "1", "ArrowRight", "ArrowLeft"]) {
      const ev = press(root, k);
      expect(ev.defaultPrevented, k).toBe(true);
    }
    expect(press(root, "z", { ctrl: true }).defaultPrevented).toBe(true);
    expect(press(root, " ", { ctrl: true }).defaultPrevented).toBe(true);
    expect(bubbled).toEqual([]);
    for (const [key, mods] of [
      ["Enter", { shift: true }],
      ["Enter", {}],
      ["c", { ctrl: true }],
      ["s", { meta: true }],
      ["ArrowRight", { alt: true }],
      ["j", { ctrl: true }],
      ["Escape", {}],
      ["Tab", {}],
      ["F5", {}],
    ] as const) {
      const ev = press(root, key, mods);
      expect(ev.defaultPrevented, key).toBe(false);
    }
    expect(bubbled).toEqual(["Enter", "Enter", "c", "s", "ArrowRight", "j", "Escape", "Tab", "F5"]);
    el.removeEventListener("keydown", listener);
  });

  it("unused plain letters and ArrowUp/Down do not reach the notebook (stopPropagation only)", () => {
    const { root, el, model } = setup();
    const bubbled: string[] = [];
    el.addEventListener("keydown", (e) => bubbled.push((e as KeyboardEvent).key));
    for (const k of ["m", "a", "b", "d", "d", "M", "x", "ArrowUp", "ArrowDown", " "]) {
      const ev = press(root, k);
      expect(ev.defaultPrevented, k).toBe(false); // default actions (scrolling) still happen
    }
    expect(bubbled).toEqual([]);
    frame();
    expect(model.sent).toHaveLength(0);
    expect(attr(root, "pos")).toBe("0");
  });

  it("marks the root for Lumino's capture-phase shortcuts (Notebook 7) only for keys it keeps", () => {
    const { root } = setup();
    const marked = (key: string, mods = {}) => {
      press(root, key, mods);
      return root.hasAttribute("data-lm-suppress-shortcuts");
    };
    expect(marked("a")).toBe(true); // guarded letter
    expect(marked("1")).toBe(true); // a hotkey
    expect(marked("ArrowDown")).toBe(true);
    expect(marked("Enter", { shift: true })).toBe(false); // runs the cell
    expect(marked("s", { ctrl: true })).toBe(false); // saves the notebook
    expect(marked("m")).toBe(true);
  });

  it("a held-down label key (auto-repeat) labels only once; held arrows keep moving", () => {
    const { root, model } = setup();
    press(root, "1");
    const ev = press(root, "1", { repeat: true });
    expect(ev.defaultPrevented).toBe(true);
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    press(root, "ArrowRight", { repeat: true });
    press(root, "ArrowRight", { repeat: true });
    expect(attr(root, "pos")).toBe("3");
  });

  it("hotkeys are case-insensitive and work with Shift but not other modifiers", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    const ev = press(root, "!", { shift: true, code: "Digit1" });
    expect(ev.defaultPrevented).toBe(true);
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    const alt = press(root, "2", { alt: true, code: "Digit2" });
    expect(alt.defaultPrevented).toBe(false);
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
  });

  it("ignores keys while typing in a text field, except Escape", () => {
    const t = traits();
    const spec = t.spec as ReturnType<typeof sentimentSpec>;
    spec.root.children.push({
      tag: "TextArea",
      kind: "control",
      attrs: { name: "notes", toName: "text", rows: 1 },
      children: [],
      supported: true,
    });
    spec.controls.notes = { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: false };
    const { root, model } = setup({}, new FakeModel(t));
    const input = root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] input')!;
    input.focus();
    for (const k of ["1", "j", "n", "u", "ArrowRight"]) {
      const ev = press(input, k);
      expect(ev.defaultPrevented, k).toBe(false);
    }
    expect(attr(root, "pos")).toBe("0");
    frame();
    expect(model.sent.filter((m) => m.type === "save")).toHaveLength(0);
    const esc = press(input, "Escape");
    expect(esc.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(root);
  });
});

describe("labeling and saving", () => {
  it("sends exactly one save per label and auto-advances in the same frame", () => {
    const { root, model } = setup();
    const ev = press(root, "1");
    expect(ev.defaultPrevented).toBe(true);
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    const s = saves[0];
    expect(s).toMatchObject({ type: "save", seq: 1, pos: 0, task_id: 100, was_cancelled: false });
    expect(typeof s.lead_time).toBe("number");
    expect(s.result).toHaveLength(1);
    const r = s.result[0];
    expect(r).toMatchObject({
      from_name: "sentiment",
      to_name: "text",
      type: "choices",
      value: { choices: ["positive"] },
      origin: "manual",
    });
    expect(r.id).toMatch(/^[A-Za-z0-9_-]{10}$/);
    // auto-advanced synchronously
    expect(attr(root, "pos")).toBe("1");
    expect(text(root)).toBe(REVIEWS[1]);
    expect(attr(root, "seq")).toBe("1");
    expect(attr(root, "pending")).toBe("1");
    expect(attr(root, "state")).toBe("saving");
    expect(attr(root, "done")).toBe("1"); // optimistic
    // nothing else was sent for that keypress (window covers prefetch)
    frame();
    expect(model.sent).toHaveLength(1);
  });

  it("a keypress burst labels every item with one save each", () => {
    const { root, model } = setup();
    for (const k of ["1", "2", "1", "2", "1"]) press(root, k);
    frame();
    const saves = model.sentOf("save");
    expect(saves.map((s) => s.pos)).toEqual([0, 1, 2, 3, 4]);
    expect(saves.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(saves.map((s) => s.result[0].value.choices)).toEqual([["positive"], ["negative"], ["positive"], ["negative"], ["positive"]]);
    expect(attr(root, "pos")).toBe("5");
  });

  it("uses the alias in results and the value in data-value", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    press(root, "3");
    frame();
    expect(model.sentOf("save")[0].result[0].value).toEqual({ choices: ["neu"] });
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("true");
    expect(choice(root, "neutral").querySelector(".nbl-kbd")!.textContent).toBe("3");
  });

  it("ack marks saved; done follows the ack", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    press(root, "1");
    expect(attr(root, "state")).toBe("saving");
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("true");
    frame(); // the save goes out; the kernel acks it
    model.emit({ type: "ack", seq: 1, task_id: 100, done: 1, skipped: 0 });
    expect(attr(root, "state")).toBe("saved");
    expect(attr(root, "ack")).toBe("1");
    expect(attr(root, "pending")).toBe("0");
    expect(attr(root, "done")).toBe("1");
    expect(root.querySelector(".nbl-status")!.textContent).toBe("saved");
  });

  it("pressing the same single choice again does not re-save", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    press(root, "1");
    press(root, "1");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    press(root, "2");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(2);
    // the result id stays stable while the control is edited
    expect(saves[1].result[0].id).toBe(saves[0].result[0].id);
  });

  it("an error keeps the item unsaved and shows the banner; retry re-sends", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    press(root, "1");
    frame();
    model.emit({ type: "error", seq: 1, message: "database is locked" });
    expect(attr(root, "state")).toBe("error");
    expect(attr(root, "pending")).toBe("0");
    const banner = root.querySelector<HTMLElement>(".nbl-banner")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("database is locked");
    // still shown as labeled locally
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("true");
    expect(attr(root, "done")).toBe("0");
    root.querySelector<HTMLButtonElement>(".nbl-retry")!.click();
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(2);
    expect(saves[1]).toMatchObject({ seq: 2, pos: 0 });
    model.emit({ type: "ack", seq: 2, task_id: 100, done: 1, skipped: 0 });
    expect(attr(root, "state")).toBe("saved");
    expect(banner.hidden).toBe(true);
  });

  it("shows the `error` trait in the banner", () => {
    const { root, model } = setup();
    model.set("error", "store is read-only");
    const banner = root.querySelector<HTMLElement>(".nbl-banner")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("store is read-only");
  });

  it("clicking a choice saves without advancing; clicking again clears", () => {
    const { root, model } = setup();
    choice(root, "negative").click();
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(attr(root, "pos")).toBe("0");
    choice(root, "negative").click();
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(2);
    expect(saves[1].result).toEqual([]);
    expect(saves[1].was_cancelled).toBe(false);
    expect(document.activeElement).toBe(root);
  });

  it("Ctrl+Space skips (was_cancelled) and moves on", () => {
    const { root, model } = setup();
    const ev = press(root, " ", { ctrl: true, code: "Space" });
    expect(ev.defaultPrevented).toBe(true);
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({ pos: 0, was_cancelled: true, result: [] });
    expect(attr(root, "pos")).toBe("1");
  });

  it("auto-advance waits for every required control", () => {
    const t = traits();
    const spec = t.spec as ReturnType<typeof sentimentSpec>;
    spec.root.children.push({
      tag: "Rating",
      kind: "control",
      attrs: { name: "stars", toName: "text", maxRating: 5, required: true },
      children: [],
      supported: true,
    });
    spec.controls.stars = { tag: "Rating", name: "stars", toName: ["text"], type: "rating", required: true };
    spec.hotkeys["q"] = { control: "stars", value: 4 };
    const { root, model } = setup({}, new FakeModel(t));
    press(root, "1");
    expect(attr(root, "pos")).toBe("0"); // rating still missing
    press(root, "q");
    expect(attr(root, "pos")).toBe("1");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(2);
    expect(saves[1].result.map((r) => r.type).sort()).toEqual(["choices", "rating"]);
    expect(saves[1].result.find((r) => r.type === "rating")!.value).toEqual({ rating: 4 });
  });
});

describe("undo / redo", () => {
  it("undo goes back to the item, restores and re-saves; redo re-applies", () => {
    const { root, model } = setup();
    press(root, "1"); // pos 0 -> positive, advance to 1
    press(root, "2"); // pos 1 -> negative, advance to 2
    expect(attr(root, "pos")).toBe("2");
    const undo = press(root, "z", { ctrl: true, code: "KeyZ" });
    expect(undo.defaultPrevented).toBe(true);
    expect(attr(root, "pos")).toBe("1");
    expect(choice(root, "negative").getAttribute("aria-pressed")).toBe("false");
    frame();
    let saves = model.sentOf("save");
    expect(saves).toHaveLength(3);
    expect(saves[2]).toMatchObject({ pos: 1, result: [], was_cancelled: false });
    press(root, "z", { ctrl: true, code: "KeyZ" });
    expect(attr(root, "pos")).toBe("0");
    frame();
    saves = model.sentOf("save");
    expect(saves[3]).toMatchObject({ pos: 0, result: [] });
    const redo = press(root, "Z", { ctrl: true, shift: true, code: "KeyZ" });
    expect(redo.defaultPrevented).toBe(true);
    expect(attr(root, "pos")).toBe("0");
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("true");
    frame();
    saves = model.sentOf("save");
    expect(saves[4].result[0].value).toEqual({ choices: ["positive"] });
    // redo keeps the original result id
    expect(saves[4].result[0].id).toBe(saves[0].result[0].id);
    press(root, "y", { ctrl: true, code: "KeyY" });
    expect(attr(root, "pos")).toBe("1");
    frame();
    expect(model.sentOf("save")[5].result[0].value).toEqual({ choices: ["negative"] });
    expect(attr(root, "seq")).toBe("6");
  });

  it("a new change clears the redo stack", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    press(root, "1");
    press(root, "z", { ctrl: true });
    press(root, "2");
    frame();
    const n = model.sentOf("save").length;
    press(root, "y", { ctrl: true });
    frame();
    expect(model.sentOf("save")).toHaveLength(n);
  });
});

describe("filter and next-unlabeled", () => {
  it("n skips labeled items in the cache", () => {
    const { root, model } = setup({ labeled: { 1: "positive", 2: "negative" } });
    press(root, "n");
    expect(attr(root, "pos")).toBe("3");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
  });

  it("u toggles the filter; next then skips labeled items", () => {
    const { root } = setup({ labeled: { 1: "positive", 3: "negative" } });
    const ev = press(root, "u");
    expect(ev.defaultPrevented).toBe(true);
    expect(attr(root, "filter")).toBe("unlabeled");
    expect(root.querySelector(".nbl-filter")!.getAttribute("aria-pressed")).toBe("true");
    press(root, "j");
    expect(attr(root, "pos")).toBe("2");
    press(root, "ArrowRight");
    expect(attr(root, "pos")).toBe("4");
    press(root, "u");
    expect(attr(root, "filter")).toBe("all");
    press(root, "j");
    expect(attr(root, "pos")).toBe("5");
  });

  it("auto-advance in filter mode goes to the next unlabeled item", () => {
    const { root } = setup({ labeled: { 1: "positive" } });
    press(root, "u");
    press(root, "1");
    expect(attr(root, "pos")).toBe("2");
  });

  it("next-unlabeled crosses known-labeled gaps from seek replies", () => {
    // 100 tasks; window [0,10) with 5..9 labeled
    const labeled: Record<number, string> = { 5: "positive", 6: "positive", 7: "negative", 8: "positive", 9: "positive" };
    const { root, model } = setup({ total: 100, labeled, start: 4 });
    frame();
    model.clearSent();
    press(root, "n"); // 5..9 labeled in cache, 10 unknown -> seek from 10
    expect(attr(root, "state")).toBe("loading");
    frame();
    const seeks = model.sentOf("seek");
    expect(seeks).toHaveLength(1);
    expect(seeks[0]).toMatchObject({ from: 10, count: 10 });
    // kernel: 10..41 are labeled, first unlabeled is 42
    const tasks = Array.from({ length: 10 }, (_, i) => task(42 + i));
    model.emit({ type: "tasks", req: seeks[0].req, from: 42, to: 52, tasks, skip: [10, 42] });
    expect(attr(root, "state")).toBe("saved");
    expect(attr(root, "pos")).toBe("42");
    expect(attr(root, "task-id")).toBe("142");
    // with the filter on, one k goes back across the known-labeled gap and 9..5 to 4: no request
    press(root, "u"); // filter on
    frame();
    model.clearSent();
    press(root, "k");
    expect(attr(root, "pos")).toBe("4");
    frame();
    expect(model.sentOf("seek")).toHaveLength(0);
    // Shift+→ steps through every item, filter or not: into the gap, which is not loaded
    press(root, "ArrowRight", { shift: true });
    expect(attr(root, "pos")).toBe("5");
  });

  it("a seek that finds nothing leaves the item and says so", () => {
    const labeled: Record<number, string> = {};
    for (let p = 1; p < 10; p++) labeled[p] = "positive";
    const { root, model } = setup({ total: 20, labeled });
    frame();
    model.clearSent();
    press(root, "n");
    frame();
    const seek = model.sentOf("seek")[0];
    expect(seek.from).toBe(10);
    model.emit({ type: "tasks", req: seek.req, from: 20, to: 20, tasks: [], skip: [10, 20] });
    expect(attr(root, "pos")).toBe("0");
    expect(attr(root, "state")).toBe("saved");
    expect(root.querySelector(".nbl-notice")!.textContent).toMatch(/no unlabeled/i);
  });
});

describe("prefetch and loading", () => {
  it("sends `need` when the window runs low, never twice for the same range", () => {
    const { root, model } = setup({ total: 100, settings: { prefetch: 10 } });
    frame();
    model.clearSent();
    for (let i = 0; i < 4; i++) press(root, "j");
    frame();
    expect(model.sent).toHaveLength(0); // 4 + 5 = 9 < 10 cached
    press(root, "j"); // pos 5: needs up to 10
    frame();
    const needs = model.sentOf("need");
    expect(needs).toHaveLength(1);
    expect(needs[0]).toMatchObject({ from: 10, to: 20 });
    press(root, "j");
    press(root, "j");
    frame();
    expect(model.sentOf("need")).toHaveLength(1); // in flight: no duplicate
    const tasks = Array.from({ length: 10 }, (_, i) => task(10 + i));
    model.emit({ type: "tasks", req: needs[0].req, from: 10, to: 20, tasks, skip: null });
    for (let i = 0; i < 3; i++) press(root, "j"); // pos 10
    expect(attr(root, "pos")).toBe("10");
    expect(text(root)).toBe(REVIEWS[0]);
    for (let i = 0; i < 4; i++) press(root, "j"); // pos 14: 14 + 5 = 19 cached
    frame();
    expect(model.sentOf("need")).toHaveLength(1);
    press(root, "j"); // pos 15 -> 20 missing
    frame();
    expect(model.sentOf("need")).toHaveLength(2);
    expect(model.sentOf("need")[1]).toMatchObject({ from: 20, to: 30 });
  });

  it("shows loading when the next item is not cached, and renders it when tasks arrive", () => {
    const { root, model } = setup({ total: 50, from: 0, to: 2, settings: { prefetch: 2 } });
    press(root, "j");
    press(root, "j");
    expect(attr(root, "pos")).toBe("2");
    expect(attr(root, "state")).toBe("loading");
    expect(root.querySelector<HTMLElement>(".nbl-body")!.hidden).toBe(true);
    frame();
    const need = model.sentOf("need").find((n) => n.from <= 2 && 2 < n.to)!;
    expect(need).toBeDefined();
    // hotkeys while loading are swallowed but save nothing
    const ev = press(root, "1");
    expect(ev.defaultPrevented).toBe(true);
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    model.emit({ type: "tasks", req: need.req, from: need.from, to: need.to, tasks: [task(2), task(3)], skip: null });
    expect(attr(root, "state")).toBe("saved");
    expect(text(root)).toBe(REVIEWS[2]);
  });

  it("prefetches behind the position too", () => {
    const { model } = setup({ total: 100, from: 40, to: 60, start: 45, settings: { prefetch: 20 } });
    frame();
    const needs = model.sentOf("need");
    expect(needs).toHaveLength(1);
    expect(needs[0]).toMatchObject({ from: 20, to: 40 });
  });
});

describe("traits and views", () => {
  it("a new window re-seeds the cache and keeps the current task", () => {
    const { root, model } = setup({ total: 10 });
    press(root, "j");
    press(root, "j");
    const t = traits({ total: 12, to: 12, labeled: { 0: "positive" } });
    model.set("total", 12);
    model.set("window", t.window!);
    expect(attr(root, "pos")).toBe("2");
    expect(attr(root, "total")).toBe("12");
    press(root, "k");
    press(root, "k");
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("true");
  });

  it("two views of one model share one state and one save queue", () => {
    const m = new FakeModel(traits());
    const a = setup({}, m);
    const el2 = document.createElement("div");
    document.body.appendChild(el2);
    const dispose2 = widget.render({ model: m, el: el2 });
    const root2 = el2.querySelector<HTMLElement>(".nbl-root")!;
    press(a.root, "1");
    frame();
    expect(m.sentOf("save")).toHaveLength(1);
    expect(attr(root2, "pos")).toBe("1");
    expect(attr(root2, "seq")).toBe("1");
    m.emit({ type: "ack", seq: 1, done: 1, skipped: 0 });
    expect(attr(a.root, "state")).toBe("saved");
    expect(attr(root2, "state")).toBe("saved");
    expect(m.listenerCount("msg:custom")).toBe(1);
    dispose2();
    el2.remove();
  });

  it("cleanup removes the view and the model listeners", () => {
    const m = new FakeModel(traits());
    const mounted = setup({}, m);
    expect(m.listenerCount("msg:custom")).toBe(1);
    mounted.cleanup();
    expect(m.listenerCount("msg:custom")).toBe(0);
    expect(m.listenerCount("change:spec")).toBe(0);
    expect(mounted.el.querySelector(".nbl-root")).toBeNull();
  });

  it("never calls save_changes (messages only)", () => {
    const { root, model } = setup();
    press(root, "1");
    press(root, "j");
    expect(model.saveChangesCalls).toBe(0);
  });
});
