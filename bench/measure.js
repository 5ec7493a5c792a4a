// In-page instrumentation for bench/latency.py, evaluated once in the JupyterLab page.
// Times are performance.now() milliseconds; KeyboardEvent.timeStamp shares that clock.
//
//   key   : a capture-phase keydown listener on window records event.timeStamp (before any widget
//           handler runs) for handled keys aimed at the widget under test;
//   text  : a MutationObserver on the widget's output area records when the element showing the
//           item's text holds a different text than before (the next item is visible in the DOM);
//   frame : a requestAnimationFrame queued from that observer callback records the next frame.
(() => {
  if (window.__nblBench) return;
  const B = { st: {} };

  B.arm = (name, rootSel, textSel, keys) => {
    const root = document.querySelector(rootSel);
    if (!root) throw new Error("no element " + rootSel);
    // the baseline shows its text in a sibling widget, so watch the whole output area
    const area = root.closest(".jp-OutputArea") || root.parentElement;
    const textEl = () => area.querySelector(textSel);
    const st = { name, keys: [], disp: [], shows: [], frames: [], acks: [], texts: [] };
    st.last = textEl() ? textEl().textContent : null;
    st.onKey = (e) => {
      if (keys.includes(e.key) && root.contains(e.target)) {
        st.keys.push(e.timeStamp);
        st.disp.push(performance.now()); // dispatch starts: the gap to timeStamp is input delay
      }
    };
    window.addEventListener("keydown", st.onKey, true);
    st.lastAck = root.dataset.ack;
    st.mo = new MutationObserver(() => {
      const now = performance.now();
      const el = textEl();
      const t = el ? el.textContent : null;
      if (t !== null && t !== st.last) {
        st.last = t;
        const i = st.shows.length;
        st.shows.push(now);
        st.texts.push(t.slice(0, 60));
        requestAnimationFrame(() => { st.frames[i] = performance.now(); });
      }
      const ack = root.dataset.ack;
      if (ack !== undefined && ack !== st.lastAck) {
        st.lastAck = ack;
        st.acks.push([now, Number(ack)]);
      }
    });
    st.mo.observe(area, { subtree: true, childList: true, characterData: true, attributes: true });
    B.st[name] = st;
    return st.last;
  };

  B.count = (name) => {
    const st = B.st[name];
    return { keys: st.keys.length, shows: st.shows.length, frames: st.frames.filter((x) => x !== undefined).length };
  };

  B.disarm = (name) => {
    const st = B.st[name];
    window.removeEventListener("keydown", st.onKey, true);
    st.mo.disconnect();
    return { keys: st.keys, disp: st.disp, shows: st.shows, frames: st.frames, acks: st.acks, texts: st.texts };
  };

  // Time until a NEW .nbl-root shows an item's text (after a cell that builds a Labeler starts).
  B.watchNewRoot = () => {
    const before = new Set(document.querySelectorAll(".nbl-root"));
    const w = { shown: null, frame: null, total: null };
    const check = () => {
      for (const r of document.querySelectorAll(".nbl-root")) {
        if (before.has(r)) continue;
        const o = r.querySelector("[data-nbl-object]");
        if (o && o.textContent.trim()) {
          w.shown = performance.now();
          w.total = r.dataset.total;
          mo.disconnect();
          requestAnimationFrame(() => { w.frame = performance.now(); });
          return;
        }
      }
    };
    const mo = new MutationObserver(check);
    mo.observe(document.body, { subtree: true, childList: true, characterData: true });
    B.rootWatch = w;
  };

  window.__nblBench = B;
})();
