// Pure predicates and value helpers over Label Studio annotations and result items.
import type { Annotation, ResultItem, TaskEntry } from "../protocol";
import type { SpecIndex } from "../spec";
import { asBool } from "../util";

/** A `<Choice selected="true">` default of one control. */
export interface DefaultValue {
  control: string;
  value: Record<string, unknown>;
}

/** Labeled = has an annotation that is skipped or has a non-empty result. */
export function isLabeled(ann: Annotation | null | undefined): boolean {
  return !!ann && (ann.was_cancelled || (Array.isArray(ann.result) && ann.result.length > 0));
}

/** Counts toward `done`: a non-skipped, non-empty annotation. */
export function isDone(ann: Annotation | null | undefined): boolean {
  return !!ann && !ann.was_cancelled && Array.isArray(ann.result) && ann.result.length > 0;
}

export function isSkipped(ann: Annotation | null | undefined): boolean {
  return !!ann && ann.was_cancelled === true;
}

export function sameAnnotation(a: Annotation | null, b: Annotation | null): boolean {
  if (!isLabeled(a) && !isLabeled(b)) return true;
  if (!a || !b) return false;
  return a.was_cancelled === b.was_cancelled && JSON.stringify(a.result) === JSON.stringify(b.result);
}

export function normalizeEntry(t: TaskEntry): TaskEntry {
  const ann = t.annotation;
  let annotation: Annotation | null = null;
  if (ann && typeof ann === "object") {
    let result = Array.isArray(ann.result) ? ann.result : [];
    result = result.filter((r) => r && typeof r === "object");
    annotation = { result, was_cancelled: !!ann.was_cancelled };
    if (!isLabeled(annotation)) annotation = null;
  }
  return {
    pos: t.pos,
    id: t.id,
    data: t.data && typeof t.data === "object" ? t.data : {},
    annotation,
    predictions: Array.isArray(t.predictions) ? t.predictions : [],
    ...(Array.isArray(t.others) ? { others: t.others, review: t.review ?? null } : {}),
  };
}

/** Config defaults: `<Choice selected="true">` per Choices (all of them if multiple, else the
 * first) and `<Rating defaultValue>`. */
export function choiceDefaults(index: SpecIndex): DefaultValue[] {
  const out: DefaultValue[] = [];
  for (const info of index.controls.values()) {
    if (info.tag !== "Choices") continue;
    const sel = info.options.filter((o) => asBool(o.node.attrs?.selected)).map((o) => o.result);
    if (sel.length) out.push({ control: info.name, value: { choices: info.choice === "multiple" ? sel : [sel[0]] } });
  }
  // <Rating defaultValue="3">: shown on a task with no result, saved with the first change
  for (const info of index.controls.values()) {
    if (info.tag !== "Rating") continue;
    const max = Number(info.attrs.maxRating ?? 5);
    const dv = Math.round(Number(info.attrs.defaultValue ?? 0));
    if (dv > 0 && dv <= max) out.push({ control: info.name, value: { rating: dv } });
  }
  return out;
}

/** Non-empty value of a result item, per type. */
export function hasValue(item: ResultItem | undefined): boolean {
  if (!item || !item.value) return false;
  for (const v of Object.values(item.value)) {
    if (Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined && v !== "") return true;
  }
  return false;
}

export function choicesOf(item: ResultItem | undefined): string[] {
  const v = item?.value?.choices;
  if (!Array.isArray(v)) return [];
  return v.map((x) => (Array.isArray(x) ? String(x[x.length - 1]) : String(x)));
}

/** Order selected values as in the config. */
export function orderChoices(all: string[], selected: string[]): string[] {
  const set = new Set(selected);
  const out = all.filter((v) => set.has(v));
  for (const v of selected) if (!out.includes(v)) out.push(v);
  return out;
}
