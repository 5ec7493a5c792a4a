// The region model, shared by every object that has regions (Text spans today; image
// shapes, audio segments and paragraph spans plug in through `registerRegionKind`).
//
// A region is one Label Studio result item carrying a geometry (`labels` on Text:
// {start, end, text, labels}) plus the per-region items (perRegion Choices/TextArea/...)
// that share its `id` and copy its geometry. Relations are result items of type
// `relation` with `from_id`/`to_id` and no id. Everything here is pure: edits take a
// result list and return a new one, so undo/redo (which stores whole annotations) and
// saving work unchanged for every region kind.
import type { ResultItem } from "../protocol";
import { editedOrigin } from "../util";

/** What the layer needs to know about one result type that makes regions. */
export interface RegionKind {
  /** Result `type` of the region item ("labels", "hypertextlabels", "rectanglelabels"...). */
  type: string;
  /** The control tag producing it ("Labels", "HyperTextLabels", ...). */
  controlTag: string;
  /** The value key holding the labels (Label Studio: "labels" for Text, else = `type`). */
  labelsKey: string;
  /** Value keys that make the geometry, copied into the per-region items. */
  geometryKeys: string[];
  /** A short human text for the region list. */
  describe(value: Record<string, unknown>): string;
}

const KINDS = new Map<string, RegionKind>();
const KIND_BY_TAG = new Map<string, RegionKind>();

export function registerRegionKind(kind: RegionKind): void {
  KINDS.set(kind.type, kind);
  KIND_BY_TAG.set(kind.controlTag, kind);
}

export function regionKind(type: string): RegionKind | undefined {
  return KINDS.get(type);
}

export function regionKindForTag(tag: string): RegionKind | undefined {
  return KIND_BY_TAG.get(tag);
}

function textOf(value: Record<string, unknown>): string {
  const t = value.text;
  return typeof t === "string" ? t : "";
}

// Text spans (Labels on Text).
registerRegionKind({
  type: "labels",
  controlTag: "Labels",
  labelsKey: "labels",
  geometryKeys: ["start", "end", "text"],
  describe: textOf,
});
// HyperText spans: XPaths + offsets inside them + offsets in the rendered text.
registerRegionKind({
  type: "hypertextlabels",
  controlTag: "HyperTextLabels",
  labelsKey: "hypertextlabels",
  geometryKeys: ["start", "end", "startOffset", "endOffset", "globalOffsets", "text"],
  describe: textOf,
});
// Paragraph spans: paragraph indices + offsets inside them.
registerRegionKind({
  type: "paragraphlabels",
  controlTag: "ParagraphLabels",
  labelsKey: "paragraphlabels",
  geometryKeys: ["start", "end", "startOffset", "endOffset", "text"],
  describe: textOf,
});

export interface Region {
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  labels: string[];
  /** The region's own result item. */
  item: ResultItem;
  /** Per-region items (other controls) sharing the id. */
  extras: ResultItem[];
  /** Position in the region list (result order). */
  index: number;
}

export interface RelationItem {
  type: "relation";
  from_id: string;
  to_id: string;
  direction: "right" | "left" | "bi";
  labels?: string[];
  [key: string]: unknown;
}

export interface RegionSet {
  regions: Region[];
  byId: Map<string, Region>;
  relations: RelationItem[];
}

export function isRelation(item: ResultItem | Record<string, unknown>): boolean {
  return (item as { type?: unknown }).type === "relation";
}

export function labelsOf(item: ResultItem): string[] {
  const kind = regionKind(item.type);
  const v = kind ? item.value?.[kind.labelsKey] : undefined;
  return Array.isArray(v) ? v.map(String) : [];
}

