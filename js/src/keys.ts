// The key map (docs/architecture.md, "Keys"). Pure: turns a keydown into an action.
import type { HotkeyBinding } from "./protocol";
import { isEditableTarget } from "./util";

export type KeyAction =
  | { kind: "hotkey"; binding: HotkeyBinding }
  /** `all`: step to the adjacent item even when the unlabeled filter is on (Shift+arrows). */
  | { kind: "next"; all?: boolean }
  | { kind: "prev"; all?: boolean }
  /** PageDown/Space (1), PageUp/Shift+Space (-1): scroll the task's text. */
  | { kind: "scroll"; dir: 1 | -1 }
  | { kind: "nextUnlabeled" }
  | { kind: "skip" }
  | { kind: "undo" }
  | { kind: "redo" }
  | { kind: "toggleFilter" }
  /** Escape inside an input: blur back to the root. */
  | { kind: "blur" }
  /** Ctrl+Enter inside an input: commit the field, then next. */
  | { kind: "commit" };

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  target?: EventTarget | null;
}

interface Combo {
  key: string;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  /** Written without modifiers: matches with or without Shift. */
  plain: boolean;
  binding: HotkeyBinding;
}

export interface HotkeyTable {
  combos: Combo[];
}

const NAMED: Record<string, string> = {
  space: " ",
  spacebar: " ",
  plus: "=",
  enter: "enter",
  return: "enter",
  esc: "escape",
  escape: "escape",
  left: "arrowleft",
  right: "arrowright",
  up: "arrowup",
  down: "arrowdown",
  tab: "tab",
};

/** Compile `spec.hotkeys` ("1", "q", "shift+a", "ctrl+1"...). */
export function compileHotkeys(hotkeys: Record<string, HotkeyBinding> | undefined | null): HotkeyTable {
  const combos: Combo[] = [];
  for (const [raw, binding] of Object.entries(hotkeys || {})) {
    if (!binding || typeof binding.control !== "string") continue;
    const text = raw.trim().toLowerCase();
    if (!text) continue;
    // "+" alone or a trailing "++" means the plus key.
    const parts = text === "+" ? ["+"] : text.endsWith("++") ? [...text.slice(0, -2).split("+").filter(Boolean), "+"] : text.split("+");
    const keyPart = parts[parts.length - 1];
    const mods = new Set(parts.slice(0, -1));
    const key = NAMED[keyPart] ?? keyPart;
    const ctrl = mods.has("ctrl") || mods.has("control") || mods.has("cmd") || mods.has("command") || mods.has("meta");
    const alt = mods.has("alt") || mods.has("option");
    const shift = mods.has("shift");
    combos.push({ key, ctrl, alt, shift, plain: mods.size === 0, binding });
  }
  return { combos };
}

/** The key names an event may stand for: e.key lower-cased, plus layout-free fallbacks. */
function eventKeys(e: KeyLike): string[] {
  const out: string[] = [];
  const k = (e.key || "").toLowerCase();
  if (k) out.push(k === "spacebar" ? " " : k);
  const code = e.code || "";
  let m = /^Digit(\d)$/.exec(code) || /^Numpad(\d)$/.exec(code);
  if (m && !out.includes(m[1])) out.push(m[1]);
  m = /^Key([A-Z])$/.exec(code);
  // Non-Latin layouts: fall back to the physical Latin letter.
  if (m && !/^[a-z]$/.test(k)) out.push(m[1].toLowerCase());
  return out;
}

function matchHotkey(e: KeyLike, table: HotkeyTable, keys: string[]): HotkeyBinding | null {
  const ctrl = !!(e.ctrlKey || e.metaKey);
  const alt = !!e.altKey;
  const shift = !!e.shiftKey;
  for (const c of table.combos) {
    if (!keys.includes(c.key)) continue;
    if (c.plain) {
      if (!ctrl && !alt) return c.binding;
    } else if (c.ctrl === ctrl && c.alt === alt && c.shift === shift) {
      return c.binding;
    }
  }
  return null;
}

/**
 * Resolve a keydown to an action, or null to let it pass through untouched.
 * Handled keys must get preventDefault() + stopPropagation() from the caller.
 * `editable`: whether the target is a text field; a caller that knows (the widget root is
 * not) saves the lookup, which walks the target's ancestors.
 */
export function resolveKey(
  e: KeyLike,
  table: HotkeyTable,
  editable: boolean = isEditableTarget(e.target ?? null),
): KeyAction | null {
  const ctrl = !!(e.ctrlKey || e.metaKey);
  const alt = !!e.altKey;
  const shift = !!e.shiftKey;
  const key = e.key || "";

  if (editable) {
    if (key === "Escape" && !ctrl && !alt && !shift) return { kind: "blur" };
    if (key === "Enter" && ctrl && !alt && !shift) return { kind: "commit" };
    return null;
  }

  const keys = eventKeys(e);
  if (ctrl && !alt) {
    if (key === " " || key === "Spacebar" || e.code === "Space") return shift ? null : { kind: "skip" };
    if (keys.includes("z")) return shift ? { kind: "redo" } : { kind: "undo" };
    if (keys.includes("y") && !shift) return { kind: "redo" };
  }

  const hk = matchHotkey(e, table, keys);
  if (hk) return { kind: "hotkey", binding: hk };

  if (ctrl || alt) return null;
  if (key === "ArrowRight") return shift ? { kind: "next", all: true } : { kind: "next" };
  if (key === "ArrowLeft") return shift ? { kind: "prev", all: true } : { kind: "prev" };
  if (key === "PageDown" && !shift) return { kind: "scroll", dir: 1 };
  if (key === "PageUp" && !shift) return { kind: "scroll", dir: -1 };
  if (key === " " || key === "Spacebar") return { kind: "scroll", dir: shift ? -1 : 1 };
  if (keys.includes("j")) return { kind: "next" };
  if (keys.includes("k")) return { kind: "prev" };
  if (keys.includes("n")) return { kind: "nextUnlabeled" };
  if (keys.includes("u")) return { kind: "toggleFilter" };
  return null;
}

/**
 * Keys typed into a text field stay in the widget (JupyterLab must not run the cell on
 * Shift+Enter or Alt+Enter while someone types a note): everything but Ctrl/Meta
 * combinations other than Ctrl+Enter (Ctrl+S, Ctrl+C... keep working).
 */
export function keepInField(e: KeyLike): boolean {
  if (e.ctrlKey || e.metaKey) return e.key === "Enter";
  return true;
}

/**
 * Keys the widget does not use but must keep from the notebook: with focus on the widget
 * the notebook is in command mode, where plain letters (m, a, b, d d, ...) and ArrowUp/Down
 * edit or move cells. These only get stopPropagation() (their default action, e.g. scrolling,
 * still happens). Anything with Ctrl/Alt/Meta, Enter, Shift+Enter, Escape, Tab and the
 * function keys pass through untouched.
 */
export function guardKey(e: KeyLike, editable: boolean = isEditableTarget(e.target ?? null)): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (editable) return false;
  const key = e.key || "";
  return key.length === 1 || key === "ArrowUp" || key === "ArrowDown" || key === "Spacebar";
}
