import { describe, expect, it } from "vitest";
import type { Spec } from "../src/protocol";
import { FakeModel, sentimentSpec, traits } from "./fake-model";
import { attr, choice, frame, press, useFrames, useMounted } from "./helpers";

useFrames();

const setup = useMounted();

const pred = (label: string, score: number) => ({
  result: [{ id: "p0", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: [label] } }],
  score,
  model_version: "m1",
});

function bar(root: HTMLElement): HTMLElement {
  return root.querySelector<HTMLElement>(".nbl-suggestion")!;
}

describe("model suggestions", () => {
  it("stay hidden until predictions arrive, then show label and score without labeling", () => {
    const { root, model } = setup();
    expect(bar(root).hidden).toBe(true);
    model.emit({ type: "predictions", tasks: [{ pos: 0, id: 100, predictions: [pred("negative", 0.83)] }] });
    expect(bar(root).hidden).toBe(false);
    expect(bar(root).querySelector(".nbl-suggestion-text")!.textContent).toBe("negative");
    expect(bar(root).dataset.score).toBe("0.83");
    expect(bar(root).dataset.modelVersion).toBe("m1");
    expect(choice(root, "negative").dataset.predicted).toBe("true");
    expect(choice(root, "negative").getAttribute("aria-pressed")).toBe("false");
    expect(attr(root, "seq")).toBe("0");
  });

  it("arriving for the item on screen or others do not move it", () => {
    const { root, model } = setup();
    press(root, "j");
    press(root, "j");
    model.emit({ type: "predictions", tasks: [0, 1, 2, 3].map((p) => ({ pos: p, id: 100 + p, predictions: [pred("positive", 0.6)] })) });
    expect(attr(root, "pos")).toBe("2");
    expect(bar(root).hidden).toBe(false);
    // a stale batch (task no longer at that position) is ignored
    model.emit({ type: "predictions", tasks: [{ pos: 2, id: 999, predictions: [pred("negative", 0.9)] }] });
    expect(bar(root).querySelector(".nbl-suggestion-text")!.textContent).toBe("positive");
  });

  it("are accepted with r (saved, then auto-advance) and corrected by a label key", () => {
    const { root, model } = setup();
    model.emit({ type: "predictions", tasks: [0, 1].map((p) => ({ pos: p, id: 100 + p, predictions: [pred("negative", 0.7)] })) });
    press(root, "r");
    expect(attr(root, "pos")).toBe("1");
    press(root, "1"); // the human says positive
    frame();
    const saves = model.sentOf("save");
    expect(saves.map((s) => [s.pos, s.result[0].value])).toEqual([
      [0, { choices: ["negative"] }],
      [1, { choices: ["positive"] }],
    ]);
    press(root, "k");
    expect(bar(root).hidden).toBe(true); // labeled: no suggestion shown
  });

  it("the accept key does nothing without a suggestion; settings.accept_key replaces r", () => {
    const { root, model } = setup({ settings: { accept_key: "h" } });
    press(root, "h");
    expect(attr(root, "seq")).toBe("0");
    model.emit({ type: "predictions", tasks: [{ pos: 0, id: 100, predictions: [pred("positive", 0.9)] }] });
    expect(bar(root).querySelector("kbd")!.textContent).toBe("h");
    press(root, "r");
    expect(attr(root, "seq")).toBe("0");
    press(root, "h");
    expect(attr(root, "seq")).toBe("1");
    expect(attr(root, "pos")).toBe("1");
  });

  it("accepted items keep the prediction's ids with origin prediction; a later change is prediction-changed", () => {
    const { root, model } = setup();
    model.emit({ type: "predictions", tasks: [{ pos: 0, id: 100, predictions: [pred("negative", 0.7)] }] });
    press(root, "r");
    frame();
    const [accepted] = model.sentOf("save");
    expect(accepted.result).toEqual([
      { id: "p0", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["negative"] }, origin: "prediction" },
    ]);
    press(root, "k");
    press(root, "1"); // the human corrects the accepted label
    frame();
    const changed = model.sentOf("save").slice(-1)[0];
    expect(changed.result).toEqual([
      { id: "p0", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["positive"] }, origin: "prediction-changed" },
    ]);
    press(root, "j");
    press(root, "2"); // a label given without a suggestion stays manual
    frame();
    expect(model.sentOf("save").slice(-1)[0].result[0].origin).toBe("manual");
  });

  it("accepting a prediction over several controls is one save and one undo step", () => {
    const t = traits();
    const spec = sentimentSpec() as Spec;
    spec.root.children.push({ tag: "TextArea", kind: "control", attrs: { name: "notes", toName: "text", rows: 1 }, children: [], supported: true });
    spec.controls.notes = { tag: "TextArea", name: "notes", toName: ["text"], type: "textarea", required: false };
    t.spec = spec;
    const { root, model } = setup({}, new FakeModel(t));
    const two = {
      result: [
        { id: "p1", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["positive"] } },
        { id: "p2", from_name: "notes", to_name: "text", type: "textarea", value: { text: ["nice"] } },
      ],
      score: 0.9,
      model_version: "m2",
    };
    model.emit({ type: "predictions", tasks: [{ pos: 0, id: 100, predictions: [two] }] });
    press(root, "r");
    frame();
    expect(attr(root, "pos")).toBe("1");
    const saves = model.sentOf("save");
    expect(saves).toHaveLength(1);
    expect(saves[0].result.map((r) => [r.id, r.origin])).toEqual([
      ["p1", "prediction"],
      ["p2", "prediction"],
    ]);
    press(root, "z", { ctrl: true }); // one undo takes back both, on the item it was made on
    frame();
    expect(attr(root, "pos")).toBe("0");
    const last = model.sentOf("save").slice(-1)[0];
    expect(model.sentOf("save")).toHaveLength(2);
    expect(last.pos).toBe(0);
    expect(last.result).toEqual([]);
    expect(bar(root).hidden).toBe(false); // unlabeled again: the suggestion is back
  });

  it("the retrain button and key show once the kernel has a fit function and ask it to retrain", () => {
    const { root, model } = setup();
    const btn = root.querySelector<HTMLButtonElement>(".nbl-retrain")!;
    expect(btn.hidden).toBe(true);
    expect([...root.querySelectorAll(".nbl-help dt")].map((d) => d.textContent)).toContain(".");
    model.clearSent();
    press(root, ".");
    frame();
    expect(model.sent.filter((m) => m.type === "retrain")).toEqual([]);
    expect(root.querySelector(".nbl-notice")!.textContent).toContain("lab.retrain(fit_fn)");
    model.set("settings", { ...model.get("settings"), retrain: true });
    expect(btn.hidden).toBe(false);
    press(root, ".");
    frame();
    btn.click();
    frame();
    expect(model.sent.filter((m) => m.type === "retrain")).toEqual([{ type: "retrain" }, { type: "retrain" }]);
    expect(attr(root, "pos")).toBe("0"); // nothing labeled, nothing moved
    expect(attr(root, "seq")).toBe("0");
    // a fit function that fails reports back like any model error: in the banner
    model.emit({ type: "error", seq: null, message: "retraining failed: RuntimeError: no GPU here" });
    expect(root.querySelector<HTMLElement>(".nbl-banner")!.hidden).toBe(false);
    expect(root.querySelector(".nbl-banner-text")!.textContent).toContain("no GPU here");
  });

  it("the retrain key follows settings.retrain_key and never takes a config hotkey", () => {
    const t = traits({ settings: { retrain_key: ",", retrain: true } });
    const spec = sentimentSpec() as Spec;
    spec.hotkeys[","] = { control: "sentiment", value: "negative", action: "select" };
    t.spec = spec;
    const { root, model } = setup({}, new FakeModel(t));
    expect(root.querySelector(".nbl-retrain")!.getAttribute("title")).toContain("(,)");
    model.clearSent();
    press(root, ","); // the config's binding wins: a label, no retrain
    frame();
    expect(model.sent.filter((m) => m.type === "retrain")).toEqual([]);
    expect(model.sentOf("save")[0].result[0].value).toEqual({ choices: ["negative"] });
  });

  it("reorder_ready is answered with the position on screen", () => {
    const { root, model } = setup();
    press(root, "j");
    model.clearSent();
    model.emit({ type: "reorder_ready" });
    expect(model.sent).toEqual([{ type: "reorder", pos: 1 }]);
  });
});
