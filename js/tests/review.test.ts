import { describe, expect, it } from "vitest";
import { attr, choice, frame, press, useFrames, useMounted } from "./helpers";
import { FakeModel, traits } from "./fake-model";
import type { TaskEntry } from "../src/protocol";

useFrames();

const setup = useMounted();

const item = (label: string) => [{ id: "x1", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: [label] } }];

/** A review over 3 flagged tasks: ana and bo labeled each, task 102 has a consensus fix already. */
function reviewModel(): FakeModel {
  const t = traits({ total: 3, to: 3, settings: { mode: "review", review_key: "a" } });
  const tasks = (t.window!.tasks as TaskEntry[]).map((e, i) => ({
    ...e,
    others: [
      { annotator: "ana", result: item("positive"), was_cancelled: false, consensus: false },
      { annotator: "bo", result: item(i === 1 ? "positive" : "negative"), was_cancelled: false, consensus: false },
      ...(i === 2 ? [{ annotator: "consensus", result: item("negative"), was_cancelled: false, consensus: true }] : []),
    ],
    review: { state: i === 2 ? "fixed" : "pending", comment: null, reviewer: i === 2 ? "rita" : null },
  }));
  return new FakeModel({ ...t, window: { from: 0, to: 3, tasks } });
}

const panel = (root: HTMLElement) => root.querySelector<HTMLElement>(".nbl-review")!;
const others = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>(".nbl-review-other")].map((li) => [
    li.dataset.annotator,
    li.querySelector(".nbl-review-summary")!.textContent,
    li.dataset.consensus,
  ]);
const sentReviews = (m: FakeModel) => (m.sent as unknown as Array<Record<string, unknown>>).filter((x) => x.type === "review");

describe("review mode", () => {
  it("is off in label mode: no review panel", () => {
    const { root } = setup();
    expect(root.querySelector(".nbl-review")).toBeNull();
  });

  it("shows every annotator's labels per control, the consensus marked, and the review state", () => {
    const { root } = setup({}, reviewModel());
    expect(attr(root, "mode")).toBe("review");
    expect(others(root)).toEqual([["ana", "sentiment: positive", "false"], ["bo", "sentiment: negative", "false"]]);
    expect(panel(root).dataset.reviewState).toBe("pending");
    press(root, "j");
    press(root, "j");
    expect(others(root)[2]).toEqual(["consensus", "sentiment: negative", "true"]);
    expect(panel(root).dataset.reviewState).toBe("fixed");
  });

  it("accepts with the review key: one review message, advance, then the ack updates state and progress", () => {
    const { root, model } = setup({}, reviewModel());
    press(root, "a");
    expect(sentReviews(model)).toEqual([{ type: "review", seq: 1, task_id: 100, decision: "accept", comment: null, result: null }]);
    expect(attr(root, "pos")).toBe("1");
    expect(model.sentOf("save")).toEqual([]); // not a save
    press(root, " ", { ctrl: true, code: "Space" }); // no skip in a review
    frame();
    expect(model.sentOf("save")).toEqual([]);
    expect(root.querySelector<HTMLButtonElement>(".nbl-skip")!.hidden).toBe(true);
    model.emit({ type: "ack", kind: "review", seq: 1, task_id: 100, done: 1, skipped: 0,
                 review: { state: "accepted", comment: null, reviewer: "rita" } });
    expect(attr(root, "done")).toBe("1");
    expect(attr(root, "ack")).toBe("0"); // the save numbering is untouched
    press(root, "k");
    expect(panel(root).dataset.reviewState).toBe("accepted");
    expect(panel(root).querySelector(".nbl-review-by")!.textContent).toBe("by rita");
  });

  it("counts reviewed tasks as done for the unlabeled filter and next unlabeled", () => {
    const { root, model } = setup({}, reviewModel());
    press(root, "a");
    model.emit({ type: "ack", kind: "review", seq: 1, task_id: 100, done: 1, skipped: 0,
                 review: { state: "accepted", comment: null, reviewer: "rita" } });
    press(root, "u"); // unreviewed only
    press(root, "k");
    expect(attr(root, "pos")).toBe("1"); // task 100 is reviewed: nothing open before this one
    press(root, "j");
    expect(attr(root, "pos")).toBe("1"); // 102 was fixed before: nothing open after either
    press(root, "u");
    press(root, "k");
    expect(attr(root, "pos")).toBe("0");
  });

  it("rejects only with a comment, and keeps the typed comment until the kernel stored it", () => {
    const { root, model } = setup({}, reviewModel());
    const box = root.querySelector<HTMLTextAreaElement>(".nbl-review-comment")!;
    const reject = root.querySelector<HTMLButtonElement>(".nbl-review-reject")!;
    reject.click();
    expect(sentReviews(model)).toEqual([]);
    expect(root.querySelector(".nbl-review-error")!.textContent).toContain("say why");
    box.focus();
    box.value = "both miss the sarcasm";
    box.dispatchEvent(new Event("input"));
    // typing in the box never labels or navigates
    expect(press(box, "a").defaultPrevented).toBe(false);
    expect(sentReviews(model)).toEqual([]);
    // leave and come back: the draft is still there
    press(root, "j");
    press(root, "k");
    expect(box.value).toBe("both miss the sarcasm");
    reject.click();
    expect(sentReviews(model)).toEqual([
      { type: "review", seq: 1, task_id: 100, decision: "reject", comment: "both miss the sarcasm", result: null }]);
    // refused by the kernel: the comment stays, the message shows
    model.emit({ type: "error", kind: "review", seq: 1, task_id: 100, message: "store is read-only" });
    press(root, "k");
    expect(box.value).toBe("both miss the sarcasm");
    expect(root.querySelector(".nbl-review-error")!.textContent).toBe("store is read-only");
    expect(attr(root, "state")).not.toBe("error"); // no save is marked failed
  });

  it("sends nothing once the kernel is gone, and keeps the comment", () => {
    const { root, model } = setup({}, reviewModel());
    const box = root.querySelector<HTMLTextAreaElement>(".nbl-review-comment")!;
    box.value = "typed before the restart";
    box.dispatchEvent(new Event("input"));
    model.trigger("comm_live_update");
    root.querySelector<HTMLButtonElement>(".nbl-review-reject")!.click();
    press(root, "a");
    expect(sentReviews(model)).toEqual([]);
    expect(root.querySelector(".nbl-review-error")!.textContent).toContain("not sent");
    expect(box.value).toBe("typed before the restart");
    expect(attr(root, "pos")).toBe("0");
  });

  it("fixes with the usual label keys: a save of the new label", () => {
    const { root, model } = setup({}, reviewModel());
    press(root, "2");
    frame();
    expect(model.sentOf("save").map((s) => [s.task_id, s.result[0].value])).toEqual([[100, { choices: ["negative"] }]]);
    const seq = model.sentOf("save")[0].seq;
    model.emit({ type: "ack", seq, task_id: 100, done: 1, skipped: 0, review: { state: "fixed", comment: null, reviewer: "rita" } });
    press(root, "k");
    expect(panel(root).dataset.reviewState).toBe("fixed");
    expect(choice(root, "negative").getAttribute("aria-pressed")).toBe("true");
  });
});
