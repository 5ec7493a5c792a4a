// Outgoing messages leave after the frame: the keydown handler only updates state and DOM.
import { afterEach, describe, expect, it, vi } from "vitest";
import { afterFrame, FRAME_FALLBACK_MS } from "../src/outbox";
import { REVIEWS } from "./fake-model";
import { attr, frame, press, text, useFrames, useMounted } from "./helpers";

useFrames();

const setup = useMounted();
afterEach(() => {
  vi.unstubAllGlobals();
  delete (document as { visibilityState?: string }).visibilityState; // back to happy-dom's getter
});

function setVisibility(v: "visible" | "hidden"): void {
  Object.defineProperty(document, "visibilityState", { value: v, configurable: true });
}

describe("the outbox", () => {
  it("keydown handler sends nothing synchronously; the save follows within one frame", () => {
    const { root, model } = setup();
    frame(); // whatever opening the widget queued
    model.clearSent();
    const shownAtSend: string[] = [];
    const send = model.send.bind(model);
    model.send = (msg: unknown) => {
      shownAtSend.push(text(root));
      send(msg);
    };
    press(root, "1");
    // the handler updated the state and the DOM, and sent nothing
    expect(model.sent).toHaveLength(0);
    expect(text(root)).toBe(REVIEWS[1]);
    expect(attr(root, "pos")).toBe("1");
    expect(attr(root, "seq")).toBe("1"); // numbered at once: data-ack catching up means saved
    expect(attr(root, "pending")).toBe("1");
    expect(attr(root, "state")).toBe("saving");
    // the next frame: the save goes out, once, with the next item already on screen
    vi.advanceTimersToNextFrame();
    vi.advanceTimersByTime(1);
    expect(model.sentOf("save")).toHaveLength(1);
    expect(model.sentOf("save")[0]).toMatchObject({ seq: 1, pos: 0, result: [{ value: { choices: ["positive"] } }] });
    expect(shownAtSend).toEqual([REVIEWS[1]]);
    expect(model.sent).toHaveLength(1);
  });

  it("saves queued by several keys before a flush all go out, in order, before the requests", () => {
    const { root, model } = setup({ total: 100, settings: { prefetch: 10 } });
    frame();
    model.clearSent();
    for (const k of ["1", "2", "1", "2", "1", "2"]) press(root, k); // pos 6: the window [0, 10) runs low
    expect(model.sent).toHaveLength(0);
    expect(attr(root, "seq")).toBe("6");
    frame();
    expect(model.sent.map((m) => m.type)).toEqual(["save", "save", "save", "save", "save", "save", "need"]);
    expect(model.sentOf("save").map((s) => [s.seq, s.pos])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3], [5, 4], [6, 5]]);
    expect(model.sentOf("need")[0]).toMatchObject({ from: 10, to: 20 });
    model.emit({ type: "ack", seq: 6, done: 6, skipped: 0 });
    for (let seq = 1; seq <= 5; seq++) model.emit({ type: "ack", seq, done: 6, skipped: 0 });
    expect(attr(root, "ack")).toBe(attr(root, "seq"));
    expect(attr(root, "pending")).toBe("0");
  });

  it("when no frame comes, a fallback timeout sends the queue", () => {
    vi.stubGlobal("requestAnimationFrame", () => 0); // frames stall (hidden after scheduling, throttled iframe)
    const { root, model } = setup();
    model.clearSent();
    press(root, "1");
    vi.advanceTimersByTime(FRAME_FALLBACK_MS - 1);
    expect(model.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(model.sentOf("save")).toHaveLength(1);
  });

  it("in a hidden page the queue goes out in a microtask", async () => {
    const { root, model } = setup();
    frame();
    setVisibility("hidden");
    model.clearSent();
    press(root, "1");
    expect(model.sent).toHaveLength(0);
    await Promise.resolve();
    expect(model.sentOf("save")).toHaveLength(1);
  });

  it("the page turning hidden, or closing the view, sends what is queued at once", () => {
    const view = setup();
    const { root, model } = view;
    frame();
    press(root, "1");
    expect(model.sent).toHaveLength(0);
    setVisibility("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(model.sentOf("save")).toHaveLength(1);
    setVisibility("visible");
    press(root, "2");
    view.cleanup();
    expect(model.sentOf("save").map((s) => s.seq)).toEqual([1, 2]);
  });

  it("a send that throws turns that save into an error and does not stop the rest", () => {
    const { root, model } = setup({ settings: { auto_advance: false } });
    frame();
    const send = model.send.bind(model);
    let fail = true;
    model.send = (msg: unknown) => {
      if (fail) {
        fail = false;
        throw new Error("comm closed");
      }
      send(msg);
    };
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    press(root, "1");
    press(root, "2");
    frame();
    expect(model.sentOf("save").map((s) => s.seq)).toEqual([2]);
    expect(logged).toHaveBeenCalled();
    expect(attr(root, "pending")).toBe("1");
    expect(root.querySelector(".nbl-banner")!.textContent).toContain("could not send the save");
    logged.mockRestore();
  });
});

describe("afterFrame", () => {
  it("runs after the next animation frame, once, and clears its fallback", () => {
    const order: string[] = [];
    afterFrame(() => order.push("flush"));
    requestAnimationFrame(() => order.push("frame"));
    expect(order).toEqual([]);
    vi.advanceTimersToNextFrame();
    expect(order).toEqual(["frame"]);
    vi.advanceTimersByTime(1);
    expect(order).toEqual(["frame", "flush"]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(FRAME_FALLBACK_MS * 2);
    expect(order).toEqual(["frame", "flush"]);
  });

  it("runs once when the fallback fires first", () => {
    let frames: Array<() => void> = [];
    vi.stubGlobal("requestAnimationFrame", (cb: () => void) => frames.push(cb));
    let runs = 0;
    afterFrame(() => runs++);
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(runs).toBe(1);
    for (const f of frames) f(); // a late frame
    frames = [];
    vi.advanceTimersByTime(10);
    expect(runs).toBe(1);
  });
});
