// TextArea: a list of submitted entries plus an input. Result {"text": [entries]}.
// rows == 1: Enter adds an entry. rows > 1: Enter is a newline, the add button adds.
// Ctrl+Enter anywhere in the field adds what was typed and moves on (handled by the view).
// Typed text is never dropped: before the view leaves the item (any navigation, skip,
// undo/redo that moves, a label key that auto-advances) the commit hook adds a non-blank
// draft that is not already an entry, and applies unsaved edits of editable entries.
// An untouched prefill (`value`) is shown, not saved, until the user adds or edits it.
import type { SpecNode } from "../protocol";
import { asBool, asNumber, asString, displayValue, resolveValue } from "../util";
import { el, setHidden, type RenderContext, requiredMarker } from "./context";

function entriesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => displayValue(v));
  if (typeof value === "string") return [value];
  return [];
}

export function renderTextArea(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const rows = Math.max(1, Math.round(asNumber(a.rows) ?? 1));
  const maxSubmissions = asNumber(a.maxSubmissions);
  const editable = asBool(a.editable);
  const prefill = a.value;
  const box = el(ctx.doc, "div", "nbl-control nbl-textarea");
  box.setAttribute("data-nbl-control", name);
  const flagMissing = requiredMarker(box, node, ctx);
  const list = el(ctx.doc, "ul", "nbl-entries");
  box.appendChild(list);
  const row = el(ctx.doc, "div", "nbl-textarea-input");
  const input: HTMLInputElement | HTMLTextAreaElement =
    rows > 1 ? el(ctx.doc, "textarea", "nbl-input") : el(ctx.doc, "input", "nbl-input");
  if (input.tagName === "TEXTAREA") (input as HTMLTextAreaElement).rows = rows;
  else (input as HTMLInputElement).type = "text";
  const placeholder = asString(a.placeholder);
  if (placeholder) input.placeholder = placeholder;
  input.setAttribute("aria-label", name);
  row.appendChild(input);
  let addButton: HTMLButtonElement | null = null;
  if (rows > 1 || a.showSubmitButton === true) {
    addButton = el(ctx.doc, "button", "nbl-add", "add");
    addButton.type = "button";
    row.appendChild(addButton);
  }
  box.appendChild(row);

  let entries: string[] = [];
  /** Editable entry fields and the value each was given (one-line inputs drop newlines). */
  let fields: Array<{ field: HTMLInputElement; init: string }> = [];
  /** What the input was given when the item was shown (a prefill): not a draft. */
  let shown = "";

  const save = (next: string[]) => {
    ctx.setValue(name, next.length ? { text: next } : null);
  };
  /** The stored entries (read from the state: another view may have just added some). */
  const stored = (): string[] => entriesOf(ctx.result(name)?.value?.text);
  const isFull = (n: number) => maxSubmissions !== undefined && maxSubmissions > 0 && n >= maxSubmissions;
  const add = (): boolean => {
    const text = input.value;
    if (!text.trim()) return false;
    const cur = stored();
    if (isFull(cur.length)) return false;
    input.value = "";
    shown = "";
    save([...cur, text]);
    return true;
  };
  /** Before leaving the item: keep what was typed and differs from what is stored. */
  const commitDraft = () => {
    const cur = stored();
    let next = cur;
    if (editable && JSON.stringify(cur) === JSON.stringify(entries)) {
      next = [];
      cur.forEach((text, i) => {
        const f = fields[i];
        if (!f || f.field.value === f.init) next.push(text);
        else if (f.field.value.trim()) next.push(f.field.value);
      });
    }
    const text = input.value;
    const isNew = text.trim() !== "" && text !== shown && !next.some((e) => e.trim() === text.trim());
    if (isNew && !isFull(next.length)) {
      next = [...next, text];
      input.value = "";
      shown = "";
    }
    if (JSON.stringify(next) !== JSON.stringify(cur)) save(next);
  };

  input.addEventListener("keydown", (ev) => {
    const e = ev as KeyboardEvent;
    if (e.key === "Enter" && rows === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
      e.preventDefault();
      e.stopPropagation();
      add();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      add(); // explicit, so a prefill counts too; the view then commits and moves on
    }
  });
  addButton?.addEventListener("click", (ev) => {
    ev.preventDefault();
    add();
    input.focus();
  });
  ctx.onCommit(name, commitDraft);
  ctx.onFocus(name, () => input.focus());

  const renderEntries = () => {
    list.replaceChildren();
    fields = [];
    entries.forEach((text, i) => {
      const li = el(ctx.doc, "li", "nbl-entry");
      if (editable) {
        const field = el(ctx.doc, "input", "nbl-input nbl-entry-edit");
        field.type = "text";
        field.value = text;
        field.setAttribute("aria-label", `${name} entry ${i + 1}`);
        fields.push({ field, init: field.value });
        field.addEventListener("change", () => {
          const next = [...entries];
          if (field.value.trim()) next[i] = field.value;
          else next.splice(i, 1);
          save(next);
        });
        li.appendChild(field);
      } else {
        li.appendChild(el(ctx.doc, "span", "nbl-entry-text", text));
      }
      const del = el(ctx.doc, "button", "nbl-entry-del", "\u00d7");
      del.type = "button";
      del.setAttribute("aria-label", `remove entry ${i + 1}`);
      del.addEventListener("click", (ev) => {
        ev.preventDefault();
        save(entries.filter((_, j) => j !== i));
        ctx.focusRoot();
      });
      li.appendChild(del);
      list.appendChild(li);
    });
  };

  let lastKey = "";
  ctx.onTask((t) => {
    const item = t.result.find((r) => r.from_name === name);
    const next = entriesOf(item?.value?.text);
    const key = JSON.stringify(next);
    if (key !== lastKey || t.moved) {
      entries = next;
      lastKey = key;
      renderEntries();
    }
    if (t.moved) {
      const pre = prefill === undefined || prefill === null || entries.length ? "" : displayValue(resolveValue(prefill, t.entry.data));
      input.value = pre;
      shown = pre;
    }
    const full = maxSubmissions !== undefined && maxSubmissions > 0 && entries.length >= maxSubmissions;
    setHidden(row, full);
    flagMissing(entries.length === 0);
  });
  return box;
}
