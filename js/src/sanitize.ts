// Allow-list HTML sanitizer for HyperText. Task HTML is parsed into the content of a
// <template> that belongs to a separate document without a browsing context (inert: no
// scripts run, nothing loads, no handlers fire), and a fresh tree is rebuilt from it in
// the widget's document with only allowed tags and attributes. Unsanitized task HTML
// never reaches a live element's innerHTML.
//
// Presentation survives where it cannot run or load anything: table structure and the
// legacy table attributes (border, cellpadding, align...), and inline `style` reduced to an
// allow-list of properties (colours, alignment, font weight/style, borders, padding, widths)
// whose values are plain keywords, numbers, lengths and colours — never url(), image-set(),
// expression(), var(), @import, escapes or comments. <style> blocks stay dropped.

const ALLOWED_TAGS = new Set([
  "p", "div", "span", "b", "i", "em", "strong", "u", "br", "ul", "ol", "li",
  "h1", "h2", "h3", "h4", "h5", "h6", "a", "img",
  "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
  "pre", "code", "blockquote", "hr", "sub", "sup", "small", "mark",
  "s", "del", "ins", "dl", "dt", "dd", "abbr", "kbd", "q",
]);

/** Dropped together with everything inside them. Any other unknown tag is unwrapped. */
const DROP_TAGS = new Set([
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
  "svg", "math", "template", "noscript", "noembed", "noframes", "title", "head", "meta",
  "link", "base", "input", "textarea", "select", "option", "button", "audio", "video",
  "source", "track", "canvas", "portal", "xmp", "plaintext", "param", "dialog",
]);

const GLOBAL_ATTRS = new Set(["title", "class", "style"]);
const CELL_ATTRS = ["colspan", "rowspan", "align", "valign", "width", "nowrap"];
const TAG_ATTRS: Record<string, Set<string>> = {
  a: new Set(["href"]),
  img: new Set(["src", "alt", "width", "height"]),
  table: new Set(["border", "cellpadding", "cellspacing", "align", "width"]),
  tr: new Set(["align", "valign"]),
  thead: new Set(["align", "valign"]),
  tbody: new Set(["align", "valign"]),
  tfoot: new Set(["align", "valign"]),
  td: new Set(CELL_ATTRS),
  th: new Set(CELL_ATTRS),
  col: new Set(["span", "width", "align", "valign"]),
  colgroup: new Set(["span", "width", "align", "valign"]),
  ol: new Set(["start"]),
  p: new Set(["align"]),
  div: new Set(["align"]),
  caption: new Set(["align"]),
};

/** Attributes that hold a small number (pixels or a count). */
const NUMERIC_ATTRS = new Set(["colspan", "rowspan", "span", "start", "width", "height", "border", "cellpadding", "cellspacing"]);
const ALIGN_VALUES = new Set(["left", "center", "right", "justify"]);
const VALIGN_VALUES = new Set(["top", "middle", "bottom", "baseline"]);

/** Inline CSS properties kept in `style` (everything else is dropped). */
const STYLE_PROPS = new Set([
  "color", "background-color",
  "text-align", "vertical-align", "white-space", "text-decoration", "text-decoration-line",
  "text-decoration-color", "text-decoration-style", "text-transform", "text-indent",
  "font-weight", "font-style", "font-size", "font-variant", "line-height", "letter-spacing",
  "border", "border-top", "border-right", "border-bottom", "border-left",
  "border-width", "border-style", "border-color", "border-radius",
  "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
  "border-top-style", "border-right-style", "border-bottom-style", "border-left-style",
  "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
  "border-collapse", "border-spacing", "caption-side", "empty-cells", "table-layout",
  "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
  "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
  "width", "min-width", "max-width", "height", "min-height", "max-height", "list-style-type",
]);

/** Functions allowed inside a kept value: colours only. */
const STYLE_FUNCS = /^(rgba?|hsla?|hwb|lab|lch|oklab|oklch)$/i;

/**
 * A CSS declaration value that can neither load a resource nor run anything: letters,
 * digits, `#`, `%`, `.`, `,`, `-`, `+`, `/`, spaces and colour functions; no quotes,
 * escapes, comments, `url(`, `expression(`, `var(`, `@` or `!`.
 */
