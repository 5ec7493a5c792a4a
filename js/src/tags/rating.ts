// Rating: maxRating stars; click sets (clicking the current value clears); result {"rating": n}.
import type { SpecNode } from "../protocol";
import { asNumber, asString } from "../util";
import { el, kbd, setPressed, type RenderContext, requiredMarker } from "./context";

export function renderRating(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const max = Math.max(1, Math.min(100, Math.round(asNumber(a.maxRating) ?? 5)));
  const box = el(ctx.doc, "div", "nbl-control nbl-rating");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const size = asString(a.size);
  if (size) box.classList.add(`nbl-size-${size}`);
  const flagMissing = requiredMarker(box, node, ctx);
  const stars: HTMLButtonElement[] = [];
  for (let i = 1; i <= max; i++) {
    const b = el(ctx.doc, "button", "nbl-star", "\u2605");
    b.type = "button";
    b.setAttribute("data-value", String(i));
    b.setAttribute("aria-pressed", "false");
    b.setAttribute("aria-label", `${i} of ${max}`);
    const starKey = ctx.hint(name, String(i));
    if (starKey) b.title = `${i} (key ${starKey})`;
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      const cur = asNumber(ctx.result(name)?.value?.rating) ?? 0;
      ctx.setValue(name, cur === i ? null : { rating: i });
      ctx.focusRoot();
    });
    stars.push(b);
    box.appendChild(b);
  }
  // The keys, shown: "1–5" when each star has its digit, else the key that steps the rating.
  const starKeys = stars.map((_, i) => ctx.hint(name, String(i + 1)));
  const key = ctx.hint(name);
  if (starKeys.every((k) => k)) {
    const hint = kbd(ctx.doc, max > 1 ? `${starKeys[0]}\u2013${starKeys[max - 1]}` : String(starKeys[0]));
    hint.title = "keys: set that many stars";
    box.appendChild(hint);
  } else if (key) {
    const hint = kbd(ctx.doc, key);
    hint.title = `key ${key}: one more star (after ${max}: none)`;
    box.appendChild(hint);
  }
  ctx.onTask((t) => {
    const item = t.result.find((r) => r.from_name === name);
    const v = asNumber(item?.value?.rating) ?? 0;
    stars.forEach((s, i) => setPressed(s, i < v));
    box.setAttribute("data-rating", String(v));
    flagMissing(v <= 0);
  });
  return box;
}
