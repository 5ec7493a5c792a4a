"""Accessibility and themes, measured in real JupyterLab + chromium.

* axe-core (js/node_modules/axe-core, an npm devDependency) is injected into the page and run on
  the labeler: no violation of impact "serious" or "critical", in the light and the dark theme.
* In JupyterLab's dark theme, contrast is computed from the computed styles (WCAG 2 relative
  luminance): text >= 4.5:1, the pressed choice's text >= 4.5:1 on its fill and its fill >= 3:1
  against the labeler's background, the focus rings >= 3:1 against what surrounds them and >= 2 px.
* Every control is reachable by Tab and has an accessible name.
A screenshot of the dark theme goes to docs/img/labeler-dark.png (when missing, or with
NBL_UPDATE_SCREENSHOT=1).
"""

from __future__ import annotations

import os

import pytest

import harness as H

pytestmark = pytest.mark.browser

AXE = H.REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"
DARK_SCREENSHOT = H.REPO / "docs" / "img" / "labeler-dark.png"

# WCAG 2 contrast of computed colours; a colour's background is composited from its ancestors.
JS_CONTRAST = """
(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const bgOf = (el) => { const chain = []; for (let e = el; e; e = e.parentElement) chain.push(e);
    let c = [255, 255, 255, 1];
    for (const e of chain.reverse()) { const b = parse(getComputedStyle(e).backgroundColor);
      if (b && b[3] > 0) c = over(b, c); }
    return c; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  window.__nblContrast = {
    text: (el) => { const bg = bgOf(el); return ratio(over(parse(getComputedStyle(el).color), bg), bg); },
    fillVs: (el, other) => ratio(bgOf(el), bgOf(other)),
    outline: (el) => { const s = getComputedStyle(el);
      const around = bgOf(el.parentElement || el);
      return {width: parseFloat(s.outlineWidth), style: s.outlineStyle,
              ratio: s.outlineStyle === 'none' ? 0 : ratio(over(parse(s.outlineColor), around), around)}; },
  };
})()
"""


