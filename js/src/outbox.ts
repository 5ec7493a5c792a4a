// When outgoing messages go out. The state queues them (saves, `need`, `seek`) while a
// command runs and sends the queue from a scheduled flush, so a keydown handler only
// updates the state and the DOM: `model.send` in JupyterLab (building the Jupyter message,
// serializing it, `WebSocket.send`) costs about as much as everything else the handler
// does, and it runs once the next item is on screen instead of before.

/** Call `run` once, soon. */
export type Scheduler = (run: () => void) => void;

/** If no frame comes after this long (hidden tab, throttled iframe), flush anyway. */
export const FRAME_FALLBACK_MS = 50;

interface FrameGlobals {
  requestAnimationFrame?: (cb: () => void) => number;
  document?: { visibilityState?: string };
}

/**
 * The browser's scheduler: `run` goes after the next frame is rendered (a 0 ms timeout
 * queued from `requestAnimationFrame` runs right after that frame's paint). A page that is
 * hidden renders no frames: there `run` goes in a microtask. If the page is hidden after
 * this was scheduled, or frames stall, a fallback timeout runs it after `FRAME_FALLBACK_MS`.
 */
export function afterFrame(run: () => void): void {
  const g = globalThis as FrameGlobals;
  let done = false;
  let fallback: ReturnType<typeof setTimeout> | undefined;
  const once = () => {
    if (done) return;
    done = true;
    if (fallback !== undefined) clearTimeout(fallback);
    run();
  };
  if (typeof g.requestAnimationFrame !== "function" || g.document?.visibilityState === "hidden") {
    queueMicrotask(once);
    return;
  }
  fallback = setTimeout(once, FRAME_FALLBACK_MS);
  g.requestAnimationFrame(() => {
    setTimeout(once, 0);
  });
}

/** Outside a browser (and in DOM-free tests): a 0 ms timeout. */
export const nextTask: Scheduler = (run) => {
  setTimeout(run, 0);
};
