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

  it("drops unsafe style, id and unknown attributes; keeps title, alt, class, colspan", () => {
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

describe("sanitizeHtml keeps safe presentation", () => {
  it("keeps table structure, borders and the legacy table attributes", () => {
    const box = clean(
      '<table border="1" cellpadding="4" cellspacing="0" width="80%" align="center" style="border-collapse: collapse">' +
        '<thead><tr><th align="left" style="border: 1px solid #999; background-color: #eee">name</th></tr></thead>' +
        '<tbody><tr valign="top"><td style="border-bottom: 2px dashed rgb(0, 0, 255); padding: 2px 4px" nowrap>x</td></tr></tbody></table>',
    );
    const table = box.querySelector("table")!;
    expect([...table.attributes].map((a) => `${a.name}=${a.value}`)).toEqual([
      "border=1", "cellpadding=4", "cellspacing=0", "width=80%", "align=center", "style=border-collapse: collapse",
    ]);
    const th = box.querySelector("th")!;
    expect(th.getAttribute("align")).toBe("left");
    expect(th.getAttribute("style")).toBe("border: 1px solid #999; background-color: #eee");
    expect(th.style.borderTopStyle).toBe("solid");
    expect(box.querySelector("tbody tr")!.getAttribute("valign")).toBe("top");
    const td = box.querySelector("td")!;
    expect(td.getAttribute("style")).toBe("border-bottom: 2px dashed rgb(0, 0, 255); padding: 2px 4px");
    expect(td.hasAttribute("nowrap")).toBe(true);
  });

  it("keeps colours, alignment and font weight on text", () => {
    const box = clean(
      '<p style="color: red; text-align: right; font-weight: 700 !important">a</p>' +
        '<span style="COLOR:#c00;font-style:italic;background-color:hsl(60, 100%, 90%)">b</span><div align="center">c</div>',
    );
    expect(box.querySelector("p")!.getAttribute("style")).toBe("color: red; text-align: right; font-weight: 700");
    expect(box.querySelector("span")!.getAttribute("style")).toBe(
      "color: #c00; font-style: italic; background-color: hsl(60, 100%, 90%)",
    );
    expect(box.querySelector("div")!.getAttribute("align")).toBe("center");
  });

  it("drops CSS that can load resources or run code, keeping the safe declarations beside it", () => {
    const cases: Array<[string, string | null]> = [
      ["background-image: url(https://e.org/t.png); color: red", "color: red"],
      ["color: red; background: url(javascript:alert(1))", "color: red"],
      ["width: expression(alert(1))", null],
      ["color: var(--x)", null],
      ["border-image: image-set('a.png' 1x)", null],
      ["@import 'https://e.org/x.css'; color: red", null],
      ["color: re\\64", null],
      ["color: red /* */; font-weight: bold", null],
      ["behavior: url(x.htc); -moz-binding: url(x.xml#y)", null],
      ["position: fixed; top: 0; left: 0; z-index: 9999", null],
      ["list-style-image: url(x.png)", null],
      ["content: 'x'", null],
      ['font-family: "Comic Sans"', null],
    ];
    for (const [style, kept] of cases) {
      const p = clean(`<p style="${style.replace(/"/g, "&quot;")}">t</p>`).querySelector("p")!;
      expect(p.getAttribute("style"), style).toBe(kept);
    }
  });

  it("drops bad values of the table attributes", () => {
    const box = clean('<table border="javascript:x" width="100px" align="evil"><tr><td valign="x" width="5%">a</td></tr></table>');
    const table = box.querySelector("table")!;
    expect(table.getAttributeNames()).toEqual([]);
    expect(box.querySelector("td")!.getAttributeNames()).toEqual(["width"]);
  });
});