def run_axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (sel) => { const r = await axe.run(document.querySelector(sel),
                               {resultTypes: ['violations']});
                            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.map(n => n.html.slice(0, 160))})); }""",
        H.ROOT,
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def set_theme(page, name: str, light: bool) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
    page.wait_for_function("(l) => document.body.dataset.jpThemeLight === String(l)", arg=light, timeout=30_000)
    # the theme's CSS has been applied once the labeler's computed colours follow it
    page.wait_for_function(
        """(l) => { const c = getComputedStyle(document.querySelector('.nbl-root')).backgroundColor;
                    const v = c.match(/\\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
                    return l ? v > 384 : v < 384; }""",
        arg=light,
        timeout=30_000,
    )


def test_no_serious_axe_violations_and_dark_theme_contrast(quickstart):
    page = quickstart.page
    assert AXE.exists(), f"{AXE} is missing: run `make js` (axe-core is a devDependency of js/)"
    H.focus_root(page)
    page.keyboard.press("1")  # label item 0, move on ...
    page.keyboard.press("k")  # ... and come back: "positive" is pressed
    H.wait_all_acked(page)
    pressed = page.locator(f"{H.ROOT} .nbl-choice[aria-pressed='true']")
    assert pressed.count() == 1

    light = run_axe(page)
    assert not serious(light), f"axe (light theme): {serious(light)}"

    set_theme(page, "JupyterLab Dark", light=False)
    try:  # the theme is a server-side setting: the next tests must find the light theme again
        dark = run_axe(page)
        assert not serious(dark), f"axe (dark theme): {serious(dark)}"

        page.evaluate(JS_CONTRAST)
        root = page.locator(H.ROOT).first
        text = page.locator(f"{H.ROOT} [data-nbl-object='text']").first
        plain = page.locator(f"{H.ROOT} .nbl-choice[aria-pressed='false']").first
        contrasts = {
            "task text": text.evaluate("(e) => __nblContrast.text(e)"),
            "choice text": plain.evaluate("(e) => __nblContrast.text(e)"),
            "pressed choice text": pressed.evaluate("(e) => __nblContrast.text(e)"),
            "progress": page.locator(f"{H.ROOT} .nbl-progress").evaluate("(e) => __nblContrast.text(e)"),
            "status": page.locator(f"{H.ROOT} .nbl-status").evaluate("(e) => __nblContrast.text(e)"),
            "toolbar button": page.locator(f"{H.ROOT} .nbl-next").evaluate("(e) => __nblContrast.text(e)"),
        }
        for what, ratio in contrasts.items():
            assert ratio >= 4.5, f"dark theme: {what} contrast {ratio:.2f}:1 < 4.5:1 ({contrasts})"
        fill = pressed.evaluate("(e) => __nblContrast.fillVs(e, e.closest('.nbl-root'))")
        assert fill >= 3, f"dark theme: the pressed choice's fill is {fill:.2f}:1 against the labeler (< 3:1)"

        H.focus_root(page)
        ring = root.evaluate("(e) => __nblContrast.outline(e)")
        assert ring["width"] >= 3 and ring["ratio"] >= 3, f"focused labeler's ring: {ring}"
        page.keyboard.press("Tab")  # into the controls: the first toolbar button
        focused = page.evaluate("() => document.activeElement.className")
        assert "nbl-btn" in focused, focused
        ring = page.evaluate("() => __nblContrast.outline(document.activeElement)")
        assert ring["width"] >= 2 and ring["ratio"] >= 3, f"focused control's ring: {ring}"
        outer = root.evaluate("(e) => __nblContrast.outline(e)")
        assert outer["width"] >= 1 and outer["ratio"] >= 3, f"the labeler shows it holds the focus: {outer}"

        if os.environ.get("NBL_UPDATE_SCREENSHOT") == "1" or not DARK_SCREENSHOT.exists():
            H.focus_root(page)
            out = page.locator(".jp-OutputArea-output", has=page.locator(H.ROOT)).first
            out.screenshot(path=str(DARK_SCREENSHOT), animations="disabled", caret="hide")
    finally:
        set_theme(page, "JupyterLab Light", light=True)


def test_every_control_is_reachable_by_tab_and_named(quickstart):
    """Tab walks from the labeler through every enabled control; each has an accessible name."""
    page = quickstart.page
    H.focus_root(page)
    controls = page.evaluate(
        f"""() => [...document.querySelector('{H.ROOT}').querySelectorAll(
                    'button, input, textarea, select, summary, [tabindex]')]
                 .filter(e => !e.disabled && e.offsetParent !== null && e.tabIndex >= 0)
                 .map(e => e.className || e.tagName)"""
    )
    assert len(controls) >= 7, controls  # next, next unlabeled, skip, filter, keys help, 2 choices
    reached = []
    for _ in range(len(controls) + 5):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            f"() => document.querySelector('{H.ROOT}').contains(document.activeElement)"
            f" && document.activeElement !== document.querySelector('{H.ROOT}')"
        )
        if not inside:
            break
        reached.append(page.evaluate("() => document.activeElement.className || document.activeElement.tagName"))
    assert reached == controls, f"Tab order reached {reached}, enabled controls are {controls}"
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make js`")
    page.add_script_tag(path=str(AXE))
    unnamed = page.evaluate(
        """(sel) => { axe.setup();
             try { return [...document.querySelector(sel).querySelectorAll('button, input, textarea, summary')]
                          .filter(e => e.offsetParent !== null && !axe.commons.text.accessibleText(e).trim())
                          .map(e => e.outerHTML.slice(0, 120)); }
             finally { axe.teardown(); } }""",
        H.ROOT,
    )
    assert not unnamed, f"controls without an accessible name: {unnamed}"
    status = page.locator(f"{H.ROOT} .nbl-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
