// Pairwise: pick the better of two objects (toName="left,right"). Click an object, or the
// left/right buttons; clicking the picked one again clears it. Result {"selected": "left" |
// "right"} with from_name = to_name = the Pairwise name (what Label Studio's editor writes).
// The picked object gets `selectionStyle` (the config's CSS) and `.nbl-pairwise-selected`.
import type { SpecNode } from "../../protocol";
import { asString } from "../../util";
import { el, setPressed, type RenderContext } from "../context";

export function renderPairwise(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const names = (ctx.spec.controls?.[name]?.toName ?? asString(a.toName).split(",")).map((s) => String(s).trim());
  const selectionStyle = asString(a.selectionStyle);
  const box = el(ctx.doc, "div", "nbl-control nbl-pairwise");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const sides = ["left", "right"] as const;
  const buttons = sides.map((side, i) => {
    const b = el(ctx.doc, "button", "nbl-choice nbl-pairwise-pick", `${i === 0 ? "\u2190 " : ""}${names[i] ?? side}${i === 1 ? " \u2192" : ""}`);
    b.type = "button";
    b.setAttribute("data-value", side);
    b.setAttribute("aria-pressed", "false");
    b.setAttribute("aria-label", `${names[i] ?? side} (${side}) is better`);
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      pick(side);
      ctx.focusRoot();
    });
    box.appendChild(b);
    return b;
  });

  const pick = (side: "left" | "right") => {
    const cur = ctx.result(name)?.value?.selected;
    ctx.setValue(name, cur === side ? null : { selected: side });
  };

  const objectEl = (i: number): HTMLElement | null => {
    const scope = box.closest(".nbl-body") ?? box.ownerDocument;
    return [...scope.querySelectorAll<HTMLElement>("[data-nbl-object]")].find(
      (e) => e.getAttribute("data-nbl-object") === names[i],
    ) ?? null;
  };
  const wired: Array<HTMLElement | null> = [null, null];
  const classes = [asString(a.leftClass), asString(a.rightClass)];

  ctx.onTask((t) => {
    const sel = t.result.find((r) => r.from_name === name)?.value?.selected;
    sides.forEach((side, i) => {
      setPressed(buttons[i], sel === side);
      const obj = objectEl(i);
      if (obj && wired[i] !== obj) {
        wired[i] = obj;
        obj.classList.add("nbl-pairwise-object");
        if (classes[i]) obj.classList.add(...classes[i].split(/\s+/).filter(Boolean));
        obj.setAttribute("data-pairwise", side);
        obj.addEventListener("click", (ev) => {
          // a click that ends a text selection is not a pick
          const s = obj.ownerDocument.getSelection?.();
          if (s && !s.isCollapsed && obj.contains(s.anchorNode)) return;
          ev.preventDefault();
          pick(side);
        });
      }
      if (!obj) return;
      const on = sel === side;
      obj.classList.toggle("nbl-pairwise-selected", on);
      if (selectionStyle) {
        if (on) {
          if (!obj.hasAttribute("data-base-style")) obj.setAttribute("data-base-style", obj.getAttribute("style") ?? "");
          obj.setAttribute("style", `${obj.getAttribute("data-base-style")};${selectionStyle}`);
        } else if (obj.hasAttribute("data-base-style")) {
          const base = obj.getAttribute("data-base-style") ?? "";
          if (base) obj.setAttribute("style", base);
          else obj.removeAttribute("style");
          obj.removeAttribute("data-base-style");
        }
      }
    });
  });
  return box;
}
