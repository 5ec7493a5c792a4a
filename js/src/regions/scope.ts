// Per-region controls and conditional visibility, for every tag renderer.
//
// * `perRegion="true"` (Choices, TextArea, Rating, Number...): the control is shown while a
//   region of its `toName` object is selected (with `whenLabelValue`: one with such a
//   label), reads and writes that region's item (the state's `resultFor`/`setControlValue`
//   do the per-region part), and its updaters see only that region's item. A change of the
//   selected region counts as a move (drafts reset like on a new item).
// * `visibleWhen`: region-selected (+whenTagName = the region's control, +whenLabelValue),
//   no-region-selected, choice-selected / choice-unselected (+whenTagName = a Choices,
//   +whenChoiceValue; without whenTagName every Choices counts).
import type { ResultItem, SpecNode } from "../protocol";
import { choicesOf } from "../state/annotations";
import type { RenderContext, TaskView } from "../tags/context";
import { asBool, asString } from "../util";

function list(v: unknown): string[] {
  return asString(v)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Is `node` visible under its `visibleWhen` on this task (true without one)? */
export function visibleNow(node: SpecNode, ctx: RenderContext, result: ResultItem[]): boolean {
  const a = node.attrs || {};
  const when = asString(a.visibleWhen);
  if (!when) return true;
  const tag = asString(a.whenTagName);
  const regions = ctx.regions;
  switch (when) {
    case "region-selected":
      return regions.regionSelected({ control: tag || undefined, labels: list(a.whenLabelValue) });
    case "no-region-selected":
      return !regions.state.selectedRegion();
    case "choice-selected":
    case "choice-unselected": {
      const values = list(a.whenChoiceValue);
      const items = result.filter((r) => r.type === "choices" && (!tag || r.from_name === tag));
      const chosen = new Set(items.flatMap((r) => choicesOf(r)));
      const selected = values.length ? values.some((v) => chosen.has(v)) : chosen.size > 0;
      return when === "choice-selected" ? selected : !selected;
    }
    default:
      return true;
  }
}

/**
 * Render `node` with `render`, adding what perRegion and visibleWhen need around it.
 * Tags without either are rendered as they are.
 */
export function renderScoped(
  node: SpecNode,
  ctx: RenderContext,
  render: (node: SpecNode, ctx: RenderContext) => HTMLElement | null,
): HTMLElement | null {
  const a = node.attrs || {};
  const perRegion = node.kind === "control" && asBool(a.perRegion);
  const conditional = !!asString(a.visibleWhen);
  if (!perRegion && !conditional) return render(node, ctx);
  const name = asString(a.name);
  const info = ctx.index.controls.get(name);
  let inner = ctx;
  let lastRegion: string | null = null;
  if (perRegion) {
    inner = {
      ...ctx,
      onTask(fn) {
        ctx.onTask((t: TaskView) => {
          const sel = ctx.regions.state.selectedRegion();
          const id = sel ? sel.id : null;
          const moved = t.moved || id !== lastRegion;
          lastRegion = id;
          // The control sees the selected region's item only.
          const result = t.result.filter((r) => r.from_name !== name || (id !== null && r.id === id));
          fn({ ...t, result, moved });
        });
      },
    };
  }
  const out = render(node, inner);
  if (!out) return out;
  const box = perRegion ? ctx.doc.createElement("div") : out;
  if (perRegion) {
    box.className = "nbl-perregion";
    box.setAttribute("data-nbl-perregion", name);
    box.appendChild(out);
  }
  const labels = list(a.whenLabelValue);
  ctx.onTask((t) => {
    let show = visibleNow(node, ctx, t.result);
    if (perRegion) show = show && ctx.regions.regionSelected({ object: info?.toName || undefined, labels });
    if (box.hidden !== !show) box.hidden = !show;
  });
  return box;
}
