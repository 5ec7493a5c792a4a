// Chat (Label Studio 1.23's conversation tag; object and control in one): the task's
// messages [{role, content}] followed by the messages the annotator adds. Each added message
// is one result item {"type": "chatmessage", "value": {"chatmessage": {role, content,
// createdAt}}} with from_name = to_name = the Chat's name, as Label Studio stores them.
// Task messages are read-only; added ones can be edited or deleted when `editable` allows
// (true/false or a list of roles). `messageroles` picks the roles one can write as (default
// "user,assistant": nblabel calls no LLM, so `llm` only shows a note and the annotator writes
// the replies). `minMessages` / `maxMessages` (a number or $var) bound the conversation.
// DOM: each message is `.nbl-chat-msg[data-index][data-role]` (data-source task|result).
import type { ResultItem, SpecNode } from "../../protocol";
import { asString, displayValue, resolveValue } from "../../util";
import { el, setDisabled, setHidden, setText, type RenderContext } from "../context";

export interface ChatMessage {
  role: string;
  content: string;
  createdAt?: number;
}

export function taskMessages(raw: unknown): ChatMessage[] {
  let v = raw;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(v)) return [];
  return v
    .filter((m): m is Record<string, unknown> => !!m && typeof m === "object")
    .map((m) => ({ role: displayValue(m.role ?? ""), content: displayValue(m.content ?? "") }));
}

function resultMessage(item: ResultItem): ChatMessage | null {
  const m = (item.value as { chatmessage?: unknown } | undefined)?.chatmessage;
  if (!m || typeof m !== "object") return null;
  const o = m as Record<string, unknown>;
  return { role: displayValue(o.role ?? ""), content: displayValue(o.content ?? ""),
    createdAt: typeof o.createdAt === "number" ? o.createdAt : undefined };
}

const roleList = (s: string): string[] => s.split(",").map((r) => r.trim()).filter(Boolean);

