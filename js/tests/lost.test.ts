// Nothing typed is lost, whatever way the user leaves a field; a view whose kernel is gone
// says so and takes no more labels; ←/k follow the filter; each item opens at its top.
import { describe, expect, it } from "vitest";
import type { Spec, SpecNode } from "../src/protocol";
import { FakeModel, sentimentSpec, task, traits } from "./fake-model";
import { attr, frame, press, useFrames, useMounted } from "./helpers";

useFrames();
const mount = useMounted();

function node(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>): SpecNode {
  return { tag, kind, attrs, children: [], supported: true };
}

/** The sentiment spec plus a TextArea `notes` and a Number `score` (0..10). */
function setup(opts: Parameters<typeof traits>[0] = {}) {
  const t = traits(opts);
  const spec = sentimentSpec() as Spec;
  spec.root.children.push(node("TextArea", "control", { name: "notes", toName: "text", rows: 1 }));
  spec.root.children.push(node("Number", "control", { name: "score", toName: "text", min: 0, max: 10 }));
  spec.controls.notes = { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: false };
  spec.controls.score = { tag: "Number", name: "score", toName: ["text"], type: "number", required: false };
  t.spec = spec;
  const model = new FakeModel(t);
  return { ...mount({}, model), model };
}

const notes = (root: HTMLElement) => root.querySelector<HTMLInputElement>('[data-nbl-control="notes"] .nbl-textarea-input .nbl-input')!;
const score = (root: HTMLElement) => root.querySelector<HTMLInputElement>('[data-nbl-control="score"] input')!;
const scoreProblem = (root: HTMLElement) => root.querySelector<HTMLElement>('[data-nbl-control="score"] .nbl-field-error')!;
const valueOf = (save: { result: Array<{ from_name: string; value: Record<string, unknown> }> }, name: string) =>
  save.result.find((r) => r.from_name === name)?.value;

