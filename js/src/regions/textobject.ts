// Text spans: a `Text` object with `Labels` on it. Renders the task's text with its
// `labels` regions (SpanLayer), turns mouse and keyboard selections into Label Studio
// values ({start, end, text} in code points), and handles clicks on spans.
//
// Keyboard selection (no mouse): Shift+→ selects the next word (after the selected region,
// else from the start), Shift+→/Shift+← then grow/shrink it by a word, → / ← move the
// one-word selection along; a label key makes it a span and the selection moves on to the
// next word; Esc drops it.
import { bindRegionPointer, type ObjectRegionView, type RegionController } from "./controller";
import { CodePointIndex, expandToWords, nextWord, prevWord } from "./offsets";
import { SpanLayer, type SpanSpec } from "./spans";

export interface TextRegionsHandle {
  /** Show `text` and the current regions (called on every view update). */
  update(text: string): void;
  destroy(): void;
}

export function mountTextRegions(
  body: HTMLElement,
  objectName: string,
  objectAttrs: Record<string, unknown>,
  regions: RegionController,
): TextRegionsHandle {
  const doc = body.ownerDocument;
  const state = regions.state;
  const layer = new SpanLayer(body);
  let index = new CodePointIndex("");
  /** UTF-16 ranges of regions, per result item (items are replaced on change, never edited). */
  let u16 = new WeakMap<object, [number, number]>();

  const selectionRange = (): [number, number] | null => {
    const kbd = state.regionUI.kbd;
    if (kbd && kbd.object === objectName) return [kbd.start, kbd.end];
    const sel = doc.getSelection?.();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    return layer.rangeToOffsets(sel.getRangeAt(0));
  };

  const view: ObjectRegionView = {
    name: objectName,
    pendingGeometry(control, label) {
      let r = selectionRange();
      if (!r) return null;
      const text = index.text;
      if (regions.granularity(control, label, objectAttrs) === "word") {
        r = expandToWords(text, r[0], r[1]);
        if (!r) return null;
      }
      const start = index.toCodePoint(r[0], "floor");
      const end = index.toCodePoint(r[1], "ceil");
      if (end <= start) return null;
      return { start, end, text: index.slice(start, end) };
    },
    clearPending() {
      const kbd = state.regionUI.kbd;
      if (kbd && kbd.object === objectName) {
        // keyboard labeling goes on with the next word
        const w = nextWord(index.text, kbd.end);
        state.regionUI.kbd = w ? { object: objectName, start: w[0], end: w[1] } : null;
      }
      doc.getSelection?.()?.removeAllRanges();
    },
    reveal(id) {
      const el = layer.firstElement(id);
      el?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    },
    key(e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return false;
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return false;
      const text = index.text;
      const kbd = state.regionUI.kbd && state.regionUI.kbd.object === objectName ? state.regionUI.kbd : null;
      if (!kbd && !e.shiftKey) return false; // plain arrows navigate items
      if (!kbd) {
        if (e.key !== "ArrowRight") return false;
        const sel = state.selectedRegion();
        const from = sel && sel.to_name === objectName ? index.toUtf16(Number(sel.value.end) || 0) : 0;
        const w = nextWord(text, from);
        if (!w) return true;
        state.updateRegionUI((ui) => {
          ui.kbd = { object: objectName, start: w[0], end: w[1] };
          ui.selected = null;
        });
        return true;
      }
      let next: [number, number] | null = null;
      if (e.shiftKey && e.key === "ArrowRight") {
        const w = nextWord(text, kbd.end);
        next = w ? [kbd.start, w[1]] : null;
      } else if (e.shiftKey) {
        const w = prevWord(text, kbd.end);
        // shrink by the last word, never below one word
        if (w && w[0] > kbd.start) {
          const p = prevWord(text, w[0]);
          next = p && p[1] > kbd.start ? [kbd.start, p[1]] : null;
        }
      } else if (e.key === "ArrowRight") {
        next = nextWord(text, kbd.end);
      } else {
        next = prevWord(text, kbd.start);
      }
      if (next) {
        const [a, b] = next;
        state.updateRegionUI((ui) => {
          ui.kbd = { object: objectName, start: a, end: b };
        });
      }
      return true;
    },
  };
  const unregister = regions.registerObject(view);
  const unbind = bindRegionPointer(body, regions, objectName, () => {
    if (state.regionUI.kbd) state.updateRegionUI((ui) => (ui.kbd = null));
  });

  return {
    update(text: string) {
      if (text !== index.text) {
        index = new CodePointIndex(text);
        u16 = new WeakMap();
      }
      const set = state.regionSet();
      const ui = state.regionUI;
      const spans: SpanSpec[] = [];
      for (const r of set.regions) {
        if (r.to_name !== objectName || r.type !== "labels") continue;
        let range = u16.get(r.item);
        if (!range) {
          range = [index.toUtf16(Number(r.value.start) || 0), index.toUtf16(Number(r.value.end) || 0)];
          u16.set(r.item, range);
        }
        spans.push({
          id: r.id,
          start: range[0],
          end: range[1],
          color: regions.colorOf(r),
          label: r.labels.join(", "),
          hidden: ui.hidden.has(r.id),
          selected: ui.selected === r.id,
        });
      }
      // An unlabeled item shows the model's suggested spans (accept key: regions/../suggestion.ts).
      const entry = state.current();
      const pred = entry && !entry.annotation ? entry.predictions?.find((p) => p && Array.isArray(p.result) && p.result.length) : undefined;
      if (pred && !set.regions.length) {
        for (const item of pred.result) {
          if (!item || item.type !== "labels" || item.to_name !== objectName || !item.value) continue;
          const labels = Array.isArray(item.value.labels) ? item.value.labels.map(String) : [];
          const opt = regions.options(item.from_name).find((o) => o.result === labels[0]);
          spans.push({
            id: typeof item.id === "string" ? item.id : "",
            start: index.toUtf16(Number(item.value.start) || 0),
            end: index.toUtf16(Number(item.value.end) || 0),
            color: opt ? opt.background : "",
            label: labels.join(", "),
            hidden: false,
            selected: false,
            predicted: true,
          });
        }
      }
      const kbd = ui.kbd;
      if (kbd && kbd.object === objectName) {
        spans.push({ id: "", start: kbd.start, end: kbd.end, color: "", label: "", hidden: false, selected: false, kbd: true });
      }
      layer.update(text, spans);
      body.classList.toggle("nbl-relating", !!ui.relateFrom);
    },
    destroy() {
      unregister();
      unbind();
    },
  };
}
