import { describe, expect, it } from "vitest";
import type { OutMsg } from "../src/protocol";
import { LabelState } from "../src/state";
import { sentimentSpec, task, traits } from "./fake-model";

/**
 * A state over `traits(opts)`. Its scheduler only records the flushes asked for: nothing
 * is sent until the test calls `flush()`, which runs them (the widget's scheduler runs
 * them after the next frame).
 */
function make(opts: Parameters<typeof traits>[0] = {}) {
  const sent: OutMsg[] = [];
  let clock = 1000;
  let scheduled = 0;
  const runs: Array<() => void> = [];
  const schedule = (run: () => void) => {
    scheduled++;
    runs.push(run);
  };
  const st = new LabelState({ send: (m) => sent.push(m), now: () => clock, schedule });
  const t = traits(opts);
  st.load({
    spec: t.spec,
    settings: t.settings,
    total: t.total,
    done: t.done,
    skipped: t.skipped,
    error: t.error,
    window: t.window,
    start: t.start,
  });
  const of = <T extends OutMsg["type"]>(type: T) => sent.filter((m) => m.type === type) as Extract<OutMsg, { type: T }>[];
  return {
    st,
    sent,
    of,
    /** Run the flushes the state asked for (what the scheduler does): everything queued is sent. */
    flush: () => {
      for (const run of runs.splice(0)) run();
    },
    /** How many times the state asked for a flush. */
    scheduled: () => scheduled,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

const POS = { choices: ["positive"] };
const NEG = { choices: ["negative"] };

describe("save queue and optimistic counts", () => {
  it("commands only queue messages; one flush per batch sends them in order, saves first", () => {
    const { st, sent, flush, scheduled } = make({ total: 100, settings: { prefetch: 10 } });
    flush();
    sent.length = 0;
    const asked = scheduled();
    for (let i = 0; i < 6; i++) st.applyHotkey({ control: "sentiment", value: i % 2 ? "negative" : "positive" });
    expect(st.pos).toBe(6); // the window [0, 10) runs low: a `need` is due
    expect(sent).toHaveLength(0);
    expect(st.lastSeq()).toBe(6); // numbered when queued
    expect(st.pendingCount()).toBe(6);
    expect(st.status()).toBe("saving");
    expect(st.unsentCount()).toBe(6);
    expect(scheduled()).toBe(asked + 1);
    flush();
    expect(sent.map((m) => m.type)).toEqual(["save", "save", "save", "save", "save", "save", "need"]);
    expect(sent.slice(0, 6).map((m) => (m.type === "save" ? m.seq : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(st.unsentCount()).toBe(0);
    flush();
    expect(sent).toHaveLength(7);
  });

  it("done is the last acked value adjusted by unacked saves", () => {
    const { st } = make({ labeled: { 5: "positive" }, done: 1 });
    expect(st.doneCount()).toBe(1);
    st.setControlValue("sentiment", POS); // pos 0: +1
    st.setControlValue("sentiment", NEG); // relabel: still +1
    expect(st.doneCount()).toBe(2);
    expect(st.pendingCount()).toBe(2);
    st.handleMessage({ type: "ack", seq: 1, done: 2, skipped: 0 });
    expect(st.doneCount()).toBe(2);
    st.handleMessage({ type: "ack", seq: 2, done: 2, skipped: 0 });
    expect(st.doneCount()).toBe(2);
    expect(st.status()).toBe("saved");
    st.goto(5);
    st.setControlValue("sentiment", null); // clear a server-labeled one: -1
    expect(st.doneCount()).toBe(1);
    st.handleMessage({ type: "ack", seq: 3, done: 1, skipped: 0 });
    expect(st.doneCount()).toBe(1);
  });

  it("skips count as skipped, not done", () => {
    const { st, of, flush } = make();
    st.skip();
    flush();
    expect(of("save")[0]).toMatchObject({ was_cancelled: true, pos: 0 });
    expect(st.skippedCount()).toBe(1);
    expect(st.doneCount()).toBe(0);
    expect(st.pos).toBe(1);
    // labeling a skipped item un-skips it
    st.goto(0);
    st.setControlValue("sentiment", POS);
    flush();
    expect(of("save")[1]).toMatchObject({ was_cancelled: false });
    expect(st.skippedCount()).toBe(0);
    expect(st.doneCount()).toBe(1);
  });

  it("a failed save is not counted and keeps the local value", () => {
    const { st } = make();
    st.setControlValue("sentiment", POS);
    st.handleMessage({ type: "error", seq: 1, message: "disk full" });
    expect(st.doneCount()).toBe(0);
    expect(st.status()).toBe("error");
    expect(st.itemState(0)).toBe("error");
    expect(st.resultFor("sentiment")?.value).toEqual(POS);
    expect(st.bannerMessages()).toEqual(["disk full"]);
    // a later save of the same item that succeeds clears the error
    st.setControlValue("sentiment", NEG);
    st.handleMessage({ type: "ack", seq: 2, done: 1, skipped: 0 });
    expect(st.status()).toBe("saved");
    expect(st.doneCount()).toBe(1);
  });

  it("lead_time is the time from first display to the save", () => {
    const { st, of, tick, flush } = make();
    tick(2500);
    st.setControlValue("sentiment", POS);
    flush();
    expect(of("save")[0].lead_time).toBe(2.5);
    st.next();
    tick(400);
    st.setControlValue("sentiment", NEG);
    flush();
    expect(of("save")[1].lead_time).toBe(0.4);
  });

  it("result ids are stable per task and control, new per task", () => {
    const { st, of, flush } = make({ settings: { auto_advance: false } });
    st.setControlValue("sentiment", POS);
    st.setControlValue("sentiment", null);
    st.setControlValue("sentiment", NEG);
    flush();
    const ids = of("save").map((s) => s.result[0]?.id).filter(Boolean);
    expect(new Set(ids).size).toBe(1);
    st.next();
    st.setControlValue("sentiment", NEG);
    flush();
    expect(of("save")[3].result[0].id).not.toBe(ids[0]);
  });

  it("hotkeys on multiple choice toggle in config order and do not advance", () => {
    const { st, of, flush } = make({ spec: sentimentSpec({ choice: "multiple" }) });
    st.applyHotkey({ control: "sentiment", value: "negative" });
    st.applyHotkey({ control: "sentiment", value: "positive" });
    expect(st.pos).toBe(0);
    flush();
    expect(of("save")[1].result[0].value).toEqual({ choices: ["positive", "negative"] });
    st.applyHotkey({ control: "sentiment", value: "negative" });
    flush();
    expect(of("save")[2].result[0].value).toEqual({ choices: ["positive"] });
  });
});

describe("navigation and prefetch", () => {
  it("never sends two seeks for the same start while one is in flight", () => {
    const labeled: Record<number, string> = {};
    for (let p = 1; p < 10; p++) labeled[p] = "positive";
    const { st, of, flush } = make({ total: 100, labeled });
    st.nextUnlabeled();
    st.nextUnlabeled();
    st.nextUnlabeled();
    flush();
    expect(of("seek")).toHaveLength(1);
    expect(st.status()).toBe("loading");
    expect(st.pos).toBe(0);
    // prev cancels the pending navigation
    st.prev();
    expect(st.notice).toMatch(/start/i);
  });

  it("in filter mode prefetch seeks ahead when few unlabeled items are cached", () => {
    const labeled: Record<number, string> = {};
    for (let p = 3; p < 10; p++) labeled[p] = "positive";
    const { st, of, flush } = make({ total: 100, labeled });
    flush();
    expect(of("seek")).toHaveLength(0);
    st.toggleFilter();
    flush();
    const seeks = of("seek");
    expect(seeks).toHaveLength(1);
    expect(seeks[0].from).toBe(10);
  });

  it("gaps from seek replies are reused and merged", () => {
    const labeled: Record<number, string> = {};
    for (let p = 1; p < 10; p++) labeled[p] = "positive";
    const { st, of, flush } = make({ total: 1000, labeled, settings: { prefetch: 4 } });
    st.nextUnlabeled();
    flush();
    const s1 = of("seek")[0];
    st.handleMessage({ type: "tasks", req: s1.req, from: 500, to: 504, tasks: [task(500), task(501), task(502), task(503)], skip: [10, 500] });
    expect(st.pos).toBe(500);
    st.goto(0);
    flush();
    const before = of("seek").length;
    st.nextUnlabeled();
    expect(st.pos).toBe(500); // straight through the cached gap
    flush();
    expect(of("seek").length).toBe(before);
  });

  it("stops asking for positions the kernel does not have", () => {
    const { st, of, flush } = make({ total: 30, from: 0, to: 10, settings: { prefetch: 10 } });
    st.goto(7);
    flush();
    const need = of("need")[0];
    expect(need).toMatchObject({ from: 10, to: 20 });
    st.handleMessage({ type: "tasks", req: need.req, from: 10, to: 20, tasks: [], skip: null });
    flush();
    const n = of("need").length;
    st.next();
    st.next();
    flush();
    expect(of("need").length).toBe(n);
  });

  it("re-requests after an in-flight request times out", () => {
    const { st, of, tick, flush } = make({ total: 30, settings: { prefetch: 10 } });
    st.goto(7);
    flush();
    expect(of("need")).toHaveLength(1);
    st.next();
    flush();
    expect(of("need")).toHaveLength(1);
    tick(20000);
    st.prev();
    flush();
    expect(of("need")).toHaveLength(2);
  });

  it("ignores replies to requests sent before a re-seed", () => {
    const { st, of, flush } = make({ total: 30, settings: { prefetch: 10 } });
    st.goto(7);
    flush();
    const need = of("need")[0];
    const t = traits({ total: 30, from: 0, to: 10 });
    st.seedWindow(t.window, 0);
    const stale = task(12);
    st.handleMessage({ type: "tasks", req: need.req, from: 10, to: 20, tasks: [stale], skip: null });
    expect(st.isCached(12)).toBe(false);
  });

  it("a re-seed keeps unsaved local changes", () => {
    const { st } = make();
    st.setControlValue("sentiment", POS);
    const t = traits({ to: 10 });
    st.seedWindow(t.window, 0);
    expect(st.resultFor("sentiment", 0)?.value).toEqual(POS);
    expect(st.pendingCount()).toBe(1);
  });

  it("undo across items restores each previous value", () => {
    const { st, of, flush } = make({ labeled: { 1: "negative" } });
    st.applyHotkey({ control: "sentiment", value: "positive" }); // 0, advance to 1
    st.applyHotkey({ control: "sentiment", value: "positive" }); // 1: negative -> positive
    st.undo();
    expect(st.pos).toBe(1);
    expect(st.resultFor("sentiment")?.value).toEqual(NEG);
    flush();
    expect(of("save")[2].result[0].value).toEqual(NEG);
    st.undo();
    expect(st.pos).toBe(0);
    expect(st.resultFor("sentiment")).toBeUndefined();
    st.undo();
    expect(st.notice).toMatch(/nothing to undo/i);
  });

  it("end of dataset: next stays put with a notice", () => {
    const { st } = make({ total: 3, to: 3 });
    st.goto(2);
    st.next();
    expect(st.pos).toBe(2);
    expect(st.notice).toMatch(/end/i);
  });

  it("no tasks: nothing is requested and the state is saved", () => {
    const { st, sent, flush } = make({ total: 0, to: 0 });
    flush();
    expect(sent).toHaveLength(0);
    expect(st.status()).toBe("saved");
    st.next();
    st.skip();
    flush();
    expect(sent).toHaveLength(0);
  });
});

describe("draft sources and defaults (DOM-free)", () => {
  it("a draft source runs only when the item goes away; its change is one save, sent first", () => {
    const { st, sent, of, flush } = make({ total: 30, to: 10, start: 9 });
    let draft: string | null = null;
    let calls = 0;
    st.addDraftSource(() => {
      calls++;
      if (draft !== null) st.setControlValue("sentiment", { choices: [draft] });
      draft = null;
    });
    st.toggleFilter();
    st.toggleFilter();
    expect(calls).toBe(0); // no move
    draft = "positive";
    flush();
    sent.length = 0;
    st.next(); // pos 9 -> 10: not cached, asks the kernel
    expect(calls).toBe(1);
    flush();
    expect(of("save")).toHaveLength(1);
    expect(of("save")[0]).toMatchObject({ pos: 9 });
    expect(sent[0].type).toBe("save");
    expect(st.pos).toBe(10);
    st.next(); // leaving an item still loading: nothing on screen, the hook is not asked
    expect(calls).toBe(1);
    st.prev();
    st.prev(); // back on 9 (still loading positions in between)
    expect(calls).toBe(1);
    st.prev(); // 9 -> 8: asked again, nothing typed, no save
    expect(calls).toBe(2);
    flush();
    expect(of("save")).toHaveLength(1);
  });

  it("a label key and a draft on the same item go out as one save", () => {
    const { st, of, flush } = make();
    st.addDraftSource(() => {
      if (!st.resultFor("sentiment")) return;
      st.setControlValue("sentiment", { choices: ["positive", "extra"] });
    });
    st.applyHotkey({ control: "sentiment", value: "positive" });
    expect(st.pos).toBe(1);
    flush();
    expect(of("save")).toHaveLength(1);
    expect(of("save")[0].result[0].value).toEqual({ choices: ["positive", "extra"] });
  });

  it("selected choices are shown on untouched unlabeled tasks only, and saved with the first change", () => {
    const spec = sentimentSpec();
    spec.root.children[1].children[1].attrs.selected = "true";
    const { st, of, flush } = make({ spec, labeled: { 1: "positive" }, settings: { auto_advance: false } });
    expect(st.resultFor("sentiment")?.value).toEqual({ choices: ["negative"] });
    expect(st.shownResult(1)[0].value).toEqual({ choices: ["positive"] });
    st.next();
    st.next();
    flush();
    expect(of("save")).toHaveLength(0);
    expect(st.doneCount()).toBe(1);
    st.skip();
    flush();
    expect(of("save")[0]).toMatchObject({ pos: 2, result: [], was_cancelled: true });
    expect(st.shownResult(2)).toEqual([]);
  });
});
