// The region list and the relations of the item on screen (Label Studio's outliner):
// pick a region (and scroll to it), hide it, delete it, start a relation from it; each
// relation shows "from → to", its direction, its labels, and can be deleted. Rows are
// keyed by region id and rebuilt only when that region changes.
import type { ResultItem } from "../protocol";
import { setPressed, setText, el } from "../tags/context";
import type { RegionController } from "./controller";
import { deleteRelation, regionKind, updateRelation, type Region, type RelationItem } from "./model";

const ARROW: Record<string, string> = { right: "\u2192", left: "\u2190", bi: "\u2194" };
const NEXT_DIRECTION: Record<string, RelationItem["direction"]> = { right: "left", left: "bi", bi: "right" };

function describe(r: Region): string {
  const kind = regionKind(r.type);
  const text = kind ? kind.describe(r.value) : "";
  return text.length > 60 ? `${text.slice(0, 57)}\u2026` : text;
}

export function mountRegionPanel(doc: Document, regions: RegionController): { root: HTMLElement; update(): void } {
  const state = regions.state;
  const root = el(doc, "div", "nbl-regions-panel");
  const head = el(doc, "div", "nbl-regions-head", "Regions");
  const list = el(doc, "ol", "nbl-region-list");
  const relHead = el(doc, "div", "nbl-regions-head", "Relations");
  const relList = el(doc, "ol", "nbl-relation-list");
  root.append(head, list, relHead, relList);
  const relOpts = regions.relationOptions();
  const relationLabels = relOpts.values.map((v) => ({ value: v, result: v }));
  const relMultiple = relOpts.multiple;

  interface Row {
    li: HTMLElement;
    sig: string;
    hide: HTMLElement;
    shown: string; // the selected/hidden/relating state last written
  }
  const rows = new Map<string, Row>();
  const sigs = new WeakMap<object, string>();
  // Long lists show the first LIMIT rows (and the selected one); "show all" lifts it.
  const LIMIT = 100;
  let limit = LIMIT;
  const more = el(doc, "button", "nbl-btn nbl-region-more");
  more.type = "button";
  more.addEventListener("click", (ev) => {
    ev.preventDefault();
    limit = Infinity;
    render();
  });
  root.insertBefore(more, relHead);

  const rowFor = (r: Region): HTMLElement => {
    const li = el(doc, "li", "nbl-region-item");
    li.setAttribute("data-region-id", r.id);
    const dot = el(doc, "span", "nbl-region-dot");
    dot.style.setProperty("--nbl-region-color", regions.colorOf(r));
    const label = el(doc, "span", "nbl-region-label", r.labels.join(", "));
    const text = el(doc, "span", "nbl-region-text", describe(r));
    const hide = el(doc, "button", "nbl-btn nbl-region-hide", "hide");
    hide.type = "button";
    hide.title = "hide / show this region";
    const relate = el(doc, "button", "nbl-btn nbl-region-relate", "relate");
    relate.type = "button";
    relate.title = "draw a relation from this region (Alt+R)";
    const del = el(doc, "button", "nbl-btn nbl-region-delete", "\u00d7");
    del.type = "button";
    del.title = "delete this region (Backspace)";
    del.setAttribute("aria-label", "delete region");
    li.append(dot, label, text, hide, relate, del);
    li.addEventListener("click", (ev) => {
      ev.preventDefault();
      const t = ev.target as Element;
      const cur = state.regionSet().byId.get(r.id);
      if (!cur) return;
      if (t.closest(".nbl-region-delete")) regions.deleteRegion(r.id);
      else if (t.closest(".nbl-region-hide")) {
        state.updateRegionUI((ui) => {
          if (ui.hidden.has(r.id)) ui.hidden.delete(r.id);
          else ui.hidden.add(r.id);
        });
      } else if (t.closest(".nbl-region-relate")) regions.startRelation(r.id);
      else {
        regions.pick(r.id);
        regions.reveal(cur);
      }
      (doc.querySelector(".nbl-root") as HTMLElement | null)?.focus({ preventScroll: true });
    });
    return li;
  };

  const relationRow = (rel: RelationItem, byId: Map<string, Region>): HTMLElement => {
    const li = el(doc, "li", "nbl-relation");
    li.setAttribute("data-from-id", rel.from_id);
    li.setAttribute("data-to-id", rel.to_id);
    li.setAttribute("data-direction", rel.direction || "right");
    const name = (id: string) => {
      const r = byId.get(id);
      return r ? `${r.labels.join(", ")} \u201c${describe(r)}\u201d` : id;
    };
    const from = el(doc, "span", "nbl-relation-from", name(rel.from_id));
    const dir = el(doc, "button", "nbl-btn nbl-relation-direction", ARROW[rel.direction || "right"] ?? "\u2192");
    dir.type = "button";
    dir.title = "change the direction";
    const to = el(doc, "span", "nbl-relation-to", name(rel.to_id));
    li.append(from, dir, to);
    const chosen = Array.isArray(rel.labels) ? rel.labels.map(String) : [];
    for (const opt of relationLabels) {
      const b = el(doc, "button", "nbl-btn nbl-relation-label", opt.value);
      b.type = "button";
      b.setAttribute("data-value", opt.value);
      setPressed(b, chosen.includes(opt.result));
      b.addEventListener("click", (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        const has = chosen.includes(opt.result);
        const labels = relMultiple ? (has ? chosen.filter((l) => l !== opt.result) : [...chosen, opt.result]) : has ? [] : [opt.result];
        state.editResult((cur) => updateRelation(cur, rel.from_id, rel.to_id, { labels }));
      });
      li.appendChild(b);
    }
    const del = el(doc, "button", "nbl-btn nbl-relation-delete", "\u00d7");
    del.type = "button";
    del.title = "delete this relation";
    del.setAttribute("aria-label", "delete relation");
    li.appendChild(del);
    dir.addEventListener("click", (ev) => {
      ev.preventDefault();
      state.editResult((cur) => updateRelation(cur, rel.from_id, rel.to_id, { direction: NEXT_DIRECTION[rel.direction || "right"] }));
    });
    del.addEventListener("click", (ev) => {
      ev.preventDefault();
      state.editResult((cur: ResultItem[]) => deleteRelation(cur, rel.from_id, rel.to_id));
    });
    // hovering a relation outlines both ends in the object
    li.addEventListener("mouseenter", () => mark(rel, true));
    li.addEventListener("mouseleave", () => mark(rel, false));
    return li;
  };

  const mark = (rel: RelationItem, on: boolean) => {
    for (const id of [rel.from_id, rel.to_id]) {
      for (const e of doc.querySelectorAll(`.nbl-object [data-region-id="${id.replace(/["\\]/g, "\\$&")}"]`)) {
        e.classList.toggle("nbl-related", on);
      }
    }
  };

  let lastRelations: RelationItem[] | null = null;
  let lastRelKey = "";

  const api = {
    root,
    update() {
      render();
    },
  };

  function render(): void {
      const set = state.regionSet();
      const ui = state.regionUI;
      const seen = new Set<string>();
      let prev: HTMLElement | null = null;
      let count = 0;
      for (const r of set.regions) {
        if (count >= limit && ui.selected !== r.id) continue;
        count++;
        seen.add(r.id);
        let sig = sigs.get(r.item);
        if (sig === undefined) {
          sig = JSON.stringify([r.labels, r.value.start, r.value.end, r.value.text, regions.colorOf(r)]);
          sigs.set(r.item, sig);
        }
        let row = rows.get(r.id);
        if (!row || row.sig !== sig) {
          const li = rowFor(r);
          if (row) row.li.replaceWith(li);
          row = { li, sig, hide: li.querySelector(".nbl-region-hide") as HTMLElement, shown: "" };
          rows.set(r.id, row);
        }
        const li = row.li;
        const want: ChildNode | null = prev ? prev.nextSibling : list.firstChild;
        if (want !== li) list.insertBefore(li, want);
        const selected = ui.selected === r.id;
        const hidden = ui.hidden.has(r.id);
        const relating = ui.relateFrom === r.id;
        const shown = `${+selected}${+hidden}${+relating}`;
        if (shown !== row.shown) {
          row.shown = shown;
          li.classList.toggle("nbl-selected", selected);
          li.setAttribute("aria-selected", selected ? "true" : "false");
          li.classList.toggle("nbl-region-hidden", hidden);
          setText(row.hide, hidden ? "show" : "hide");
          setPressed(row.hide, hidden);
          li.classList.toggle("nbl-relating-from", relating);
        }
        prev = li;
      }
      const rest = set.regions.length - count;
      more.hidden = rest <= 0;
      if (rest > 0) setText(more, `show all ${set.regions.length} regions`);
      for (const [id, row] of rows) {
        if (!seen.has(id)) {
          row.li.remove();
          rows.delete(id);
        }
      }
      const relKey = JSON.stringify(set.relations) + "|" + set.regions.map((r) => r.labels.join(",")).join("|");
      if (set.relations !== lastRelations || relKey !== lastRelKey) {
        lastRelations = set.relations;
        lastRelKey = relKey;
        relList.replaceChildren(...set.relations.map((rel) => relationRow(rel, set.byId)));
      }
      relHead.hidden = set.relations.length === 0;
      const n = String(set.regions.length);
      if (root.getAttribute("data-count") !== n) root.setAttribute("data-count", n);
  }

  return api;
}
