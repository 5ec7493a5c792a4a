// The region layer of one view: which object views show regions, what a label key or a
// label click does, region keys (Delete, Escape, Alt+R, keyboard selection), and region
// creation (maxUsages, granularity, colours). Object views (Text spans today; image shapes
// and audio segments next) register an `ObjectRegionView`; nothing here knows how an
// object draws its regions, so a new object type plugs in without touching text code.
import type { ResultItem, SpecNode } from "../protocol";
import type { ControlInfo, SpecIndex } from "../spec";
import type { LabelState } from "../state";
import { asNumber, asString, newId } from "../util";
import { addRegion, deleteRegion, regionKindForTag, setRegionLabels, type Region } from "./model";

/** What an object tag with regions offers the layer. */
export interface ObjectRegionView {
  /** The object's `name`. */
  name: string;
  /**
   * The geometry (`value` without labels) of what the user has selected in this object
   * and not made a region yet (a mouse or keyboard selection), or null.
   */
  pendingGeometry(control: ControlInfo, label: string | undefined): Record<string, unknown> | null;
  /** Forget that selection (after a region was made of it). */
  clearPending(): void;
  /** Scroll region `id` into view. */
  reveal(id: string): void;
  /** Keyboard selection keys (Shift+Arrow...); true when handled. */
  key?(e: KeyboardEvent): boolean;
}

export interface LabelOption {
  value: string;
  result: string;
  background: string;
  maxUsages?: number;
  granularity?: string;
  node: SpecNode;
}

