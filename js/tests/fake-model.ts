// A stand-in for the anywidget model: traits with change events, recorded sends,
// and `emit` to play the kernel's custom messages.
import type { AnyModel } from "@anywidget/types";
import type { OutMsg, Spec, TaskEntry, Traits } from "../src/protocol";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => void;

export class FakeModel implements AnyModel<Traits> {
  state: Traits;
  sent: OutMsg[] = [];
  saveChangesCalls = 0;
  private handlers = new Map<string, Set<Handler>>();
  widget_manager = {
    get_model: () => Promise.reject(new Error("no widget manager in tests")),
  } as unknown as AnyModel["widget_manager"];

  constructor(state: Partial<Traits> = {}) {
    this.state = {
      spec: {},
      window: null,
      start: 0,
      total: 0,
      done: 0,
      skipped: 0,
      settings: { auto_advance: true, prefetch: 10, annotator: "tester" },
      error: "",
      ...state,
    } as Traits;
  }

  get<K extends keyof Traits>(key: K): Traits[K] {
    return this.state[key];
  }

  set<K extends keyof Traits>(key: K, value: Traits[K]): void {
    this.state[key] = value;
    this.fire(`change:${String(key)}`);
  }

  on(name: string, cb: Handler): void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(cb);
  }

  off(name?: string | null, cb?: Handler | null): void {
    if (!name) {
      this.handlers.clear();
      return;
    }
    if (!cb) this.handlers.delete(name);
    else this.handlers.get(name)?.delete(cb);
  }

  save_changes(): void {
    this.saveChangesCalls++;
  }

  send(content: unknown): void {
    this.sent.push(content as OutMsg);
  }

  /** Play a kernel -> browser custom message. */
  emit(msg: unknown): void {
    this.fire("msg:custom", msg, []);
  }

  listenerCount(name: string): number {
    return this.handlers.get(name)?.size ?? 0;
  }

  /** Sent messages of one type. */
  sentOf<T extends OutMsg["type"]>(type: T): Extract<OutMsg, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<OutMsg, { type: T }>[];
  }

  clearSent(): void {
    this.sent = [];
  }

  /** Play a widget-manager event on the model (`comm_live_update` on a kernel restart...). */
  trigger(name: string): void {
    this.fire(name);
  }

  private fire(name: string, ...args: unknown[]): void {
    for (const h of [...(this.handlers.get(name) ?? [])]) h(...args);
  }
}

// ---- fixtures ---------------------------------------------------------------------

export const REVIEWS = [
  "Loved it \u2764\ufe0f",
  "Terrible.",
  "\u8fd9\u4e2a\u4ea7\u54c1\u5f88\u597d \ud83d\ude00",
  "meh\n\n  indented line",
  "Five",
  "Six",
  "Seven",
  "Eight",
  "Nine",
  "Ten",
];

export function task(pos: number, labeled: string | null = null, text?: string): TaskEntry {
  return {
    pos,
    id: 100 + pos,
    data: { review: text ?? REVIEWS[pos % REVIEWS.length] ?? `review ${pos}` },
    annotation: labeled
      ? {
          result: [
            {
              id: `r${pos}xxxxxxxx`.slice(0, 10),
              from_name: "sentiment",
              to_name: "text",
              type: "choices",
              value: { choices: [labeled] },
              origin: "manual",
            },
          ],
          was_cancelled: false,
        }
      : null,
    predictions: [],
  };
}

export function sentimentSpec(extra: { required?: boolean; choice?: string } = {}): Spec {
  const choice = extra.choice ?? "single";
  const required = extra.required ?? false;
  return {
    version: 1,
    root: {
      tag: "View",
      kind: "visual",
      attrs: {},
      children: [
        {
          tag: "Text",
          kind: "object",
          attrs: { name: "text", value: "$review" },
          children: [],
          line: 2,
          col: 3,
          supported: true,
        },
        {
          tag: "Choices",
          kind: "control",
          attrs: { name: "sentiment", toName: "text", choice, required, showInline: true },
          children: [
            { tag: "Choice", kind: "label", attrs: { value: "positive", hotkey: "1" }, children: [], supported: true },
            { tag: "Choice", kind: "label", attrs: { value: "negative", hotkey: "2" }, children: [], supported: true },
            { tag: "Choice", kind: "label", attrs: { value: "neutral", alias: "neu" }, children: [], supported: true },
          ],
          supported: true,
        },
      ],
      supported: true,
    },
    objects: { text: { tag: "Text", name: "text", value: "$review", vars: ["review"] } },
    controls: {
      sentiment: {
        tag: "Choices",
        name: "sentiment",
        toName: ["text"],
        type: "choices",
        required,
        choice,
        labels: ["positive", "negative", "neu"],
      },
    },
    variables: ["review"],
    hotkeys: {
      "1": { control: "sentiment", value: "positive", action: "select" },
      "2": { control: "sentiment", value: "negative", action: "select" },
      "3": { control: "sentiment", value: "neu", action: "select" }, // the alias, as the Python spec sends it
    },
    unsupported: [],
  };
}

export interface SetupOptions {
  total?: number;
  from?: number;
  to?: number;
  start?: number;
  labeled?: Record<number, string>;
  spec?: Spec;
  settings?: Partial<Traits["settings"]>;
  done?: number;
}

/** Traits for a labeler over `total` tasks with the window [from, to). */
export function traits(opts: SetupOptions = {}): Partial<Traits> {
  const total = opts.total ?? 10;
  const from = opts.from ?? 0;
  const to = opts.to ?? Math.min(total, 10);
  const labeled = opts.labeled ?? {};
  const tasks: TaskEntry[] = [];
  for (let p = from; p < to; p++) tasks.push(task(p, labeled[p] ?? null));
  return {
    spec: opts.spec ?? sentimentSpec(),
    window: { from, to, tasks },
    start: opts.start ?? from,
    total,
    done: opts.done ?? Object.keys(labeled).length,
    skipped: 0,
    settings: { auto_advance: true, prefetch: 10, annotator: "tester", ...(opts.settings ?? {}) },
    error: "",
  };
}
