// Table (object): a dict as Name/Value rows (keys sorted case-insensitively, as Label Studio
// shows them) or a list of dicts as rows with the first row's keys as columns. Nested values
// are shown as JSON. Text only: nothing in the data becomes markup.
import type { SpecNode } from "../../protocol";
import { asString, resolveValue } from "../../util";
import { el, type RenderContext } from "../context";

const cellText = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

export function tableRows(value: unknown): { head: string[]; rows: string[][] } {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return { head: ["Value"], rows: [[v as string]] };
    }
  }
  if (Array.isArray(v)) {
    const first = v.find((r) => r && typeof r === "object" && !Array.isArray(r)) as Record<string, unknown> | undefined;
    if (!first) return { head: ["Value"], rows: v.map((r) => [cellText(r)]) };
    const head = Object.keys(first);
    return { head, rows: v.map((r) => head.map((k) => cellText(r && typeof r === "object" ? (r as Record<string, unknown>)[k] : undefined))) };
  }
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    return { head: ["Name", "Value"], rows: keys.map((k) => [k, cellText((v as Record<string, unknown>)[k])]) };
  }
  return { head: ["Value"], rows: v === undefined || v === null ? [] : [[cellText(v)]] };
}

export function renderTable(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const box = el(ctx.doc, "div", "nbl-object nbl-table");
  box.setAttribute("data-nbl-object", asString(a.name));
  let last = "";
  ctx.onTask((t) => {
    const { head, rows } = tableRows(resolveValue(a.value, t.entry.data));
    const key = JSON.stringify([head, rows]);
    if (key === last) return;
    last = key;
    const table = el(ctx.doc, "table", "nbl-table-grid");
    const thead = el(ctx.doc, "thead");
    const hr = el(ctx.doc, "tr");
    for (const h of head) {
      const th = el(ctx.doc, "th", undefined, h);
      th.scope = "col";
      hr.appendChild(th);
    }
    thead.appendChild(hr);
    const tbody = el(ctx.doc, "tbody");
    for (const r of rows) {
      const tr = el(ctx.doc, "tr");
      for (const c of r) tr.appendChild(el(ctx.doc, "td", undefined, c));
      tbody.appendChild(tr);
    }
    table.append(thead, tbody);
    box.replaceChildren(table);
  });
  return box;
}
