// Taxonomy (+ nested Choice): a searchable tree; every checked node is saved as its
// root→node path of result values (alias ?? value). Result {"taxonomy": [["A", "B"], ["C"]]}.
// leafsOnly: only leaves can be checked. maxUsages: at most that many paths. Options may also
// come from the task (`value="$tree"`: [{value, alias?, children?}]). Keyboard in the tree:
// ↑/↓ move, → opens (or goes to the first child), ← closes (or goes to the parent),
// Space/Enter checks; ↓ in the search box enters the tree.
import type { SpecNode } from "../../protocol";
import { asBool, asNumber, asString, lookupVar } from "../../util";
import { el, setPressed, type RenderContext, requiredMarker } from "../context";

export interface TaxonomyNode {
  value: string;
  /** What goes into result paths: alias ?? value. */
  result: string;
  children: TaxonomyNode[];
}

/** The Choice tree under a Taxonomy node (through nested Views). */
export function taxonomyFromSpec(node: SpecNode): TaxonomyNode[] {
  const out: TaxonomyNode[] = [];
  for (const child of node.children || []) {
    if (child.tag === "Choice") {
      const value = asString(child.attrs?.value);
      const alias = asString(child.attrs?.alias);
      out.push({ value, result: alias || value, children: taxonomyFromSpec(child) });
    } else if (child.children?.length) {
      out.push(...taxonomyFromSpec(child));
    }
  }
  return out;
}

/** A tree from task data: strings or {value, alias?, children?}. */
export function taxonomyFromData(raw: unknown): TaxonomyNode[] {
  if (!Array.isArray(raw)) return [];
  const out: TaxonomyNode[] = [];
  for (const item of raw) {
    if (typeof item === "string" || typeof item === "number") {
      out.push({ value: String(item), result: String(item), children: [] });
    } else if (item && typeof item === "object" && (item as { value?: unknown }).value != null) {
      const o = item as { value: unknown; alias?: unknown; children?: unknown };
      const value = String(o.value);
      const alias = typeof o.alias === "string" && o.alias ? o.alias : undefined;
      out.push({ value, result: alias ?? value, children: taxonomyFromData(o.children) });
    }
  }
  return out;
}

export const pathKey = (path: string[]): string => JSON.stringify(path);

/** Result paths, read leniently (a bare string is a one-element path). */
export function pathsOf(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return value
    .map((p) => (Array.isArray(p) ? p.map(String) : typeof p === "string" ? [p] : null))
    .filter((p): p is string[] => !!p && p.length > 0);
}

interface Row {
  node: TaxonomyNode;
  path: string[];
  depth: number;
  parent: Row | null;
  li: HTMLLIElement;
  item: HTMLButtonElement;
  toggle: HTMLButtonElement | null;
  group: HTMLUListElement | null;
  open: boolean;
}

