"""The two comparison widgets of bench/latency.py (not part of the package).

* ``baseline(texts)`` — labeling the usual ipywidgets way (pigeon / pigeonXT style): the key goes
  to the kernel, Python records the label and sets an ``ipywidgets.HTML`` to the next item. Every
  item shown waits on a kernel round trip. A tiny anywidget catches the keys (pigeonXT itself only
  has buttons; a button click travels the same way).
* ``MinimalSwap(texts=...)`` — the floor: all texts are already in the browser and a keydown
  swaps the shown string locally. Nothing can show the next item faster.

Both roots are focusable and swallow only the keys they handle (``1``/``2``), like nblabel.
"""

from __future__ import annotations

import html as _html

import anywidget
import ipywidgets
import traitlets

_CATCHER_ESM = """
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "nblb-base-root";
    root.tabIndex = 0;
    root.textContent = "baseline: click here, then press 1 / 2 (each key goes to the kernel)";
    root.style.cssText = "padding:4px;border:1px dashed #999;font:12px sans-serif";
    root.addEventListener("keydown", (e) => {
      if (e.key !== "1" && e.key !== "2") return;
      e.preventDefault();
      e.stopPropagation();
      model.send({ key: e.key });
    });
    el.appendChild(root);
  },
};
"""

_MINIMAL_ESM = """
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "nblb-min-root";
    root.tabIndex = 0;
    root.style.cssText = "padding:4px;border:1px dashed #999";
    const text = document.createElement("div");
    text.className = "nblb-text";
    root.appendChild(text);
    const texts = model.get("texts");
    let i = 0;
    text.textContent = texts[0] ?? "";
    root.addEventListener("keydown", (e) => {
      if (e.key !== "1" && e.key !== "2") return;
      e.preventDefault();
      e.stopPropagation();
      i = Math.min(i + 1, texts.length - 1);
      text.textContent = texts[i];
    });
    el.appendChild(root);
  },
};
"""


class KeyCatcher(anywidget.AnyWidget):
    """Sends every handled key to Python as a custom message ``{"key": "1"}``."""

    _esm = _CATCHER_ESM


class MinimalSwap(anywidget.AnyWidget):
    """Swaps a prefetched string locally on keydown: the latency floor."""

    _esm = _MINIMAL_ESM
    texts = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __repr__(self) -> str:
        return f"MinimalSwap({len(self.texts)} texts)"


class Baseline(ipywidgets.VBox):
    """Key → kernel → ``html.value = next text`` (the item shown is the kernel's answer)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = list(texts)
        self.labels: list[str] = []
        self.position = 0
        self.html = ipywidgets.HTML(value=_html.escape(self.texts[0]))
        self.html.add_class("nblb-base-text")
        self.catcher = KeyCatcher()
        self.catcher.on_msg(self._on_key)
        super().__init__([self.catcher, self.html])

    def _on_key(self, _widget, content, _buffers) -> None:
        self.labels.append({"1": "positive", "2": "negative"}.get(content.get("key"), "?"))
        self.position = min(self.position + 1, len(self.texts) - 1)
        self.html.value = _html.escape(self.texts[self.position])

    def __repr__(self) -> str:
        return f"Baseline({len(self.texts)} texts, {len(self.labels)} labeled)"


def baseline(texts: list[str]) -> Baseline:
    return Baseline(texts)


_BIGTEXT_ESM = """
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "nblb-big-root";
    root.tabIndex = 0;
    const text = document.createElement("div");
    text.className = "nblb-bigtext";
    text.style.cssText = "white-space:pre-wrap;line-height:1.9";
    text.textContent = model.get("text");
    root.appendChild(text);
    el.appendChild(root);
  },
};
"""


class MinimalText(anywidget.AnyWidget):
    """Shows one long text and nothing else: the first-paint floor for a long text."""

    _esm = _BIGTEXT_ESM
    text = traitlets.Unicode("").tag(sync=True)

    def __repr__(self) -> str:
        return f"MinimalText({len(self.text)} chars)"


_PIECES = [
    "Ann",
    "Bob",
    "met",
    "in",
    "北京",
    "東京",
    "the",
    "river",
    "😀",
    "🇫🇷",
    "e\u0301clair",
    "and",
    "walked",
    "👨\u200d👩\u200d👧",
    "to",
    "Paris",
    ".",
    ",",
    "\r\n",
    "société",
    "Zoë",
]


def big_text(n_chars: int, seed: int = 7) -> str:
    """A deterministic text of about `n_chars` UTF-16 units: words, CJK, emoji, combining marks, CRLF."""
    import random

    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n_chars:
        w = rng.choice(_PIECES)
        out.append(w + " ")
        size += len(w) + 1
    return "".join(out)[:n_chars]


def spans_for(text: str, n: int, labels: tuple[str, ...] = ("PER", "LOC"), seed: int = 3) -> list[dict]:
    """`n` non-overlapping Label Studio Text spans (code point offsets) spread over `text`."""
    import random

    rng = random.Random(seed)
    step = len(text) // n
    out = []
    for i in range(n):
        a = i * step + rng.randrange(0, max(1, step // 2))
        b = min(len(text), a + rng.randrange(3, 20))
        out.append(
            {
                "id": f"s{i:08d}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": a, "end": b, "text": text[a:b], "labels": [rng.choice(labels)]},
                "origin": "manual",
            }
        )
    return out
