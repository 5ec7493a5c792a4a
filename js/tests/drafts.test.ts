// Nothing typed is lost: TextArea drafts are committed before the view leaves an item.
// And `<Choice selected="true">` is the initial value of a task that never had a result.
import { describe, expect, it } from "vitest";
import widget from "../src/index";
import type { Spec, SpecNode } from "../src/protocol";
import { FakeModel, sentimentSpec, task, traits } from "./fake-model";
import { attr, choice, frame, press, useFrames, useMounted, type Mounted } from "./helpers";

useFrames();

const mountTracked = useMounted();

function node(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}

type Opts = Parameters<typeof traits>[0] & { notes?: Record<string, unknown>; selected?: string[]; choice?: string };

/** The sentiment spec plus a TextArea `notes` (rows 1 unless told), mounted. */
function setup(opts: Opts = {}, model?: FakeModel): Mounted {
  const t = traits(opts);
  const spec = sentimentSpec({ choice: opts.choice }) as Spec;
  for (const c of spec.root.children[1].children) {
    if (opts.selected?.includes(String(c.attrs.value))) c.attrs.selected = true;
  }
  if (opts.notes) {
    spec.root.children.push(node("TextArea", "control", { name: "notes", toName: "text", rows: 1, ...opts.notes }));
    spec.controls.notes = { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: !!opts.notes.required };
  }
  t.spec = spec;
  return mountTracked({}, model ?? new FakeModel(t));
}

const notesInput = (root: HTMLElement) =>
  root.querySelector<HTMLInputElement | HTMLTextAreaElement>('[data-nbl-control="notes"] .nbl-textarea-input .nbl-input')!;
const entriesShown = (root: HTMLElement) => [...root.querySelectorAll('[data-nbl-control="notes"] .nbl-entry-text')].map((e) => e.textContent);
const btn = (root: HTMLElement, cls: string) => root.querySelector<HTMLButtonElement>(`.${cls}`)!;

/**
 * Type into the field the way a user does (focus, value, input event); the focus stays in
 * it (`leave`: then leave it with Escape, which saves the text at once).
 */
function type(root: HTMLElement, text: string, leave = false): void {
  const input = notesInput(root);
  input.focus();
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  if (leave) press(input, "Escape");
}

const notesOf = (m: { result: Array<{ from_name: string; value: Record<string, unknown> }> }) =>
  m.result.find((r) => r.from_name === "notes")?.value;