/** Group a result list into regions and relations (Label Studio's rule: same id = same region). */
export function parseRegions(result: ResultItem[]): RegionSet {
  const regions: Region[] = [];
  const byId = new Map<string, Region>();
  const relations: RelationItem[] = [];
  for (const item of result) {
    if (!item || typeof item !== "object") continue;
    if (isRelation(item)) {
      relations.push(item as unknown as RelationItem);
      continue;
    }
    if (!regionKind(item.type) || typeof item.id !== "string" || byId.has(item.id)) continue;
    const r: Region = {
      id: item.id,
      from_name: item.from_name,
      to_name: item.to_name,
      type: item.type,
      value: item.value || {},
      labels: labelsOf(item),
      item,
      extras: [],
      index: regions.length,
    };
    regions.push(r);
    byId.set(r.id, r);
  }
  for (const item of result) {
    if (!item || isRelation(item) || regionKind(item.type)) continue;
    const r = typeof item.id === "string" ? byId.get(item.id) : undefined;
    if (r) r.extras.push(item);
  }
  return {
    regions,
    byId,
    relations: relations.filter((rel) => byId.has(rel.from_id) && byId.has(rel.to_id)),
  };
}

/** The geometry fields of a region, to copy into a per-region item. */
export function geometryOf(region: Region): Record<string, unknown> {
  const kind = regionKind(region.type);
  const out: Record<string, unknown> = {};
  for (const k of kind?.geometryKeys ?? []) if (region.value[k] !== undefined) out[k] = region.value[k];
  return out;
}

// ---- edits (pure) ------------------------------------------------------------------

export function addRegion(result: ResultItem[], item: ResultItem): ResultItem[] {
  return [...result, item];
}

/** Replace the labels of region `id`. */
export function setRegionLabels(result: ResultItem[], id: string, labels: string[]): ResultItem[] {
  return result.map((r) => {
    if (r.id !== id || isRelation(r)) return r;
    const kind = regionKind(r.type);
    if (!kind) return r;
    return { ...r, value: { ...r.value, [kind.labelsKey]: labels }, origin: editedOrigin(r) };
  });
}

/** Delete region `id`: its item, its per-region items and the relations that touch it. */
export function deleteRegion(result: ResultItem[], id: string): ResultItem[] {
  return result.filter((r) => {
    if (isRelation(r)) {
      const rel = r as unknown as RelationItem;
      return rel.from_id !== id && rel.to_id !== id;
    }
    return r.id !== id;
  });
}

/** Set (or with null clear) the per-region value of `control` on region `region`. */
export function setPerRegionValue(
  result: ResultItem[],
  region: Region,
  control: { name: string; type: string },
  value: Record<string, unknown> | null,
): ResultItem[] {
  const idx = result.findIndex((r) => r.id === region.id && r.from_name === control.name && !isRelation(r));
  if (value === null) return idx < 0 ? result : result.filter((_, i) => i !== idx);
  const item: ResultItem = {
    id: region.id,
    from_name: control.name,
    to_name: region.to_name,
    type: control.type,
    value: { ...geometryOf(region), ...value },
    origin: editedOrigin(idx >= 0 ? result[idx] : undefined),
  };
  return idx >= 0 ? result.map((r, i) => (i === idx ? item : r)) : [...result, item];
}

function sameRelation(a: RelationItem, from: string, to: string): boolean {
  return a.from_id === from && a.to_id === to;
}

/** Add a relation from -> to (none twice between the same pair in the same order). */
export function addRelation(result: ResultItem[], from: string, to: string): ResultItem[] {
  if (from === to) return result;
  if (result.some((r) => isRelation(r) && sameRelation(r as unknown as RelationItem, from, to))) return result;
  const rel: RelationItem = { type: "relation", from_id: from, to_id: to, direction: "right" };
  return [...result, rel as unknown as ResultItem];
}

export function updateRelation(
  result: ResultItem[],
  from: string,
  to: string,
  patch: { direction?: RelationItem["direction"]; labels?: string[] },
): ResultItem[] {
  return result.map((r) => {
    if (!isRelation(r) || !sameRelation(r as unknown as RelationItem, from, to)) return r;
    const next: Record<string, unknown> = { ...r };
    if (patch.direction) next.direction = patch.direction;
    if (patch.labels) {
      if (patch.labels.length) next.labels = patch.labels;
      else delete next.labels;
    }
    return next as ResultItem;
  });
}

export function deleteRelation(result: ResultItem[], from: string, to: string): ResultItem[] {
  return result.filter((r) => !(isRelation(r) && sameRelation(r as unknown as RelationItem, from, to)));
}
