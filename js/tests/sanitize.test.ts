import { describe, expect, it } from "vitest";
import { sanitizeHtml } from "../src/sanitize";

function clean(html: string): HTMLElement {
  const box = document.createElement("div");
  box.appendChild(sanitizeHtml(html));
  return box;
}

describe("sanitizeHtml", () => {
  it("keeps safe markup and text", () => {
    const box = clean("<p>Hello <b>bold</b> <em>x</em> \u4f60\u597d \ud83d\ude00</p><ul><li>a</li></ul>");
    expect(box.innerHTML).toBe("<p>Hello <b>bold</b> <em>x</em> \u4f60\u597d \ud83d\ude00</p><ul><li>a</li></ul>");
  });

  it("drops <script> with its content", () => {
    const box = clean('<p>hi</p><script>window.__pwned = 1</script><SCRIPT src="x.js"></SCRIPT>');
    expect(box.querySelector("script")).toBeNull();
    expect(box.innerHTML).toBe("<p>hi</p>");
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("drops on* handlers", () => {
    const box = clean('<img src="https://example.org/a.png" onerror="alert(1)"><p onclick="x()" ONMOUSEOVER="y()">t</p>');
    const img = box.querySelector("img")!;
    expect(img.getAttribute("src")).toBe("https://example.org/a.png");
    expect(img.hasAttribute("onerror")).toBe(false);
    const p = box.querySelector("p")!;
    expect(p.getAttributeNames()).toEqual([]);
    expect(box.innerHTML).not.toMatch(/on\w+=/i);
  });

  it("drops javascript: and other unsafe urls, including obfuscated ones", () => {
    const box = clean(
      '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="java&#9;script:alert(1)">c</a>' +
        '<a href="vbscript:x">d</a><a href="data:text/html,<script>alert(1)</script>">e</a><img src="javascript:alert(1)">' +
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    );
    for (const a of box.querySelectorAll("a")) expect(a.hasAttribute("href")).toBe(false);
    expect(box.querySelectorAll("a")).toHaveLength(5);
    expect(box.querySelector("img")).toBeNull(); // no safe src: dropped
  });

  it("keeps http(s), mailto and data:image links, with rel and target on links", () => {
    const box = clean('<a href="https://example.org/x?a=1&b=2">x</a><a href="mailto:a@b.c">m</a><img src="data:image/png;base64,iVBORw0=">');
    const [a, m] = [...box.querySelectorAll("a")];
    expect(a.getAttribute("href")).toBe("https://example.org/x?a=1&b=2");
    expect(a.getAttribute("rel")).toBe("noopener noreferrer");
    expect(a.getAttribute("target")).toBe("_blank");
    expect(m.getAttribute("href")).toBe("mailto:a@b.c");
    expect(box.querySelector("img")!.getAttribute("src")).toBe("data:image/png;base64,iVBORw0=");
  });

  it("drops <svg onload>, <math>, <iframe>, <object>, <embed>, <form>, <style>", () => {
    const box = clean(
      '<svg onload="alert(1)"><circle r="1"/></svg><math><mi>x</mi></math><iframe src="https://e.org"></iframe>' +
        '<object data="x"></object><embed src="x"><form action="https://e.org"><input name="q"></form>' +
        "<style>body{display:none}</style><p>kept</p>",
    );
    expect(box.innerHTML).toBe("<p>kept</p>");
  });

  it("drops style, id and unknown attributes; keeps title, alt, class, colspan", () => {
    const box = clean(
      '<table><tr><td colspan="2" rowspan="x" style="position:fixed" id="clobber" class="c" title="t">1</td></tr></table>' +
        '<img src="https://e.org/i.png" alt="pic" srcset="x 1x">',
    );
    const td = box.querySelector("td")!;
    expect(td.getAttribute("colspan")).toBe("2");
    expect(td.hasAttribute("rowspan")).toBe(false);
    expect(td.hasAttribute("style")).toBe(false);
    expect(td.hasAttribute("id")).toBe(false);
    expect(td.getAttribute("class")).toBe("c");
    expect(td.getAttribute("title")).toBe("t");
    const img = box.querySelector("img")!;
    expect(img.getAttribute("alt")).toBe("pic");
    expect(img.hasAttribute("srcset")).toBe(false);
  });

  it("unwraps unknown harmless tags and keeps their text", () => {
    const box = clean("<section><article><font color=red>inner</font></article></section>");
    expect(box.innerHTML).toBe("inner");
  });

  it("treats broken markup and comments safely", () => {
    const box = clean('<p>a<!-- <script>alert(1)</script> -->b</p><img src=x onerror=alert(1)//');
    expect(box.querySelector("script")).toBeNull();
    for (const e of box.querySelectorAll("*")) {
      expect(e.getAttributeNames().filter((n) => n.startsWith("on"))).toEqual([]);
    }
    expect(box.querySelector("img[onerror]")).toBeNull();
    expect(box.textContent).toContain("ab");
  });
});