describe("typed text survives navigation", () => {
  const routes: Array<[string, (root: HTMLElement) => void, number]> = [
    ["the next button", (r) => btn(r, "nbl-next").click(), 3],
    ["the prev button", (r) => btn(r, "nbl-prev").click(), 1],
    ["ArrowRight", (r) => press(r, "ArrowRight"), 3],
    ["k", (r) => press(r, "k"), 1],
    ["next unlabeled (n)", (r) => press(r, "n"), 3],
    ["the next-unlabeled button", (r) => btn(r, "nbl-next-unlabeled").click(), 3],
  ];
  for (const [label, go, to] of routes) {
    it(`typed text survives navigation: ${label}`, () => {
      const { root, model } = setup({ notes: {}, start: 2 });
      expect(attr(root, "pos")).toBe("2");
      type(root, "keep me \u4f60\u597d");
      frame();
      expect(model.sentOf("save")).toHaveLength(0);
      go(root);
      expect(attr(root, "pos")).toBe(String(to));
      frame();
      const saves = model.sentOf("save");
      expect(saves).toHaveLength(1);
      expect(saves[0]).toMatchObject({ pos: 2, task_id: 102, was_cancelled: false });
      expect(saves[0].result[0]).toMatchObject({ from_name: "notes", to_name: "text", type: "textarea", value: { text: ["keep me \u4f60\u597d"] } });
      // the save went out before anything the move asked of the kernel
      frame();
      expect(model.sent[0].type).toBe("save");
      expect(notesInput(root).value).toBe("");
      // and it is there when going back
      if (to > 2) press(root, "ArrowLeft");
      else press(root, "ArrowRight");
      expect(attr(root, "pos")).toBe("2");
      expect(entriesShown(root)).toEqual(["keep me \u4f60\u597d"]);
      frame();
      expect(model.sentOf("save")).toHaveLength(1);
    });
  }

  it("typed text survives navigation: skip keeps the text in the skipped annotation, one save", () => {
    const { root, model } = setup({ notes: {} });
    type(root, "why skipped");
    btn(root, "nbl-skip").click();
    expect(attr(root, "pos")).toBe("1");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({ pos: 0, was_cancelled: true });
    expect(notesOf(saves[0])).toEqual({ text: ["why skipped"] });
  });

  it("typed text survives navigation: undo that moves to another item", () => {
    const { root, model } = setup({ notes: {} });
    press(root, "1"); // pos 0 positive, advance to 1
    type(root, "on one");
    press(root, "z", { ctrl: true, code: "KeyZ" });
    expect(attr(root, "pos")).toBe("0");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(3);
    expect(saves[1]).toMatchObject({ pos: 1 });
    expect(notesOf(saves[1])).toEqual({ text: ["on one"] });
    expect(saves[2]).toMatchObject({ pos: 0, result: [] });
    press(root, "ArrowRight");
    expect(entriesShown(root)).toEqual(["on one"]);
  });

  it("typed text survives navigation: a label key that auto-advances saves text and label together", () => {
    const { root, model } = setup({ notes: { required: true } });
    type(root, "reason");
    press(root, "2"); // negative; the typed note fills the required TextArea
    expect(attr(root, "pos")).toBe("1");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0].result.map((r) => r.from_name).sort()).toEqual(["notes", "sentiment"]);
    expect(notesOf(saves[0])).toEqual({ text: ["reason"] });
  });

  it("typed text survives navigation: Ctrl+Enter in a multi-line field, and edits of editable entries", () => {
    const { root, model } = setup({ notes: { rows: 3, editable: true } });
    const area = notesInput(root) as HTMLTextAreaElement;
    area.value = "line one\nline two";
    press(area, "Enter", { ctrl: true });
    expect(attr(root, "pos")).toBe("1");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(notesOf(model.sentOf("save")[0])).toEqual({ text: ["line one\nline two"] });
    press(root, "ArrowLeft");
    // edit an entry without the `change` event (the field never lost focus), then move on
    const edit = root.querySelector<HTMLInputElement>(".nbl-entry-edit")!;
    edit.value = "edited";
    btn(root, "nbl-next").click();
    frame();
    expect(model.sentOf("save")).toHaveLength(2);
    expect(notesOf(model.sentOf("save")[1])).toEqual({ text: ["edited"] });
  });

  it("typed text survives navigation: a new `window` (set_data) keeps the text on its task", () => {
    const { root, model } = setup({ notes: {} });
    type(root, "before reload");
    const t = traits({ total: 12, to: 10 });
    model.set("window", t.window!);
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({ pos: 0, task_id: 100 });
    expect(notesOf(saves[0])).toEqual({ text: ["before reload"] });
    expect(entriesShown(root)).toEqual(["before reload"]);
  });
});

describe("draft is saved once", () => {
  it("draft is saved once: one save for the task, none on later visits", () => {
    const { root, model } = setup({ notes: {} });
    type(root, "once");
    press(root, "ArrowRight");
    press(root, "ArrowLeft");
    press(root, "ArrowRight");
    press(root, "ArrowLeft");
    expect(entriesShown(root)).toEqual(["once"]);
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(attr(root, "seq")).toBe("1");
  });

  it("draft is saved once: Ctrl+Enter saves once, the move adds nothing", () => {
    const { root, model } = setup({ notes: {} });
    const input = notesInput(root);
    input.focus();
    input.value = "go";
    press(input, "Enter", { ctrl: true });
    expect(attr(root, "pos")).toBe("1");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
  });

  it("draft is saved once: text already added with Enter is not added again", () => {
    const { root, model } = setup({ notes: {} });
    type(root, "same", false);
    press(notesInput(root), "Enter");
    type(root, "same"); // typed again, identical to the stored entry
    press(root, "ArrowRight");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    press(root, "ArrowLeft");
    expect(entriesShown(root)).toEqual(["same"]);
  });

  it("draft is saved once: with two views of one model", () => {
    const t = traits();
    const spec = t.spec as Spec;
    spec.root.children.push(node("TextArea", "control", { name: "notes", toName: "text", rows: 1 }));
    spec.controls.notes = { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: false };
    const model = new FakeModel(t);
    const a = setup({}, model);
    const elB = document.createElement("div");
    document.body.appendChild(elB);
    const disposeB = widget.render({ model, el: elB }); // a second output of the same widget
    const rootB = elB.querySelector<HTMLElement>(".nbl-root")!;
    notesInput(a.root).value = "from a";
    notesInput(rootB).value = "from b";
    press(a.root, "ArrowRight");
    expect(attr(rootB, "pos")).toBe("1");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(notesOf(saves[0])).toEqual({ text: ["from a", "from b"] });
    expect(notesInput(rootB).value).toBe("");
    disposeB();
    elB.remove();
  });
});

