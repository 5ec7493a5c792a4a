// Mounting the widget the way anywidget does, pressing keys on it, and letting frames pass.
import { afterEach, beforeEach, vi } from "vitest";
import widget from "../src/index";
import { FakeModel, traits, type SetupOptions } from "./fake-model";

export interface Mounted {
  model: FakeModel;
  el: HTMLElement;
  root: HTMLElement;
  cleanup: () => void;
}

export function mount(opts: SetupOptions = {}, model?: FakeModel): Mounted {
  const m = model ?? new FakeModel(traits(opts));
  const disposeInit = widget.initialize({ model: m });
  const el = document.createElement("div");
  document.body.appendChild(el);
  const disposeView = widget.render({ model: m, el });
  const root = el.querySelector<HTMLElement>(".nbl-root")!;
  root.focus();
  return {
    model: m,
    el,
    root,
    cleanup: () => {
      disposeView();
      disposeInit();
      el.remove();
    },
  };
}

/** `mount` for the calling file: every widget mounted in a test is cleaned up after it, once. */
export function useMounted(): (...args: Parameters<typeof mount>) => Mounted {
  const live = new Set<Mounted>();
  afterEach(() => {
    for (const m of [...live]) m.cleanup();
  });
  return (...args) => {
    const m = mount(...args);
    const tracked: Mounted = {
      ...m,
      cleanup: () => {
        if (live.delete(tracked)) m.cleanup();
      },
    };
    live.add(tracked);
    return tracked;
  };
}

export function press(
  target: HTMLElement,
  key: string,
  mods: { ctrl?: boolean; shift?: boolean; alt?: boolean; meta?: boolean; code?: string; repeat?: boolean } = {},
): KeyboardEvent {
  const ev = new KeyboardEvent("keydown", {
    key,
    code: mods.code,
    ctrlKey: !!mods.ctrl,
    shiftKey: !!mods.shift,
    altKey: !!mods.alt,
    metaKey: !!mods.meta,
    repeat: !!mods.repeat,
    bubbles: true,
    cancelable: true,
  });
  target.dispatchEvent(ev);
  return ev;
}

export function text(root: HTMLElement, name = "text"): string {
  return root.querySelector(`[data-nbl-object="${name}"]`)?.textContent ?? "";
}

export function choice(root: HTMLElement, value: string): HTMLButtonElement {
  return root.querySelector<HTMLButtonElement>(`[data-nbl-control] button[data-value="${value}"]`)!;
}

export function attr(root: HTMLElement, name: string): string | null {
  return root.getAttribute(`data-${name}`);
}

/**
 * Fake timers (and `requestAnimationFrame`) for every test of the calling file. The widget
 * sends nothing from inside a command: its messages go out after the next frame (see
 * src/outbox.ts), so a test lets a frame pass (`frame()`) before it reads `model.sent`.
 */
export function useFrames(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Let one frame pass, and the task right after it: everything queued is sent. */
export function frame(): void {
  vi.advanceTimersToNextFrame(); // requestAnimationFrame callbacks
  // the 0 ms timeout they queue (after the frame's paint); fake timers run a 0 ms timeout
  // queued from inside a timer callback 1 ms later
  vi.advanceTimersByTime(1);
}