function safeStyleValue(value: string): boolean {
  if (!/^[\w\s#%.,+\-/()]*$/.test(value)) return false;
  for (const m of value.matchAll(/([\w-]*)\(/g)) if (!STYLE_FUNCS.test(m[1])) return false;
  return (value.match(/\(/g) || []).length === (value.match(/\)/g) || []).length;
}

/** Keep only allowed `property: value` pairs of an inline style; "" when nothing is left. */
export function safeStyle(raw: string): string {
  const out: string[] = [];
  if (raw.length > 2000 || /[\\<>@]|\/\*/.test(raw)) return ""; // escapes, markup, at-rules, comments
  for (const decl of raw.split(";")) {
    const i = decl.indexOf(":");
    if (i < 0) continue;
    const prop = decl.slice(0, i).trim().toLowerCase();
    const value = decl.slice(i + 1).replace(/!\s*important\s*$/i, "").trim();
    if (!STYLE_PROPS.has(prop) || !value || !safeStyleValue(value)) continue;
    out.push(`${prop}: ${value}`);
  }
  return out.join("; ");
}

const MAX_DEPTH = 256;

function cleanUrl(raw: string): string {
  // Browsers ignore control characters and whitespace inside schemes ("java\tscript:").
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u0020\u007f-\u009f]+/g, "");
}

export function safeHref(raw: string): string | null {
  const url = cleanUrl(raw);
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : null;
}

export function safeSrc(raw: string): string | null {
  const url = cleanUrl(raw);
  if (/^https?:\/\//i.test(url)) return url;
  if (/^data:image\/(png|jpe?g|gif|webp|bmp|avif);/i.test(url)) return url;
  return null;
}

function copyAttrs(src: Element, dst: HTMLElement, tag: string): void {
  const allowed = TAG_ATTRS[tag];
  for (const attr of Array.from(src.attributes)) {
    const name = attr.name.toLowerCase();
    if (name.startsWith("on")) continue;
    if (!GLOBAL_ATTRS.has(name) && !(allowed && allowed.has(name))) continue;
    let value: string | null = attr.value;
    if (name === "href") value = safeHref(value);
    else if (name === "src") value = safeSrc(value);
    else if (name === "style") value = safeStyle(value) || null;
    else if (name === "align") value = ALIGN_VALUES.has(value.trim().toLowerCase()) ? value.trim().toLowerCase() : null;
    else if (name === "valign") value = VALIGN_VALUES.has(value.trim().toLowerCase()) ? value.trim().toLowerCase() : null;
    else if (name === "nowrap") value = "";
    else if (NUMERIC_ATTRS.has(name)) {
      const v = value.trim();
      value = /^\d{1,4}%?$/.test(v) && (name === "width" || !v.endsWith("%")) ? v : null;
    }
    if (value !== null) dst.setAttribute(name, value);
  }
  if (tag === "a") {
    dst.setAttribute("rel", "noopener noreferrer");
    dst.setAttribute("target", "_blank");
  }
}

function rebuild(src: Node, dst: Node, doc: Document, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const child of Array.from(src.childNodes)) {
    if (child.nodeType === 3) {
      dst.appendChild(doc.createTextNode(child.nodeValue ?? ""));
      continue;
    }
    if (child.nodeType !== 1) continue; // comments, processing instructions...
    const el = child as Element;
    const tag = el.tagName.toLowerCase();
    if (el.namespaceURI && el.namespaceURI !== "http://www.w3.org/1999/xhtml") continue; // svg/math content
    if (DROP_TAGS.has(tag)) continue;
    if (ALLOWED_TAGS.has(tag)) {
      const out = doc.createElement(tag);
      copyAttrs(el, out, tag);
      if (tag === "img" && !out.hasAttribute("src")) continue; // nothing safe to show
      dst.appendChild(out);
      rebuild(el, out, doc, depth + 1);
    } else {
      rebuild(el, dst, doc, depth + 1); // unwrap
    }
  }
}

let inertDoc: Document | null = null;

function inertDocument(doc: Document): Document {
  if (!inertDoc) inertDoc = doc.implementation.createHTMLDocument("");
  return inertDoc;
}

/** Parse untrusted HTML and return a safe fragment owned by `doc`. */
export function sanitizeHtml(html: string, doc: Document = document): DocumentFragment {
  const frag = doc.createDocumentFragment();
  if (!html) return frag;
  const inert = inertDocument(doc);
  const template = inert.createElement("template");
  template.innerHTML = String(html);
  rebuild(template.content, frag, doc, 0);
  return frag;
}
