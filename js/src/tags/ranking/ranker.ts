// List (object) + Ranker (+ Bucket): rank the List's items, or sort them into buckets.
// Items come from the task: [{id, title?, body?, html?}] (html sanitized). Without Buckets
// the Ranker has one column keyed by its own name; with Buckets one column per Bucket, plus
// the List's own column "_" unless a Bucket has default="true" (Label Studio's layout).
// Result {"ranker": {<column>: [item ids]}} with to_name = the List, every column listed.
// Move items by dragging, or focus one and use ↑/↓ (within a column) and ←/→ (between columns).
import type { SpecNode } from "../../protocol";
import { sanitizeHtml } from "../../sanitize";
import { asBool, asString, resolveValue } from "../../util";
import { el, type RenderContext } from "../context";

export const ORIGINAL = "_";

export interface ListItem {
  id: string;
  title: string;
  body: string;
  html: string;
}

export function listItems(raw: unknown): ListItem[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((it): it is Record<string, unknown> => !!it && typeof it === "object" && (it as { id?: unknown }).id != null)
    .map((it) => ({
      id: String(it.id),
      title: typeof it.title === "string" ? it.title : "",
      body: typeof it.body === "string" ? it.body : "",
      html: typeof it.html === "string" ? it.html : "",
    }));
}

export interface Column {
  id: string;
  title: string;
}

export function rankerColumns(rankerName: string, listTitle: string, buckets: SpecNode[]): { columns: Column[]; home: string } {
  if (!buckets.length) return { columns: [{ id: rankerName, title: listTitle }], home: rankerName };
  const columns = buckets.map((b) => ({ id: asString(b.attrs?.name), title: asString(b.attrs?.title) }));
  const dflt = buckets.find((b) => asBool(b.attrs?.default));
  if (dflt) return { columns, home: asString(dflt.attrs?.name) };
  return { columns: [{ id: ORIGINAL, title: listTitle }, ...columns], home: ORIGINAL };
}

/** Item ids per column: the stored result, unknown or unplaced items in the home column. */
export function placeItems(columns: Column[], home: string, ids: string[], stored: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(columns.map((c) => [c.id, [] as string[]]));
  const known = new Set(ids);
  const placed = new Set<string>();
  if (stored && typeof stored === "object") {
    for (const [col, list] of Object.entries(stored as Record<string, unknown>)) {
      if (!(col in out) || !Array.isArray(list)) continue;
      for (const v of list) {
        const id = String(v);
        if (known.has(id) && !placed.has(id)) {
          out[col].push(id);
          placed.add(id);
        }
      }
    }
  }
  for (const id of ids) if (!placed.has(id)) out[home].push(id);
  return out;
}

function itemCard(doc: Document, it: ListItem, cls: string): HTMLElement {
  const card = el(doc, "div", cls);
  card.setAttribute("data-item-id", it.id);
  if (it.title) card.appendChild(el(doc, "div", "nbl-rank-title", it.title));
  if (it.body) card.appendChild(el(doc, "div", "nbl-rank-body", it.body));
  if (it.html) {
    const h = el(doc, "div", "nbl-rank-html");
    h.appendChild(sanitizeHtml(it.html, doc));
    card.appendChild(h);
  }
  if (!it.title && !it.body && !it.html) card.appendChild(el(doc, "div", "nbl-rank-title", it.id));
  return card;
}

function listNode(ctx: RenderContext, name: string): SpecNode | null {
  let found: SpecNode | null = null;
  const visit = (n: SpecNode) => {
    if (found) return;
    if (n.tag === "List" && n.attrs?.name === name) found = n;
    else for (const c of n.children || []) visit(c);
  };
  visit(ctx.spec.root);
  return found;
}

/** List on its own shows its items read-only; with a Ranker on it, the Ranker shows them. */
export function renderList(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const box = el(ctx.doc, "div", "nbl-object nbl-list");
  box.setAttribute("data-nbl-object", name);
  const ranked = Object.values(ctx.spec.controls || {}).some((c) => c.tag === "Ranker" && c.toName?.[0] === name);
  if (ranked) {
    box.hidden = true;
    return box;
  }
  const title = asString(a.title);
  const head = el(ctx.doc, "div", "nbl-rank-head", title);
  const items = el(ctx.doc, "div", "nbl-rank-items");
  box.append(head, items);
  if (!title) head.hidden = true;
  let last = "";
  ctx.onTask((t) => {
    const list = listItems(resolveValue(a.value, t.entry.data));
    const key = JSON.stringify(list);
    if (key === last) return;
    last = key;
    items.replaceChildren(...list.map((it) => itemCard(ctx.doc, it, "nbl-rank-item")));
  });
  return box;
}