function typeInto(input: HTMLInputElement, text: string): void {
  input.focus();
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("leaving a text field by any route keeps the text", () => {
  const routes: Array<[string, (root: HTMLElement, input: HTMLInputElement) => void]> = [
    ["Escape", (_r, input) => press(input, "Escape")],
    ["Tab (the focus moves on)", (r) => r.querySelector<HTMLButtonElement>(".nbl-next")!.focus()],
    ["a click elsewhere (blur)", (_r, input) => input.blur()],
  ];
  for (const [label, leave] of routes) {
    it(`${label}: saved at once, sent without waiting for a frame, the item stays`, () => {
      const { root, model } = setup();
      const input = notes(root);
      typeInto(input, "keep me \u4f60\u597d");
      leave(root, input);
      // sent right away: the click that blurred the field may be the one re-running the cell
      const saves = model.sentOf("save");
      expect(saves).toHaveLength(1);
      expect(saves[0]).toMatchObject({ pos: 0, was_cancelled: false });
      expect(valueOf(saves[0], "notes")).toEqual({ text: ["keep me \u4f60\u597d"] });
      expect(attr(root, "pos")).toBe("0");
      expect(root.querySelector('[data-nbl-control="notes"] .nbl-entry-text')!.textContent).toBe("keep me \u4f60\u597d");
      frame();
      expect(model.sentOf("save")).toHaveLength(1);
    });
  }

  it("the view being removed (cell re-run, widget closed) saves what was typed", () => {
    const m = setup();
    typeInto(notes(m.root), "typed before the re-run");
    m.cleanup();
    const saves = m.model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(valueOf(saves[0], "notes")).toEqual({ text: ["typed before the re-run"] });
  });

  it("keys typed in a field never reach the notebook: Shift+Enter, Alt+Enter, Enter, letters", () => {
    const { root } = setup();
    const input = notes(root);
    typeInto(input, "x");
    const reached: string[] = [];
    const spy = (e: Event) => reached.push((e as KeyboardEvent).key);
    document.addEventListener("keydown", spy);
    try {
      press(input, "Enter", { shift: true });
      press(input, "Enter", { alt: true });
      press(input, "a");
      press(input, "m");
      press(input, "Tab");
      press(input, "s", { ctrl: true }); // Ctrl combinations (save, copy...) keep working
    } finally {
      document.removeEventListener("keydown", spy);
    }
    expect(reached).toEqual(["s"]);
    expect(attr(root, "pos")).toBe("0");
  });
});

describe("a Number outside min/max", () => {
  it("says why in the widget, saves nothing and keeps the value as a draft until fixed", () => {
    const { root, model } = setup();
    const input = score(root);
    typeInto(input, "15");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    expect(scoreProblem(root).hidden).toBe(false);
    expect(scoreProblem(root).textContent).toBe("15 is above the maximum 10 \u2014 not saved");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe(scoreProblem(root).id);
    // leaving the item and coming back shows the draft and the reason again
    root.focus();
    press(root, "ArrowRight");
    expect(input.value).toBe("");
    expect(scoreProblem(root).hidden).toBe(true);
    press(root, "ArrowLeft");
    expect(input.value).toBe("15");
    expect(scoreProblem(root).textContent).toContain("above the maximum 10");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    // fixed: saved, the message goes away
    typeInto(input, "7");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(valueOf(saves[0], "score")).toEqual({ number: 7 });
    expect(scoreProblem(root).hidden).toBe(true);
    expect(input.hasAttribute("aria-invalid")).toBe(false);
  });

  it("below the minimum says so too", () => {
    const { root } = setup();
    const input = score(root);
    typeInto(input, "-1");
    input.blur();
    expect(scoreProblem(root).textContent).toBe("-1 is below the minimum 0 \u2014 not saved");
  });
});

describe("after the kernel connection is gone", () => {
  it("says so plainly, takes no label and never shows the label as saved", () => {
    const { root, model } = setup();
    press(root, "1");
    frame();
    model.emit({ type: "ack", seq: 1, task_id: 100, done: 1, skipped: 0 });
    expect(attr(root, "state")).toBe("saved");
    model.trigger("comm_live_update"); // what the widget manager does when the kernel restarts
    expect(attr(root, "state")).toBe("disconnected");
    expect(attr(root, "connected")).toBe("false");
    const banner = root.querySelector<HTMLElement>(".nbl-banner")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("kernel restarted \u2014 re-run the cell; nothing after this point is saved");
    expect(root.querySelector(".nbl-status")!.textContent).not.toContain("saved\u00a0");
    const before = { pos: attr(root, "pos"), seq: attr(root, "seq") };
    press(root, "2"); // a label key: refused, no advance, nothing queued
    press(root, " ", { ctrl: true }); // skip: refused
    expect({ pos: attr(root, "pos"), seq: attr(root, "seq") }).toEqual(before);
    expect(root.querySelector(".nbl-notice")!.textContent).toContain("not saved");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
  });

  it("a save that cannot be sent marks the view disconnected and the item not saved", () => {
    const { root, model } = setup();
    model.send = () => {
      throw new Error("Cannot send");
    };
    press(root, "1");
    frame();
    expect(attr(root, "state")).toBe("disconnected");
    press(root, "ArrowLeft");
    expect(attr(root, "pos")).toBe("0");
    expect(root.querySelector("[data-item-state]")?.getAttribute("data-item-state")).toBe("error");
    press(root, "2");
    expect(attr(root, "seq")).toBe("1");
  });

  it("a closed comm ends the session the same way", () => {
    const { root, model } = setup();
    model.trigger("comm:close");
    expect(attr(root, "state")).toBe("disconnected");
    press(root, "1");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
  });
});

describe("← / k follow the unlabeled filter like → / j", () => {
  it("with the filter on, previous skips labeled items; Shift+← steps through everything", () => {
    const labeled: Record<number, string> = { 1: "positive", 2: "negative", 3: "positive" };
    const { root } = setup({ labeled, start: 4 });
    press(root, "u");
    press(root, "k");
    expect(attr(root, "pos")).toBe("0");
    press(root, "j");
    expect(attr(root, "pos")).toBe("4");
    press(root, "ArrowLeft", { shift: true });
    expect(attr(root, "pos")).toBe("3");
    press(root, "ArrowRight", { shift: true });
    expect(attr(root, "pos")).toBe("4");
    press(root, "ArrowLeft");
    expect(attr(root, "pos")).toBe("0");
    press(root, "k");
    expect(attr(root, "pos")).toBe("0");
    expect(root.querySelector(".nbl-notice")!.textContent).toBe("No unlabeled items before this one");
  });

  it("asks the kernel for the items behind when they are not loaded, then lands on the unlabeled one", () => {
    const labeled: Record<number, string> = { 50: "positive", 51: "positive", 52: "negative", 53: "positive", 54: "positive" };
    const { root, model } = setup({ total: 100, from: 50, to: 60, start: 55, labeled });
    press(root, "u");
    frame();
    model.clearSent();
    press(root, "k"); // 54..50 are labeled; 49 and below are not loaded
    expect(attr(root, "state")).toBe("loading");
    frame();
    const need = model.sentOf("need").find((n) => n.from <= 49 && 49 < n.to)!;
    expect(need).toBeDefined();
    expect(model.sentOf("seek")).toHaveLength(0);
    const tasks = [];
    for (let p = need.from; p < need.to; p++) tasks.push(task(p, p >= 45 ? "negative" : null));
    model.emit({ type: "tasks", req: need.req, from: need.from, to: need.to, tasks, skip: null });
    expect(attr(root, "pos")).toBe("44");
  });
});

describe("long texts", () => {
  function overflow(box: HTMLElement, height = 1000, client = 100): void {
    Object.defineProperty(box, "scrollHeight", { configurable: true, get: () => height });
    Object.defineProperty(box, "clientHeight", { configurable: true, get: () => client });
  }

  it("each item opens scrolled to the top of its text", () => {
    const { root } = setup();
    const box = root.querySelector<HTMLElement>('[data-nbl-object="text"]')!;
    box.scrollTop = 250;
    box.dispatchEvent(new Event("scroll"));
    press(root, "j");
    expect(box.scrollTop).toBe(0);
  });

  it("PageDown / Space scroll the text, PageUp / Shift+Space back; without overflow the page scrolls", () => {
    const { root } = setup();
    const box = root.querySelector<HTMLElement>('[data-nbl-object="text"]')!;
    const calls: number[] = [];
    box.scrollBy = ((opts: ScrollToOptions) => calls.push(opts.top ?? 0)) as typeof box.scrollBy;
    expect(press(root, "PageDown").defaultPrevented).toBe(false); // nothing overflows yet
    overflow(box);
    expect(press(root, "PageDown").defaultPrevented).toBe(true);
    press(root, " ");
    press(root, "PageUp");
    press(root, " ", { shift: true });
    expect(calls).toEqual([85, 85, -85, -85]);
    expect(attr(root, "pos")).toBe("0");
  });
});
