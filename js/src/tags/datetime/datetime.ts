// DateTime: date / time / month / year pickers; result {"datetime": "<formatted>"} as Label
// Studio writes it: "%Y-%m-%dT%H:%M" with date and time, "%Y-%m-%d" with a date only, "%H:%M"
// with only="time", the year ("2024") with only="year", "%Y-%m" with month+year; `format`
// (strftime) replaces the date patterns. Values outside min/max are not saved: the field is
// flagged with the reason instead.
import type { SpecNode } from "../../protocol";
import { asString } from "../../util";
import { el, setText, type RenderContext, requiredMarker } from "../context";
import { formatParts, parseParts, type Parts } from "./strftime";

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

export interface DateTimeMode {
  date: boolean;
  time: boolean;
  month: boolean;
  year: boolean;
  /** strftime pattern of the stored value (null: only="time", stored as HH:MM). */
  format: string | null;
}

export function dateTimeMode(attrs: Record<string, unknown>): DateTimeMode {
  const only = asString(attrs.only).split(",").map((s) => s.trim()).filter(Boolean);
  const has = (k: string) => only.includes(k);
  const date = !only.length || has("date");
  const time = !only.length || has("time");
  const month = has("month") && !has("date");
  const year = has("year") && !has("date");
  const onlyTime = time && !date && !month && !year;
  const custom = asString(attrs.format);
  let format: string | null;
  if (onlyTime) format = null;
  else if (custom) format = custom;
  else if (date) format = time ? "%Y-%m-%dT%H:%M" : "%Y-%m-%d";
  else if (month) format = "%Y-%m";
  else format = "%Y";
  return { date, time, month, year, format };
}

/** The stored string for picked parts, or null when a needed part is missing. */
export function dateTimeValue(mode: DateTimeMode, p: Parts): string | null {
  if (mode.format === null) return p.hour === undefined ? null : `${pad(p.hour)}:${pad(p.minute ?? 0)}`;
  if (mode.date && (p.year === undefined || p.month === undefined || p.day === undefined)) return null;
  if (mode.month && (p.year === undefined || p.month === undefined)) return null;
  if (p.year === undefined) return null;
  const parts = mode.time ? { ...p, hour: p.hour ?? 0, minute: p.minute ?? 0 } : p;
  return formatParts(mode.format, parts);
}

export function parseDateTimeValue(mode: DateTimeMode, text: unknown): Parts {
  if (typeof text !== "string" || !text) return {};
  if (mode.format === null) {
    const m = /^(\d{1,2}):(\d{2})/.exec(text);
    return m ? { hour: Number(m[1]), minute: Number(m[2]) } : {};
  }
  return parseParts(mode.format, text) ?? {};
}

/** "2024-03-09" for the date parts compared with min/max (which are ISO dates or years). */
function isoDate(p: Parts, mode: DateTimeMode): string {
  if (!mode.date && !mode.month) return p.year !== undefined ? String(p.year) : "";
  return `${pad(p.year ?? 0, 4)}-${pad(p.month ?? 1)}-${pad(p.day ?? 1)}`;
}