export function renderRanker(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const info = ctx.index.controls.get(name);
  const listName = info?.toName ?? asString(a.toName);
  const list = listNode(ctx, listName);
  const buckets = (node.children || []).filter((c) => c.tag === "Bucket");
  const { columns, home } = rankerColumns(name, asString(list?.attrs?.title), buckets);
  const box = el(ctx.doc, "div", "nbl-control nbl-ranker");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const help = el(ctx.doc, "div", "nbl-rank-help", "drag items, or focus one and use \u2191 \u2193 \u2190 \u2192");
  box.appendChild(help);
  const row = el(ctx.doc, "div", "nbl-rank-columns");
  box.appendChild(row);
  const colEls = new Map<string, HTMLElement>();
  for (const c of columns) {
    const col = el(ctx.doc, "div", "nbl-rank-column htx-ranker-column");
    col.setAttribute("data-column", c.id);
    col.setAttribute("role", "list");
    col.setAttribute("aria-label", c.title || c.id);
    const head = el(ctx.doc, "div", "nbl-rank-head", c.title || (c.id === ORIGINAL ? "" : c.id));
    const items = el(ctx.doc, "div", "nbl-rank-items");
    col.append(head, items);
    row.appendChild(col);
    colEls.set(c.id, items);
    col.addEventListener("dragover", (ev) => {
      ev.preventDefault();
      if (ev.dataTransfer) ev.dataTransfer.dropEffect = "move";
    });
    col.addEventListener("drop", (ev) => {
      ev.preventDefault();
      const id = ev.dataTransfer?.getData("text/plain") || dragging;
      if (!id) return;
      const target = (ev.target as HTMLElement | null)?.closest?.("[data-item-id]") as HTMLElement | null;
      const before = target && target.getAttribute("data-item-id") !== id ? target.getAttribute("data-item-id") : null;
      move(id, c.id, before);
    });
  }

  let items: ListItem[] = [];
  let byId = new Map<string, ListItem>();
  let placed: Record<string, string[]> = {};
  let dragging: string | null = null;
  let refocus: string | null = null;

  const save = (next: Record<string, string[]>) => {
    ctx.setValue(name, { ranker: next });
  };

  /** Move item `id` into column `col`, before item `before` (or to the end). */
  const move = (id: string, col: string, before: string | null) => {
    const next: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(placed)) next[k] = v.filter((x) => x !== id);
    const list = next[col] ?? (next[col] = []);
    const at = before ? list.indexOf(before) : -1;
    if (at >= 0) list.splice(at, 0, id);
    else list.push(id);
    if (JSON.stringify(next) === JSON.stringify(placed)) return;
    refocus = id;
    save(next);
  };

  const onKey = (ev: KeyboardEvent, id: string) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const colIdx = columns.findIndex((c) => placed[c.id]?.includes(id));
    if (colIdx < 0) return;
    const col = columns[colIdx].id;
    const list = placed[col];
    const i = list.indexOf(id);
    let handled = true;
    if (ev.key === "ArrowUp" && i > 0) move(id, col, list[i - 1]);
    else if (ev.key === "ArrowDown" && i < list.length - 1) move(id, col, list[i + 2] ?? null);
    else if (ev.key === "ArrowLeft" && colIdx > 0) move(id, columns[colIdx - 1].id, null);
    else if (ev.key === "ArrowRight" && colIdx < columns.length - 1) move(id, columns[colIdx + 1].id, null);
    else handled = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(ev.key);
    if (handled) {
      // arrows are the widget's navigation keys: inside the ranker they move the item
      ev.preventDefault();
      ev.stopPropagation();
    }
  };

  const draw = () => {
    for (const c of columns) {
      const holder = colEls.get(c.id)!;
      holder.replaceChildren(
        ...(placed[c.id] ?? []).map((id, i) => {
          const it = byId.get(id)!;
          const card = itemCard(ctx.doc, it, "nbl-rank-item htx-ranker-item");
          card.tabIndex = 0;
          card.draggable = true;
          card.setAttribute("role", "listitem");
          card.setAttribute("aria-label", `${it.title || it.id}, ${i + 1} of ${placed[c.id].length} in ${c.title || c.id}`);
          card.addEventListener("dragstart", (ev) => {
            dragging = id;
            ev.dataTransfer?.setData("text/plain", id);
          });
          card.addEventListener("dragend", () => (dragging = null));
          card.addEventListener("keydown", (ev) => onKey(ev, id));
          return card;
        }),
      );
    }
    if (refocus) {
      const want = refocus;
      const card = [...box.querySelectorAll<HTMLElement>("[data-item-id]")].find((c) => c.getAttribute("data-item-id") === want);
      refocus = null;
      card?.focus();
    }
  };

  let lastKey = "";
  ctx.onTask((t) => {
    items = list ? listItems(resolveValue(list.attrs?.value, t.entry.data)) : [];
    byId = new Map(items.map((it) => [it.id, it]));
    const item = t.result.find((r) => r.from_name === name);
    placed = placeItems(columns, home, items.map((i) => i.id), item?.value?.ranker);
    const key = JSON.stringify([items, placed]);
    if (key === lastKey && !refocus) return;
    lastKey = key;
    draw();
  });
  return box;
}