describe("whitespace draft is not saved", () => {
  it("whitespace draft is not saved", () => {
    const { root, model } = setup({ notes: {} });
    type(root, "  \n\t ");
    press(root, "ArrowRight");
    btn(root, "nbl-skip").click();
    frame();
    expect(model.sentOf("save")).toHaveLength(1); // the skip of item 1 only
    expect(model.sentOf("save")[0]).toMatchObject({ pos: 1, result: [], was_cancelled: true });
  });

  it("whitespace draft is not saved: nor an untouched prefill, which is saved once edited", () => {
    const { root, model } = setup({ notes: { value: "$review" } });
    expect(notesInput(root).value).toBe("Loved it \u2764\ufe0f");
    press(root, "ArrowRight");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    expect(notesInput(root).value).toBe("Terrible.");
    type(root, "Terrible!");
    press(root, "ArrowRight");
    frame();
    expect(model.sentOf("save")).toHaveLength(1);
    expect(notesOf(model.sentOf("save")[0])).toEqual({ text: ["Terrible!"] });
    // Ctrl+Enter on an untouched prefill is explicit: it is added
    const input = notesInput(root);
    expect(input.value).toBe("\u8fd9\u4e2a\u4ea7\u54c1\u5f88\u597d \ud83d\ude00");
    input.focus();
    press(input, "Enter", { ctrl: true });
    frame();
    expect(model.sentOf("save")).toHaveLength(2);
    expect(model.sentOf("save")[1]).toMatchObject({ pos: 2 });
    expect(notesOf(model.sentOf("save")[1])).toEqual({ text: ["\u8fd9\u4e2a\u4ea7\u54c1\u5f88\u597d \ud83d\ude00"] });
  });
});

describe("Choice selected=true", () => {
  it("selected choice shows pressed on an unlabeled task", () => {
    const { root, model } = setup({ selected: ["neutral"], labeled: { 1: "negative" }, settings: { auto_advance: false } });
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("true");
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("false");
    // shown, not saved: moving on invents no save and the task stays unlabeled
    press(root, "ArrowRight");
    frame();
    expect(model.sentOf("save")).toHaveLength(0);
    expect(attr(root, "done")).toBe("1");
    // a labeled task shows its own result
    expect(choice(root, "negative").getAttribute("aria-pressed")).toBe("true");
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("false");
    press(root, "ArrowRight");
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("true");
  });

  it("selected choice is saved with the first change on the task, as shown", () => {
    const { root, model } = setup({ selected: ["neutral"], notes: {}, settings: { auto_advance: false } });
    type(root, "a note", false);
    press(notesInput(root), "Enter");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0].result.find((r) => r.from_name === "sentiment")!.value).toEqual({ choices: ["neu"] });
    expect(notesOf(saves[0])).toEqual({ text: ["a note"] });
  });

  it("selected choice: a label key replaces it; clicking it unpresses without a save; undo shows it again", () => {
    const { root, model } = setup({ selected: ["neutral"], settings: { auto_advance: false } });
    press(root, "1");
    frame();
    expect(model.sentOf("save")[0].result[0].value).toEqual({ choices: ["positive"] });
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("false");
    press(root, "z", { ctrl: true, code: "KeyZ" });
    frame();
    expect(model.sentOf("save")[1]).toMatchObject({ pos: 0, result: [] });
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("true");
    press(root, "ArrowRight");
    choice(root, "neutral").click();
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("false");
    frame();
    expect(model.sentOf("save")).toHaveLength(2);
  });

  it("selected choices in multiple mode; a hotkey adds to them", () => {
    const { root, model } = setup({ selected: ["positive", "neutral"], choice: "multiple", settings: { auto_advance: false } });
    expect(choice(root, "positive").getAttribute("aria-pressed")).toBe("true");
    expect(choice(root, "neutral").getAttribute("aria-pressed")).toBe("true");
    press(root, "2");
    frame();
    expect(model.sentOf("save")[0].result[0].value).toEqual({ choices: ["positive", "negative", "neu"] });
  });

  it("selected choice with auto-advance: a label key on another control saves it too, then moves", () => {
    const t = traits({ window: undefined } as never);
    const spec = sentimentSpec() as Spec;
    spec.root.children[1].children[2].attrs.selected = true;
    spec.root.children.push(node("Rating", "control", { name: "stars", toName: "text", maxRating: 5 }));
    spec.controls.stars = { tag: "Rating", name: "stars", toName: ["text"], type: "rating", required: false };
    spec.hotkeys.q = { control: "stars", value: 4 };
    t.spec = spec;
    t.window = { from: 0, to: 3, tasks: [task(0), task(1), task(2)] };
    const { root, model } = mountTracked({}, new FakeModel(t));
    press(root, "q");
    expect(attr(root, "pos")).toBe("1");
    frame();
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0].result.map((r) => [r.from_name, r.value])).toEqual([
      ["sentiment", { choices: ["neu"] }],
      ["stars", { rating: 4 }],
    ]);
  });
});