function option(doc: Document, text: string, value: string): HTMLOptionElement {
  const o = doc.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

export function renderDateTime(node: SpecNode, ctx: RenderContext): HTMLElement {
  const a = node.attrs || {};
  const name = asString(a.name);
  const mode = dateTimeMode(a);
  const min = asString(a.min);
  const max = asString(a.max);
  const box = el(ctx.doc, "div", "nbl-control nbl-datetime");
  box.setAttribute("data-nbl-control", name);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", name);
  const flagMissing = requiredMarker(box, node, ctx);

  let dateIn: HTMLInputElement | null = null;
  let timeIn: HTMLInputElement | null = null;
  let monthSel: HTMLSelectElement | null = null;
  let yearSel: HTMLSelectElement | null = null;
  if (mode.month) {
    monthSel = el(ctx.doc, "select", "nbl-input nbl-dt-month");
    monthSel.setAttribute("aria-label", `${name} month`);
    monthSel.append(option(ctx.doc, "Month\u2026", ""), ...MONTHS.map((m, i) => option(ctx.doc, m, String(i + 1))));
    box.appendChild(monthSel);
  }
  if (mode.year) {
    yearSel = el(ctx.doc, "select", "nbl-input nbl-dt-year");
    yearSel.setAttribute("aria-label", `${name} year`);
    const now = new Date().getFullYear();
    const yearOf = (s: string, dflt: number) => (s === "current" || !s ? dflt : Number(s.slice(0, 4)) || dflt);
    const lo = yearOf(min, 2000);
    const hi = yearOf(max, now);
    yearSel.appendChild(option(ctx.doc, "Year\u2026", ""));
    for (let y = hi; y >= lo; y--) yearSel.appendChild(option(ctx.doc, String(y), String(y)));
    box.appendChild(yearSel);
  }
  if (mode.date) {
    dateIn = el(ctx.doc, "input", "nbl-input nbl-dt-date");
    dateIn.type = "date";
    dateIn.setAttribute("aria-label", `${name} date`);
    if (/^\d{4}-\d{2}-\d{2}$/.test(min)) dateIn.min = min;
    if (/^\d{4}-\d{2}-\d{2}$/.test(max)) dateIn.max = max;
    box.appendChild(dateIn);
  }
  if (mode.time) {
    timeIn = el(ctx.doc, "input", "nbl-input nbl-dt-time");
    timeIn.type = "time";
    timeIn.setAttribute("aria-label", `${name} time`);
    box.appendChild(timeIn);
  }
  const problem = el(ctx.doc, "span", "nbl-dt-problem");
  problem.setAttribute("role", "status");
  box.appendChild(problem);

  const picked = (): Parts => {
    const p: Parts = {};
    const d = dateIn?.value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateIn.value) : null;
    if (d) Object.assign(p, { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]) });
    if (monthSel?.value) p.month = Number(monthSel.value);
    if (yearSel?.value) p.year = Number(yearSel.value);
    const t = timeIn?.value ? /^(\d{2}):(\d{2})/.exec(timeIn.value) : null;
    if (t) Object.assign(p, { hour: Number(t[1]), minute: Number(t[2]) });
    return p;
  };

  const commit = () => {
    const p = picked();
    const value = dateTimeValue(mode, p);
    if (value !== null && mode.format !== null) {
      const iso = isoDate(p, mode);
      const cmp = (bound: string) => iso.slice(0, bound.length);
      const errs: string[] = [];
      if (min && min !== "current" && cmp(min) < min) errs.push(`before ${min}`);
      if (max && max !== "current" && cmp(max) > max) errs.push(`after ${max}`);
      if (errs.length) {
        setText(problem, `not saved: ${errs.join(", ")}`);
        box.setAttribute("data-invalid", "true");
        return;
      }
    }
    setText(problem, "");
    box.removeAttribute("data-invalid");
    const cur = ctx.result(name)?.value?.datetime;
    if (value === null) {
      // a half-filled picker (month without a year) saves nothing yet; clearing clears
      if (!Object.keys(p).length && cur !== undefined) ctx.setValue(name, null);
      return;
    }
    if (cur !== value) ctx.setValue(name, { datetime: value });
  };
  for (const input of [dateIn, timeIn, monthSel, yearSel]) input?.addEventListener("change", commit);

  ctx.onTask((t) => {
    const item = ctx.result(name); // perRegion="true": the selected region's value
    const p = parseDateTimeValue(mode, item?.value?.datetime);
    const focused = (x: HTMLElement | null) => !!x && ctx.doc.activeElement === x && !t.moved;
    const set = (x: HTMLInputElement | HTMLSelectElement | null, v: string) => {
      if (x && !focused(x) && x.value !== v) x.value = v;
    };
    set(dateIn, p.year !== undefined && p.month !== undefined && p.day !== undefined
      ? `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}` : "");
    set(timeIn, p.hour !== undefined ? `${pad(p.hour)}:${pad(p.minute ?? 0)}` : "");
    set(monthSel, p.month !== undefined ? String(p.month) : "");
    if (yearSel && p.year !== undefined && ![...yearSel.options].some((o) => o.value === String(p.year))) {
      yearSel.appendChild(option(ctx.doc, String(p.year), String(p.year))); // a stored year outside min..max
    }
    set(yearSel, p.year !== undefined ? String(p.year) : "");
    if (t.moved) {
      setText(problem, "");
      box.removeAttribute("data-invalid");
    }
    flagMissing(!item);
  });
  return box;
}
