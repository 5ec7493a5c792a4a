// The strftime subset DateTime's `format` uses: %Y %y %m %d %e %H %I %M %S %p %B %b %j %%.
// Wall-clock parts only (no time zones): what the annotator picked is what is stored.

export interface Parts {
  year?: number;
  month?: number; // 1..12
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];
const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

export function formatParts(format: string, p: Parts): string {
  return format.replace(/%([a-zA-Z%])/g, (m, c: string) => {
    const y = p.year ?? 1970;
    const mo = p.month ?? 1;
    const d = p.day ?? 1;
    const h = p.hour ?? 0;
    switch (c) {
      case "Y": return pad(y, 4);
      case "y": return pad(y % 100);
      case "m": return pad(mo);
      case "d": return pad(d);
      case "e": return String(d).padStart(2, " ");
      case "H": return pad(h);
      case "I": return pad(h % 12 === 0 ? 12 : h % 12);
      case "p": return h < 12 ? "AM" : "PM";
      case "M": return pad(p.minute ?? 0);
      case "S": return pad(p.second ?? 0);
      case "B": return MONTHS[mo - 1] ?? "";
      case "b": return (MONTHS[mo - 1] ?? "").slice(0, 3);
      case "j": {
        const start = Date.UTC(y, 0, 1);
        return pad(Math.round((Date.UTC(y, mo - 1, d) - start) / 86400000) + 1, 3);
      }
      case "%": return "%";
      default: return m;
    }
  });
}

/** Read a string written with `format` back into parts; null when it does not fit. */
export function parseParts(format: string, text: string): Parts | null {
  const fields: string[] = [];
  let re = "";
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch === "%" && i + 1 < format.length) {
      const c = format[++i];
      const part: Record<string, string> = {
        Y: "(\\d{4})", y: "(\\d{2})", m: "(\\d{1,2})", d: "(\\d{1,2})", e: " ?(\\d{1,2})", H: "(\\d{1,2})",
        I: "(\\d{1,2})", M: "(\\d{1,2})", S: "(\\d{1,2})", p: "(AM|PM|am|pm)", B: "([A-Za-z]+)",
        b: "([A-Za-z]{3})", j: "(\\d{3})",
      };
      if (c === "%") re += "%";
      else if (part[c]) {
        re += part[c];
        fields.push(c);
      } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  const m = new RegExp(`^${re}$`).exec(text.trim());
  if (!m) return null;
  const p: Parts = {};
  let pm: boolean | null = null;
  fields.forEach((f, i) => {
    const v = m[i + 1];
    const n = Number(v);
    if (f === "Y") p.year = n;
    else if (f === "y") p.year = 2000 + n;
    else if (f === "m") p.month = n;
    else if (f === "d" || f === "e") p.day = n;
    else if (f === "H" || f === "I") p.hour = n;
    else if (f === "M") p.minute = n;
    else if (f === "S") p.second = n;
    else if (f === "p") pm = v.toUpperCase() === "PM";
    else if (f === "B" || f === "b") {
      const idx = MONTHS.findIndex((name) => name.toLowerCase().startsWith(v.toLowerCase().slice(0, 3)));
      if (idx >= 0) p.month = idx + 1;
    }
  });
  if (pm !== null && p.hour !== undefined) p.hour = (p.hour % 12) + (pm ? 12 : 0);
  return p;
}
