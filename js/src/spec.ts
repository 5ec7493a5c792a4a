// A lookup index over the ConfigSpec: controls, their options and hotkey hints.
import type { ControlSpec, HotkeyBinding, Spec, SpecNode } from "./protocol";
import { asBool, asString } from "./util";

export interface ChoiceOption {
  /** The `value` attribute (shown, and used as `data-value`). */
  value: string;
  alias?: string;
  /** What goes into results: alias ?? value. */
  result: string;
  node: SpecNode;
}

export interface ControlInfo {
  name: string;
  tag: string;
  type: string;
  toName: string;
  required: boolean;
  /** Choices: single | single-radio | multiple. */
  choice: string;
  options: ChoiceOption[];
  attrs: Record<string, unknown>;
}

export interface SpecIndex {
  controls: Map<string, ControlInfo>;
  required: string[];
  /** `${control}\u0000${value}` -> hotkey, for hints; `${control}\u0000` for value-less bindings. */
  hints: Map<string, string>;
}

const TYPE_BY_TAG: Record<string, string> = {
  Choices: "choices",
  TextArea: "textarea",
  Rating: "rating",
  Number: "number",
  Taxonomy: "taxonomy",
  DateTime: "datetime",
  Pairwise: "pairwise",
  Ranker: "ranker",
  Chat: "chatmessage",
};

/** Controls whose results carry their own name as to_name: Pairwise, and Chat (object + control). */
const SELF_TARGETED = new Set(["Pairwise", "Chat"]);

export function hintKey(control: string, value: unknown): string {
  return `${control}\u0000${value === undefined || value === null ? "" : String(value)}`;
}

export function isSpec(v: unknown): v is Spec {
  return !!v && typeof v === "object" && !!(v as Spec).root && typeof (v as Spec).root === "object";
}

function collectOptions(node: SpecNode, out: ChoiceOption[]): void {
  for (const child of node.children || []) {
    if (child.kind === "label" || child.tag === "Choice") {
      const value = asString(child.attrs?.value);
      const aliasRaw = child.attrs?.alias;
      const alias = aliasRaw === undefined || aliasRaw === null || aliasRaw === "" ? undefined : String(aliasRaw);
      out.push({ value, alias, result: alias ?? value, node: child });
    }
    if (child.children && child.children.length) collectOptions(child, out);
  }
}

export function indexSpec(spec: Spec | null): SpecIndex {
  const controls = new Map<string, ControlInfo>();
  const hints = new Map<string, string>();
  if (!spec) return { controls, required: [], hints };
  const specControls: Record<string, ControlSpec> = spec.controls || {};

  const visit = (node: SpecNode): void => {
    if (!node) return;
    if (node.kind === "control") {
      const name = asString(node.attrs?.name);
      const cs = specControls[name];
      const toNameRaw = cs?.toName ?? node.attrs?.toName;
      const toName = Array.isArray(toNameRaw)
        ? asString(toNameRaw[0])
        : asString(toNameRaw).split(",")[0].trim();
      const options: ChoiceOption[] = [];
      collectOptions(node, options);
      if (name && !controls.has(name)) {
        controls.set(name, {
          name,
          tag: node.tag,
          type: cs?.type ?? TYPE_BY_TAG[node.tag] ?? node.tag.toLowerCase(),
          // Pairwise results point at the Pairwise itself (Label Studio's editor does so)
          toName: SELF_TARGETED.has(node.tag) ? name : toName,
          required: asBool(cs?.required ?? node.attrs?.required),
          choice: asString(cs?.choice ?? node.attrs?.choice, "single"),
          options,
          attrs: node.attrs || {},
        });
      }
      return; // controls do not nest other controls in supported configs
    }
    for (const c of node.children || []) visit(c);
  };
  visit(spec.root);

  // Controls listed in spec.controls but not reached in the tree (defensive).
  for (const [name, cs] of Object.entries(specControls)) {
    if (controls.has(name)) continue;
    controls.set(name, {
      name,
      tag: cs.tag,
      type: cs.type,
      toName: SELF_TARGETED.has(cs.tag) ? name : asString(cs.toName?.[0]),
      required: !!cs.required,
      choice: asString(cs.choice, "single"),
      options: (cs.labels || []).map((v) => ({ value: v, result: v, node: { tag: "Choice", kind: "label", attrs: { value: v }, children: [] } })),
      attrs: {},
    });
  }

  for (const [key, binding] of Object.entries(spec.hotkeys || {})) {
    const b = binding as HotkeyBinding;
    if (!b || typeof b.control !== "string") continue;
    const info = controls.get(b.control);
    let value: unknown = b.value;
    const opt = info ? findOption(info, value) : undefined;
    if (opt) value = opt.value;
    const hk = hintKey(b.control, value);
    if (!hints.has(hk)) hints.set(hk, key);
  }

  const required = [...controls.values()].filter((c) => c.required).map((c) => c.name);
  return { controls, required, hints };
}

/**
 * Find a Choice from a hotkey binding's value: the result value (alias ?? value, what the
 * Python spec sends), else the plain value.
 */
export function findOption(info: ControlInfo, value: unknown): ChoiceOption | undefined {
  if (value === undefined || value === null) return undefined;
  const v = String(value);
  return info.options.find((o) => o.result === v) ?? info.options.find((o) => o.value === v);
}
