// Allow-list HTML sanitizer for HyperText. Task HTML is parsed into the content of a
// <template> that belongs to a separate document without a browsing context (inert: no
// scripts run, nothing loads, no handlers fire), and a fresh tree is rebuilt from it in
// the widget's document with only allowed tags and attributes. Unsanitized task HTML
// never reaches a live element's innerHTML.

const ALLOWED_TAGS = new Set([
  "p", "div", "span", "b", "i", "em", "strong", "u", "br", "ul", "ol", "li",
  "h1", "h2", "h3", "h4", "h5", "h6", "a", "img",
  "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
  "pre", "code", "blockquote", "hr", "sub", "sup", "small", "mark",
]);

/** Dropped together with everything inside them. Any other unknown tag is unwrapped. */
const DROP_TAGS = new Set([
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
  "svg", "math", "template", "noscript", "noembed", "noframes", "title", "head", "meta",
  "link", "base", "input", "textarea", "select", "option", "button", "audio", "video",
  "source", "track", "canvas", "portal", "xmp", "plaintext", "param", "dialog",
]);

const GLOBAL_ATTRS = new Set(["title", "class"]);
const TAG_ATTRS: Record<string, Set<string>> = {
  a: new Set(["href"]),
  img: new Set(["src", "alt", "width", "height"]),
  td: new Set(["colspan", "rowspan"]),
  th: new Set(["colspan", "rowspan"]),
  col: new Set(["span"]),
  colgroup: new Set(["span"]),
  ol: new Set(["start"]),
};

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
    else if (name === "colspan" || name === "rowspan" || name === "span" || name === "start" || name === "width" || name === "height") {
      value = /^\d{1,4}$/.test(value.trim()) ? value.trim() : null;
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