export function renderChat(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const given = roleList(asString(a.messageRoles ?? a.messageroles));
  const roles = given.length ? given : ["user", "assistant"];
  const editableRaw = a.editable;
  const editable = (role: string): boolean =>
    editableRaw === true || editableRaw === "true" ||
    (typeof editableRaw === "string" && editableRaw !== "false" && roleList(editableRaw).includes(role));

  const box = el(ctx.doc, "div", "nbl-object nbl-control nbl-chat htx-chat");
  box.setAttribute("data-nbl-object", name);
  box.setAttribute("data-nbl-control", name);
  const log = el(ctx.doc, "div", "nbl-chat-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-label", `${name} conversation`);
  const count = el(ctx.doc, "div", "nbl-chat-count");
  const composer = el(ctx.doc, "div", "nbl-chat-composer");
  const roleSel = el(ctx.doc, "select", "nbl-input nbl-chat-role");
  roleSel.setAttribute("aria-label", `${name}: write as`);
  for (const r of roles) {
    const o = ctx.doc.createElement("option");
    o.value = r;
    o.textContent = r;
    roleSel.appendChild(o);
  }
  if (roles.length < 2) roleSel.hidden = true;
  const input = el(ctx.doc, "textarea", "nbl-input nbl-chat-input");
  input.rows = 2;
  input.placeholder = "type a message; Enter sends, Shift+Enter is a new line";
  input.setAttribute("aria-label", `${name}: new message`);
  const send = el(ctx.doc, "button", "nbl-btn nbl-chat-send", "send");
  send.type = "button";
  composer.append(roleSel, input, send);
  box.append(log, count, composer);
  const llm = asString(a.llm);
  if (llm) {
    box.appendChild(el(ctx.doc, "div", "nbl-chat-note",
      `automatic replies (llm="${llm}") need Label Studio Enterprise; write the replies here yourself`));
  }

  let fromTask: ChatMessage[] = [];
  let added: ResultItem[] = [];
  let maxMessages: number | undefined;
  let minMessages: number | undefined;
  let editing: string | null = null;

  const toValue = (m: ChatMessage) => ({ chatmessage: { role: m.role, content: m.content, createdAt: m.createdAt ?? Date.now() } });
  const saveAll = (msgs: Array<{ id?: string; m: ChatMessage }>) =>
    ctx.setItems(name, msgs.map(({ id, m }) => ({ id, value: toValue(m) })));
  const current = () => ctx.results(name).map((it) => ({ id: it.id, m: resultMessage(it) })).filter(
    (x): x is { id: string; m: ChatMessage } => !!x.m);

  const submit = () => {
    const text = input.value;
    if (!text.trim()) return;
    const total = fromTask.length + added.length;
    if (maxMessages !== undefined && total >= maxMessages) return;
    const role = roles.length > 1 ? roleSel.value : roles[0];
    input.value = "";
    saveAll([...current(), { m: { role, content: text, createdAt: Date.now() } }]);
    // the next turn is usually the other side
    if (roles.length > 1) roleSel.selectedIndex = (roleSel.selectedIndex + 1) % roles.length;
    input.focus();
  };
  send.addEventListener("click", (ev) => {
    ev.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !ev.isComposing) {
      ev.preventDefault();
      ev.stopPropagation();
      submit();
    }
  });
  // Ctrl+Enter (the widget's "commit and go on") sends what was typed first
  ctx.onCommit(name, submit);

  const bubble = (m: ChatMessage, index: number, source: "task" | "result", id?: string): HTMLElement => {
    const row = el(ctx.doc, "div", "nbl-chat-msg");
    row.setAttribute("data-index", String(index));
    row.setAttribute("data-role", m.role);
    row.setAttribute("data-source", source);
    if (id) row.setAttribute("data-result-id", id);
    row.appendChild(el(ctx.doc, "div", "nbl-chat-msg-role", m.role));
    if (id && editing === id) {
      const area = el(ctx.doc, "textarea", "nbl-input nbl-chat-edit");
      area.value = m.content;
      area.setAttribute("aria-label", `edit message ${index + 1}`);
      const done = el(ctx.doc, "button", "nbl-btn nbl-chat-save", "save");
      done.type = "button";
      const finish = () => {
        editing = null;
        saveAll(current().map((x) => (x.id === id ? { id, m: { ...x.m, content: area.value } } : x)));
      };
      done.addEventListener("click", (ev) => {
        ev.preventDefault();
        finish();
      });
      area.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
          ev.preventDefault();
          ev.stopPropagation();
          finish();
        }
      });
      row.append(area, done);
      queueMicrotask(() => area.focus());
      return row;
    }
    row.appendChild(el(ctx.doc, "div", "nbl-chat-msg-text", m.content));
    if (id && editable(m.role)) {
      const edit = el(ctx.doc, "button", "nbl-entry-edit", "edit");
      edit.type = "button";
      edit.setAttribute("aria-label", `edit message ${index + 1}`);
      edit.addEventListener("click", (ev) => {
        ev.preventDefault();
        editing = id;
        redraw();
      });
      const del = el(ctx.doc, "button", "nbl-entry-del", "\u00d7");
      del.type = "button";
      del.setAttribute("aria-label", `delete message ${index + 1}`);
      del.addEventListener("click", (ev) => {
        ev.preventDefault();
        saveAll(current().filter((x) => x.id !== id));
        ctx.focusRoot();
      });
      row.append(edit, del);
    }
    return row;
  };

  const redraw = () => {
    const rows: HTMLElement[] = fromTask.map((m, i) => bubble(m, i, "task"));
    added.forEach((it, j) => {
      const m = resultMessage(it);
      if (m) rows.push(bubble(m, fromTask.length + j, "result", it.id));
    });
    log.replaceChildren(...rows);
    const total = rows.length;
    const full = maxMessages !== undefined && total >= maxMessages;
    setDisabled(send, full);
    input.disabled = full;
    const parts = [`${total} message${total === 1 ? "" : "s"}`];
    if (minMessages !== undefined && total < minMessages) parts.push(`at least ${minMessages} needed`);
    if (maxMessages !== undefined) parts.push(`at most ${maxMessages}`);
    setText(count, parts.join(" \u00b7 "));
    box.toggleAttribute("data-too-short", minMessages !== undefined && total < minMessages);
    setHidden(composer, false);
  };

  let lastKey = "";
  ctx.onTask((t) => {
    fromTask = taskMessages(resolveValue(a.value, t.entry.data));
    added = t.result.filter((r) => r.from_name === name && r.type === "chatmessage");
    const num = (v: unknown) => {
      const n = Number(displayValue(resolveValue(v, t.entry.data)));
      return v === undefined || v === null || v === "" || !Number.isFinite(n) ? undefined : n;
    };
    maxMessages = num(a.maxMessages);
    minMessages = num(a.minMessages);
    if (t.moved) {
      editing = null;
      input.value = "";
    }
    const key = JSON.stringify([fromTask, added, maxMessages, minMessages, editing]);
    if (key === lastKey) return;
    lastKey = key;
    redraw();
  });
  return box;
}
