import { describe, expect, it } from "vitest";
import { compileHotkeys, guardKey, resolveKey, type KeyLike } from "../src/keys";

const table = compileHotkeys({
  "1": { control: "c", value: "a" },
  Q: { control: "c", value: "b" },
  "shift+x": { control: "c", value: "x" },
  "ctrl+1": { control: "c", value: "ctrl" },
  space: { control: "c", value: "sp" },
});

const k = (key: string, extra: Partial<KeyLike> = {}) => resolveKey({ key, ...extra }, table);

describe("resolveKey", () => {
  it("maps the widget's own keys", () => {
    expect(k("ArrowRight")).toEqual({ kind: "next" });
    expect(k("j")).toEqual({ kind: "next" });
    expect(k("ArrowLeft")).toEqual({ kind: "prev" });
    expect(k("k")).toEqual({ kind: "prev" });
    expect(k("n")).toEqual({ kind: "nextUnlabeled" });
    expect(k("u")).toEqual({ kind: "toggleFilter" });
    expect(k(" ", { ctrlKey: true })).toEqual({ kind: "skip" });
    expect(k("z", { ctrlKey: true })).toEqual({ kind: "undo" });
    expect(k("Z", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "redo" });
    expect(k("y", { ctrlKey: true })).toEqual({ kind: "redo" });
    expect(k("z", { metaKey: true })).toEqual({ kind: "undo" });
  });

  it("matches hotkeys case-insensitively, with Shift, by digit code, never with Ctrl/Alt", () => {
    expect(k("1")).toEqual({ kind: "hotkey", binding: { control: "c", value: "a" } });
    expect(k("q")).toEqual({ kind: "hotkey", binding: { control: "c", value: "b" } });
    expect(k("Q", { shiftKey: true })).toEqual({ kind: "hotkey", binding: { control: "c", value: "b" } });
    expect(k("!", { shiftKey: true, code: "Digit1" })).toEqual({ kind: "hotkey", binding: { control: "c", value: "a" } });
    expect(k("End", { code: "Numpad1" })).toEqual({ kind: "hotkey", binding: { control: "c", value: "a" } });
    expect(k("q", { altKey: true })).toBeNull();
    expect(k("X", { shiftKey: true })).toEqual({ kind: "hotkey", binding: { control: "c", value: "x" } });
    expect(k("x")).toBeNull();
    expect(k("1", { ctrlKey: true })).toEqual({ kind: "hotkey", binding: { control: "c", value: "ctrl" } });
    expect(k(" ")).toEqual({ kind: "hotkey", binding: { control: "c", value: "sp" } });
  });

  it("uses the physical key on non-Latin layouts", () => {
    expect(k("\u043e", { code: "KeyJ" })).toEqual({ kind: "next" });
    expect(k("\u044f", { ctrlKey: true, code: "KeyZ" })).toEqual({ kind: "undo" });
  });

  it("passes other keys through", () => {
    expect(k("Enter", { shiftKey: true })).toBeNull();
    expect(k("Enter")).toBeNull();
    expect(k("m")).toBeNull();
    expect(k("a")).toBeNull();
    expect(k("ArrowDown")).toBeNull();
    expect(k("ArrowRight", { shiftKey: true, ctrlKey: true })).toBeNull();
    expect(k("j", { ctrlKey: true })).toBeNull();
    expect(k("s", { ctrlKey: true })).toBeNull();
    expect(k("Escape")).toBeNull();
  });

  it("Shift+arrows step through every item; PageUp/PageDown/Space scroll", () => {
    expect(k("ArrowRight", { shiftKey: true })).toEqual({ kind: "next", all: true });
    expect(k("ArrowLeft", { shiftKey: true })).toEqual({ kind: "prev", all: true });
    expect(k("PageDown")).toEqual({ kind: "scroll", dir: 1 });
    expect(k("PageUp")).toEqual({ kind: "scroll", dir: -1 });
    const plain = compileHotkeys({ "1": { control: "c", value: "a" } });
    expect(resolveKey({ key: " " }, plain)).toEqual({ kind: "scroll", dir: 1 });
    expect(resolveKey({ key: " ", shiftKey: true }, plain)).toEqual({ kind: "scroll", dir: -1 });
    expect(k(" ")).toEqual({ kind: "hotkey", binding: { control: "c", value: "sp" } }); // a config's space key wins
  });

  it("inside inputs only Escape and Ctrl+Enter are handled", () => {
    for (const tag of ["input", "textarea", "select"]) {
      const target = document.createElement(tag);
      expect(k("1", { target })).toBeNull();
      expect(k("j", { target })).toBeNull();
      expect(k("z", { target, ctrlKey: true })).toBeNull();
      expect(k("Escape", { target })).toEqual({ kind: "blur" });
      expect(k("Enter", { target, ctrlKey: true })).toEqual({ kind: "commit" });
      expect(k("Enter", { target })).toBeNull();
    }
    const ce = document.createElement("div");
    ce.setAttribute("contenteditable", "true");
    expect(k("1", { target: ce })).toBeNull();
  });
});

describe("guardKey", () => {
  it("guards plain printable keys and ArrowUp/Down on the root only", () => {
    const root = document.createElement("div");
    expect(guardKey({ key: "m", target: root })).toBe(true);
    expect(guardKey({ key: "D", shiftKey: true, target: root })).toBe(true);
    expect(guardKey({ key: "ArrowDown", target: root })).toBe(true);
    expect(guardKey({ key: "m", ctrlKey: true, target: root })).toBe(false);
    expect(guardKey({ key: "Enter", shiftKey: true, target: root })).toBe(false);
    expect(guardKey({ key: "Escape", target: root })).toBe(false);
    expect(guardKey({ key: "m", target: document.createElement("input") })).toBe(false);
  });
});
