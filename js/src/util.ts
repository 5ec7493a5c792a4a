// Small helpers with no DOM state of their own.

const ID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

// Random bytes are drawn 256 at a time: one `getRandomValues` call per ~25 ids instead of
// one per labeled item (a native call on the keypress path).
let pool = new Uint8Array(0);
let poolAt = 0;

function randomBytes(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    pool = new Uint8Array(Math.max(256, n));
    const c = (globalThis as { crypto?: Crypto }).crypto;
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(pool);
    } else {
      for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(Math.random() * 256);
    }
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** A 10-character nanoid-style id ([A-Za-z0-9_-]), as Label Studio uses for results. */
export function newId(size = 10): string {
  const bytes = randomBytes(size);
  let id = "";
  for (let i = 0; i < size; i++) id += ID_ALPHABET[bytes[i] & 63];
  return id;
}

/** Deep copy of JSON data. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Read `$name` (or `$a.b`) from task data. */
export function lookupVar(data: Record<string, unknown> | undefined, name: string): unknown {
  if (!data) return undefined;
  if (Object.prototype.hasOwnProperty.call(data, name)) return data[name];
  if (name.includes(".")) {
    let cur: unknown = data;
    for (const part of name.split(".")) {
      if (cur && typeof cur === "object" && Object.prototype.hasOwnProperty.call(cur, part)) {
        cur = (cur as Record<string, unknown>)[part];
      } else {
        return undefined;
      }
    }
    return cur;
  }
  return undefined;
}

/** Render a task data value as display text. */
export function displayValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const VAR_RE = /\$([A-Za-z_][\w.]*)/g;

/**
 * Resolve an attribute value against task data: a bare `$var` returns the raw value;
 * otherwise every `$var` that exists in the data is replaced by its text.
 */
export function resolveValue(template: unknown, data: Record<string, unknown> | undefined): unknown {
  if (typeof template !== "string") return template;
  const bare = /^\$([A-Za-z_][\w.]*)$/.exec(template);
  if (bare) return lookupVar(data, bare[1]);
  if (!template.includes("$")) return template;
  return template.replace(VAR_RE, (whole, name: string) => {
    const v = lookupVar(data, name);
    return v === undefined ? whole : displayValue(v);
  });
}

/**
 * An input, textarea, select, or inside a `contenteditable` element (the nearest one with
 * the attribute decides). Read from attributes, not `isContentEditable`, which makes the
 * browser bring style up to date first; this runs on every keydown.
 */
export function isEditableTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== "string") return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toUpperCase();
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return true;
  const host = typeof el.closest === "function" ? el.closest("[contenteditable]") : null;
  if (!host) return false;
  return host.getAttribute("contenteditable")?.toLowerCase() !== "false";
}

export function asBool(v: unknown, dflt = false): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.toLowerCase() === "true";
  if (typeof v === "number") return v !== 0;
  return dflt;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

export function asString(v: unknown, dflt = ""): string {
  if (v === undefined || v === null) return dflt;
  return String(v);
}

/** Label Studio's `origin` of a result item taken from a prediction, before and after a human edit. */
export const FROM_PREDICTION = "prediction";
export const PREDICTION_CHANGED = "prediction-changed";

/** The `origin` of an item edited by hand: "prediction-changed" when it came from a prediction. */
export function editedOrigin(before: { origin?: string } | undefined): string {
  return before && (before.origin === FROM_PREDICTION || before.origin === PREDICTION_CHANGED) ? PREDICTION_CHANGED : "manual";
}
