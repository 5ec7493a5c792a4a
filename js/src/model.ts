// Binds an anywidget model (traits + custom messages) to one LabelState.
import type { AnyModel } from "@anywidget/types";
import { afterFrame } from "./outbox";
import type { InMsg, ReorderMsg, Traits } from "./protocol";
import { LabelState } from "./state";
import { attachReview } from "./review";

export type NblModel = AnyModel<Traits>;

export interface Session {
  state: LabelState;
  dispose(): void;
}

export function bindModel(model: NblModel): Session {
  // Saves and requests go out after the frame that shows the keypress (see outbox.ts).
  const state = new LabelState({ send: (msg) => model.send(msg), schedule: afterFrame });
  state.load({
    spec: model.get("spec"),
    settings: model.get("settings"),
    total: model.get("total"),
    done: model.get("done"),
    skipped: model.get("skipped"),
    error: model.get("error"),
    window: model.get("window"),
    start: model.get("start"),
  });

  const review = attachReview(state, (msg) => model.send(msg));
  const handlers: Array<[string, (...args: unknown[]) => void]> = [
    ["change:spec", () => state.setSpec(model.get("spec"))],
    ["change:settings", () => state.setSettings(model.get("settings"))],
    ["change:total", () => state.setTotal(model.get("total"))],
    ["change:done", () => state.setCounts(model.get("done"), model.get("skipped"))],
    ["change:skipped", () => state.setCounts(model.get("done"), model.get("skipped"))],
    ["change:error", () => state.setErrorTrait(model.get("error"))],
    ["change:window", () => state.seedWindow(model.get("window"), model.get("start"))],
    // The widget manager marks every model of a restarting kernel as no longer live; a
    // closed comm (the kernel side closed the widget) ends the session the same way.
    ["comm_live_update", () => state.disconnect()],
    ["comm:close", () => state.disconnect("the labeler was closed in the kernel \u2014 re-run the cell; nothing after this point is saved")],
    ["msg:custom", (msg: unknown) => {
      // A new order is ready: say which item is on screen, so the kernel re-ranks after it.
      if (review.handle(msg)) return; // review replies (kind: "review") are not save acks
      if ((msg as InMsg)?.type === "reorder_ready") model.send({ type: "reorder", pos: state.pos } satisfies ReorderMsg);
      else state.handleMessage(msg as InMsg);
    }],
  ];
  for (const [name, fn] of handlers) model.on(name, fn);
  // A page being hidden or unloaded renders no more frames: send what is queued now.
  const doc = (globalThis as { document?: Document }).document;
  const win = (globalThis as { window?: Window }).window;
  const onVisibility = () => {
    if (doc?.visibilityState === "hidden") state.flush();
  };
  const onPageHide = () => state.flush();
  doc?.addEventListener("visibilitychange", onVisibility);
  win?.addEventListener("pagehide", onPageHide);
  return {
    state,
    dispose() {
      state.flush(); // the last messages, while the model still listens
      doc?.removeEventListener("visibilitychange", onVisibility);
      win?.removeEventListener("pagehide", onPageHide);
      for (const [name, fn] of handlers) model.off(name, fn);
    },
  };
}

// anywidget hands `initialize` and each `render` a different model proxy, so the
// per-model session is found through the `spec` trait object, which all proxies share.
const sessions = new WeakMap<object, Session>();

function specKey(model: NblModel): object | null {
  const spec = model.get("spec") as unknown;
  return spec && typeof spec === "object" ? spec : null;
}

/** Create the per-model session (from `initialize`) and make it findable by views. */
export function createSession(model: NblModel): Session {
  const session = bindModel(model);
  const register = () => {
    const key = specKey(model);
    if (key) sessions.set(key, session);
  };
  register();
  model.on("change:spec", register);
  const dispose = session.dispose;
  return {
    state: session.state,
    dispose() {
      model.off("change:spec", register);
      dispose();
    },
  };
}

export function findSession(model: NblModel): Session | undefined {
  const key = specKey(model);
  return key ? sessions.get(key) : undefined;
}