export function renderTaxonomy(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const leafsOnly = asBool(a.leafsOnly);
  const showFullPath = asBool(a.showFullPath);
  const sep = asString(a.pathSeparator, " / ");
  const maxUsages = asNumber(a.maxUsages);
  const box = el(ctx.doc, "div", "nbl-control nbl-taxonomy");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const flagMissing = requiredMarker(box, node, ctx);

  const chips = el(ctx.doc, "ul", "nbl-tax-selected");
  chips.setAttribute("aria-label", `${name}: selected`);
  const search = el(ctx.doc, "input", "nbl-input nbl-tax-search");
  search.type = "search";
  search.placeholder = asString(a.placeholder) || "search\u2026";
  search.setAttribute("aria-label", `search ${name}`);
  const tree = el(ctx.doc, "ul", "nbl-tax-tree");
  tree.setAttribute("role", "tree");
  tree.setAttribute("aria-label", name);
  tree.setAttribute("aria-multiselectable", "true");
  box.append(chips, search, tree);
  const apiUrl = asString(a.apiUrl);
  if (apiUrl) {
    // nblabel never fetches from the network at run time: options come from the config or the task
    box.appendChild(el(ctx.doc, "div", "nbl-tax-note",
      `options from apiUrl are not loaded in nblabel; put them in the config or the task (value="$options")`));
  }

  const staticTree = taxonomyFromSpec(node);
  const dyn = typeof a.value === "string" && a.value.startsWith("$") ? a.value.slice(1) : null;
  let rows: Row[] = [];
  let treeKey = "";
  let selected: string[][] = [];

  const current = (): string[][] => pathsOf(ctx.result(name)?.value?.taxonomy);
  const full = () => maxUsages !== undefined && maxUsages > 0 && selected.length >= maxUsages;

  const toggle = (row: Row) => {
    if (leafsOnly && row.node.children.length) {
      setOpen(row, !row.open);
      return;
    }
    const cur = current();
    const key = pathKey(row.path);
    const has = cur.some((p) => pathKey(p) === key);
    if (!has && full()) return;
    const keys = new Set(cur.map(pathKey));
    if (has) keys.delete(key);
    else keys.add(key);
    // tree order, then paths the tree does not know (kept, never dropped)
    const ordered = rows.map((r) => r.path).filter((p) => keys.has(pathKey(p)));
    const known = new Set(ordered.map(pathKey));
    const next = [...ordered, ...cur.filter((p) => keys.has(pathKey(p)) && !known.has(pathKey(p)))];
    ctx.setValue(name, next.length ? { taxonomy: next } : null);
  };

  const setOpen = (row: Row, open: boolean) => {
    if (!row.group) return;
    row.open = open;
    row.li.setAttribute("aria-expanded", open ? "true" : "false");
    if (row.toggle) row.toggle.textContent = open ? "\u25be" : "\u25b8";
    applyVisibility();
  };

  const build = (nodes: TaxonomyNode[]) => {
    tree.replaceChildren();
    rows = [];
    const add = (list: TaxonomyNode[], parentEl: HTMLUListElement, parent: Row | null, depth: number) => {
      for (const n of list) {
        const path = [...(parent?.path ?? []), n.result];
        const li = el(ctx.doc, "li", "nbl-tax-node");
        li.setAttribute("role", "treeitem");
        li.setAttribute("aria-level", String(depth + 1));
        const line = el(ctx.doc, "div", "nbl-tax-line");
        let tgl: HTMLButtonElement | null = null;
        if (n.children.length) {
          tgl = el(ctx.doc, "button", "nbl-tax-toggle", "\u25b8");
          tgl.type = "button";
          tgl.tabIndex = -1;
          tgl.setAttribute("aria-label", `open ${n.value}`);
          li.setAttribute("aria-expanded", "false");
        } else {
          line.appendChild(el(ctx.doc, "span", "nbl-tax-spacer"));
        }
        const item = el(ctx.doc, "button", "nbl-tax-item", n.value);
        item.type = "button";
        item.tabIndex = -1;
        item.setAttribute("data-value", n.value);
        item.setAttribute("data-path", pathKey(path));
        if (!(leafsOnly && n.children.length)) item.setAttribute("aria-pressed", "false");
        if (tgl) line.appendChild(tgl);
        line.appendChild(item);
        li.appendChild(line);
        parentEl.appendChild(li);
        const row: Row = { node: n, path, depth, parent, li, item, toggle: tgl, group: null, open: false };
        rows.push(row);
        item.addEventListener("click", (ev) => {
          ev.preventDefault();
          focusRow(row);
          toggle(row);
        });
        tgl?.addEventListener("click", (ev) => {
          ev.preventDefault();
          setOpen(row, !row.open);
        });
        if (n.children.length) {
          const group = el(ctx.doc, "ul", "nbl-tax-group");
          group.setAttribute("role", "group");
          li.appendChild(group);
          row.group = group;
          add(n.children, group, row, depth + 1);
        }
      }
    };
    add(nodes, tree, null, 0);
    if (rows.length) rows[0].item.tabIndex = 0;
    applyVisibility();
  };

  /** Search: a row shows when it or a descendant matches (ancestors of matches open). */
  const applyVisibility = () => {
    const q = search.value.trim().toLowerCase();
    const match = new Map<Row, boolean>();
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i];
      const self = !q || r.node.value.toLowerCase().includes(q) || r.node.result.toLowerCase().includes(q);
      match.set(r, self || (match.get(r) ?? false));
      if (r.parent && match.get(r)) match.set(r.parent, true);
    }
    for (const r of rows) {
      const parentsOpen = (() => {
        for (let p = r.parent; p; p = p.parent) if (!(p.open || (q && match.get(p)))) return false;
        return true;
      })();
      r.li.hidden = !match.get(r) || !parentsOpen;
    }
  };

  const visibleRows = () => rows.filter((r) => !r.li.hidden);
  const focusRow = (row: Row) => {
    for (const r of rows) r.item.tabIndex = r === row ? 0 : -1;
    row.item.focus();
  };

  search.addEventListener("input", applyVisibility);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") {
      const first = visibleRows()[0];
      if (first) {
        ev.preventDefault();
        ev.stopPropagation();
        focusRow(first);
      }
    }
  });
  tree.addEventListener("keydown", (ev) => {
    const row = rows.find((r) => r.item === ev.target);
    if (!row || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const vis = visibleRows();
    const i = vis.indexOf(row);
    let handled = true;
    if (ev.key === "ArrowDown") {
      if (vis[i + 1]) focusRow(vis[i + 1]);
    } else if (ev.key === "ArrowUp") {
      if (i > 0) focusRow(vis[i - 1]);
      else search.focus();
    } else if (ev.key === "ArrowRight") {
      if (row.group && !row.open) setOpen(row, true);
      else if (row.group && vis[i + 1]?.parent === row) focusRow(vis[i + 1]);
    } else if (ev.key === "ArrowLeft") {
      if (row.group && row.open) setOpen(row, false);
      else if (row.parent) focusRow(row.parent);
    } else if (ev.key === " " || ev.key === "Enter") {
      ev.preventDefault();
      toggle(row);
    } else {
      handled = false;
    }
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  });

  ctx.onTask((t) => {
    const nodes = dyn !== null ? [...staticTree, ...taxonomyFromData(lookupVar(t.entry.data, dyn))] : staticTree;
    const key = JSON.stringify(nodes);
    if (key !== treeKey) {
      treeKey = key;
      build(nodes);
    }
    if (t.moved && search.value) {
      search.value = "";
      applyVisibility();
    }
    // through ctx.result: with perRegion="true" the value is the selected region's
    selected = pathsOf(ctx.result(name)?.value?.taxonomy);
    const keys = new Set(selected.map(pathKey));
    const isFull = full();
    for (const r of rows) {
      if (!r.item.hasAttribute("aria-pressed")) continue;
      const on = keys.has(pathKey(r.path));
      setPressed(r.item, on);
      r.li.setAttribute("aria-selected", on ? "true" : "false");
      r.item.disabled = !on && isFull;
    }
    // open the ancestors of what is selected, once per item shown
    if (t.moved) {
      for (const r of rows) if (r.group && r.open) setOpen(r, false);
      for (const r of rows) if (keys.has(pathKey(r.path))) for (let p = r.parent; p; p = p.parent) setOpen(p, true);
    }
    chips.replaceChildren(
      ...selected.map((p) => {
        const li = el(ctx.doc, "li", "nbl-tax-chip");
        li.setAttribute("data-path", pathKey(p));
        li.appendChild(el(ctx.doc, "span", "nbl-tax-chip-text", showFullPath ? p.join(sep) : p[p.length - 1]));
        li.title = p.join(sep);
        const del = el(ctx.doc, "button", "nbl-tax-chip-del", "\u00d7");
        del.type = "button";
        del.setAttribute("aria-label", `remove ${p.join(sep)}`);
        del.addEventListener("click", (ev) => {
          ev.preventDefault();
          const rest = current().filter((q) => pathKey(q) !== pathKey(p));
          ctx.setValue(name, rest.length ? { taxonomy: rest } : null);
          ctx.focusRoot();
        });
        li.appendChild(del);
        return li;
      }),
    );
    flagMissing(selected.length === 0);
  });
  return box;
}