const SAFE_COLOR = /^[#\w(),.%\s-]{1,64}$/;

export function safeColor(v: unknown, dflt = "#36B37E"): string {
  const s = asString(v).trim();
  return s && SAFE_COLOR.test(s) ? s : dflt;
}

/**
 * The mouse side of an object view, shared by every object that shows regions: a drag that
 * leaves a selection asks the layer for a region (`selectionMade`), a click picks the region
 * under the pointer or deselects. A click on a region never follows a link it sits in.
 * `beforeDrag` runs before a drag becomes a region (Text drops its keyboard selection).
 * Returns the function that unbinds both listeners.
 */
export function bindRegionPointer(
  box: HTMLElement,
  regions: RegionController,
  objectName: string,
  beforeDrag?: () => void,
): () => void {
  const doc = box.ownerDocument;
  const onMouseUp = () => {
    const sel = doc.getSelection?.();
    if (!sel || sel.isCollapsed) return;
    beforeDrag?.();
    regions.selectionMade(objectName);
  };
  const onClick = (ev: MouseEvent) => {
    const sel = doc.getSelection?.();
    if (sel && !sel.isCollapsed) return; // a drag, handled on mouseup
    const hit = (ev.target as Element | null)?.closest?.("[data-region-id]");
    if (hit && box.contains(hit)) {
      ev.preventDefault();
      regions.pick(hit.getAttribute("data-region-id"));
    } else regions.pick(null);
  };
  box.addEventListener("mouseup", onMouseUp);
  box.addEventListener("click", onClick);
  return () => {
    box.removeEventListener("mouseup", onMouseUp);
    box.removeEventListener("click", onClick);
  };
}

export class RegionController {
  private objects = new Map<string, ObjectRegionView>();

  constructor(
    readonly state: LabelState,
    readonly index: SpecIndex,
  ) {}

  /** `<Relations>` of the config (it has no name, so it is not in the control index): its labels. */
  relationOptions(): { values: string[]; multiple: boolean } {
    const found: SpecNode[] = [];
    const visit = (n: SpecNode | undefined) => {
      if (!n) return;
      if (n.tag === "Relations") found.push(n);
      for (const c of n.children || []) visit(c);
    };
    visit(this.state.spec?.root);
    const values: string[] = [];
    for (const r of found) for (const c of r.children || []) if (c.tag === "Relation") values.push(asString(c.attrs?.value));
    return { values: values.filter(Boolean), multiple: found.some((r) => r.attrs?.choice === "multiple") };
  }

  /** Region controls (Labels, HyperTextLabels, ...) targeting object `name`. */
  controlsFor(object: string): ControlInfo[] {
    return [...this.index.controls.values()].filter((c) => c.toName === object && !!regionKindForTag(c.tag));
  }

  isRegionControl(control: string): boolean {
    const info = this.index.controls.get(control);
    return !!info && !!regionKindForTag(info.tag);
  }

  hasRegionControls(): boolean {
    return [...this.index.controls.values()].some((c) => !!regionKindForTag(c.tag));
  }

  registerObject(view: ObjectRegionView): () => void {
    this.objects.set(view.name, view);
    return () => {
      if (this.objects.get(view.name) === view) this.objects.delete(view.name);
    };
  }

  /**
   * `granularity` of a new region (`symbol` | `word`): the chosen label's own attribute, else the
   * control's, else the object's (`objectAttrs`), else `symbol`.
   */
  granularity(control: ControlInfo, label: string | undefined, objectAttrs: Record<string, unknown>): string {
    const opt = label === undefined ? undefined : this.options(control.name).find((o) => o.result === label);
    return asString(opt?.granularity ?? control.attrs.granularity ?? objectAttrs.granularity, "symbol");
  }

  private optionCache = new Map<string, LabelOption[]>();

  options(control: string): LabelOption[] {
    const hit = this.optionCache.get(control);
    if (hit) return hit;
    const info = this.index.controls.get(control);
    if (!info) return [];
    const out = info.options.map((o) => {
      const a = o.node.attrs || {};
      return {
        value: o.value,
        result: o.result,
        background: safeColor(a.background),
        maxUsages: asNumber(a.maxUsages),
        granularity: a.granularity === undefined ? undefined : asString(a.granularity),
        node: o.node,
      };
    });
    this.optionCache.set(control, out);
    return out;
  }

  /** The colour of a region: its first label's `background`. */
  colorOf(region: Region): string {
    const opt = this.options(region.from_name).find((o) => o.result === region.labels[0]);
    return opt ? opt.background : safeColor(undefined);
  }

  /** A label was picked (hotkey or click) on a region control. */
  labelPicked(control: string, value: string): void {
    const info = this.index.controls.get(control);
    if (!info || !this.state.current()) return;
    const multiple = info.choice === "multiple";
    // 1. A selection waiting in the object: make it a region with this label.
    const obj = this.objects.get(info.toName);
    const geometry = obj?.pendingGeometry(info, value);
    if (obj && geometry) {
      this.create(info, obj, geometry, [value]);
      return;
    }
    // 2. A region of this control is selected: change its label.
    const sel = this.state.selectedRegion();
    if (sel && sel.from_name === control) {
      let labels: string[];
      if (multiple) labels = sel.labels.includes(value) ? sel.labels.filter((l) => l !== value) : [...sel.labels, value];
      else labels = [value];
      if (!labels.length) return; // a region keeps at least one label; delete it instead
      if (!this.usageAllows(info, labels.filter((l) => !sel.labels.includes(l)), false)) return;
      this.state.editResult((cur) => setRegionLabels(cur, sel.id, labels));
      return;
    }
    // 3. Otherwise it becomes the active label: the next selection in the object uses it.
    this.state.updateRegionUI((ui) => {
      const cur = ui.active.get(control) ?? [];
      let next: string[];
      if (multiple) next = cur.includes(value) ? cur.filter((l) => l !== value) : [...cur, value];
      else next = cur.length === 1 && cur[0] === value ? [] : [value];
      if (next.length) ui.active.set(control, next);
      else ui.active.delete(control);
    });
  }

  /** Active labels on controls of `object`: the first such control and its labels. */
  activeFor(object: string): { control: ControlInfo; labels: string[] } | null {
    for (const c of this.controlsFor(object)) {
      const labels = this.state.regionUI.active.get(c.name);
      if (labels && labels.length) return { control: c, labels };
    }
    return null;
  }

  /** The user finished a selection in `object` (mouseup): with an active label, label it. */
  selectionMade(object: string): boolean {
    const active = this.activeFor(object);
    const obj = this.objects.get(object);
    if (!active || !obj) return false;
    const geometry = obj.pendingGeometry(active.control, active.labels[0]);
    if (!geometry) return false;
    this.create(active.control, obj, geometry, active.labels);
    return true;
  }

  /** maxUsages (on Labels: regions per item; on a Label: uses per item); says why not in the toolbar. */
  private usageAllows(info: ControlInfo, added: string[], newRegion: boolean): boolean {
    const regions = this.state.regionSet().regions.filter((r) => r.from_name === info.name);
    const max = asNumber(info.attrs.maxUsages);
    if (newRegion && max !== undefined && max > 0 && regions.length >= max) {
      this.state.setNotice(`${info.name}: at most ${max} region(s) per item (maxUsages)`);
      return false;
    }
    for (const label of added) {
      const opt = this.options(info.name).find((o) => o.result === label);
      if (opt?.maxUsages !== undefined && opt.maxUsages > 0) {
        const used = regions.filter((r) => r.labels.includes(label)).length;
        if (used >= opt.maxUsages) {
          this.state.setNotice(`${label}: at most ${opt.maxUsages} use(s) per item (maxUsages)`);
          return false;
        }
      }
    }
    return true;
  }

  private create(info: ControlInfo, obj: ObjectRegionView, geometry: Record<string, unknown>, labels: string[]): void {
    const kind = regionKindForTag(info.tag);
    if (!kind) return;
    if (!this.usageAllows(info, labels, true)) return;
    const item: ResultItem = {
      id: newId(),
      from_name: info.name,
      to_name: info.toName,
      type: kind.type,
      value: { ...geometry, [kind.labelsKey]: labels },
      origin: "manual",
    };
    // one change, one re-render: the new span, selected
    this.state.batch(() => {
      obj.clearPending();
      this.state.editResult((cur) => addRegion(cur, item));
      this.state.selectRegion(item.id);
    });
  }

  deleteSelected(): boolean {
    const sel = this.state.selectedRegion();
    if (!sel) return false;
    this.state.batch(() => {
      this.state.editResult((cur) => deleteRegion(cur, sel.id));
      this.state.selectRegion(null);
    });
    return true;
  }

  deleteRegion(id: string): void {
    this.state.editResult((cur) => deleteRegion(cur, id));
    if (this.state.regionUI.selected === id) this.state.selectRegion(null);
  }

  /** Pick a region (click on it, or in the region list). */
  pick(id: string | null): void {
    this.state.selectRegion(id);
  }

  reveal(region: Region): void {
    this.objects.get(region.to_name)?.reveal(region.id);
  }

  startRelation(from: string): void {
    this.state.updateRegionUI((ui) => {
      ui.relateFrom = from;
    });
    this.state.setNotice("Relation: pick the target region (Esc cancels)");
  }

  /**
   * Region keys, tried before the widget's own keys; true when handled. `editable`: focus
   * is in a text field (then only nothing here applies).
   */
  handleKey(e: KeyboardEvent, editable: boolean): boolean {
    if (editable || !this.state.current()) return false;
    const ui = this.state.regionUI;
    const key = e.key;
    const mods = e.ctrlKey || e.metaKey || e.altKey;
    if ((key === "Backspace" || key === "Delete") && !mods && !e.shiftKey) return this.deleteSelected();
    if (key === "Escape" && !mods) {
      if (ui.kbd || ui.relateFrom || ui.selected || ui.active.size) {
        this.state.updateRegionUI((u) => {
          if (u.kbd) u.kbd = null;
          else if (u.relateFrom) u.relateFrom = null;
          else if (u.selected) u.selected = null;
          else u.active.clear();
        });
        this.state.setNotice("");
        return true;
      }
      return false;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === "KeyR" || key.toLowerCase() === "r")) {
      const sel = this.state.selectedRegion();
      if (!sel) return false;
      this.startRelation(sel.id);
      return true;
    }
    for (const obj of this.objects.values()) if (obj.key?.(e)) return true;
    return false;
  }

  /** Per-region controls and `visibleWhen`: is a region (of `object`, with one of `labels`) selected? */
  regionSelected(opts: { object?: string; control?: string; labels?: string[] }): boolean {
    const sel = this.state.selectedRegion();
    if (!sel) return false;
    if (opts.object && sel.to_name !== opts.object) return false;
    if (opts.control && sel.from_name !== opts.control) return false;
    if (opts.labels && opts.labels.length && !sel.labels.some((l) => opts.labels!.includes(l))) return false;
    return true;
  }

}
