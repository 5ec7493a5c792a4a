// The text-family tags of issue 10: each renders its task data (sanitized) and writes the
// result JSON Label Studio 1.23.2 writes.
import { describe, expect, it } from "vitest";
import type { ResultItem, Spec, SpecNode } from "../src/protocol";
import { dateTimeMode, dateTimeValue, parseDateTimeValue } from "../src/tags/datetime/datetime";
import { formatParts, parseParts } from "../src/tags/datetime/strftime";
import { placeItems, rankerColumns } from "../src/tags/ranking/ranker";
import { tableRows } from "../src/tags/data/table";
import { FakeModel, traits } from "./fake-model";
import { frame, press, useFrames, useMounted, type Mounted } from "./helpers";

useFrames();
const mountTracked = useMounted();

function n(tag: string, kind: SpecNode["kind"], attrs: Record<string, unknown>, children: SpecNode[] = []): SpecNode {
  return { tag, kind, attrs, children, supported: true };
}
const choice = (value: string, children: SpecNode[] = [], extra: Record<string, unknown> = {}) =>
  n("Choice", "label", { value, ...extra }, children);
const TEXT = n("Text", "object", { name: "text", value: "$review" });

/** A labeler over the fixture tasks with `nodes` as the config and `data` merged into every task. */
function labeler(nodes: SpecNode[], controls: Spec["controls"], data: Record<string, unknown> = {},
  annotation?: ResultItem[]): Mounted {
  const t = traits();
  t.spec = {
    version: 1,
    root: n("View", "visual", {}, nodes),
    objects: {},
    controls,
    variables: [],
    hotkeys: {},
    unsupported: [],
  } as Spec;
  for (const e of t.window!.tasks) Object.assign(e.data, JSON.parse(JSON.stringify(data)));
  if (annotation) t.window!.tasks[0].annotation = { result: annotation, was_cancelled: false };
  return mountTracked({}, new FakeModel(t));
}
const ctl = (tag: string, name: string, type: string, toName: string[], extra: Record<string, unknown> = {}) =>
  ({ [name]: { tag, name, toName, type, required: false, ...extra } });

function lastResult(m: Mounted): ResultItem[] {
  frame();
  const saves = m.model.sentOf("save");
  expect(saves.length).toBeGreaterThan(0);
  return saves[saves.length - 1].result;
}
const q = <T extends HTMLElement = HTMLElement>(root: HTMLElement, sel: string) => root.querySelector<T>(sel)!;
const qa = <T extends HTMLElement = HTMLElement>(root: HTMLElement, sel: string) => [...root.querySelectorAll<T>(sel)];

// ---- Taxonomy ------------------------------------------------------------------------

describe("Taxonomy", () => {
  const tree = [choice("Archaea"), choice("Bacteria"),
    choice("Eukarya", [choice("Human", [], { alias: "homo" }), choice("Oppossum")])];
  const tax = (attrs: Record<string, unknown> = {}) =>
    labeler([TEXT, n("Taxonomy", "control", { name: "tax", toName: "text", ...attrs }, tree)],
      ctl("Taxonomy", "tax", "taxonomy", ["text"]));
  const item = (root: HTMLElement, v: string) =>
    qa<HTMLButtonElement>(root, ".nbl-tax-item").find((b) => b.getAttribute("data-value") === v)!;

  it("checks nested nodes and saves root-to-node paths of aliases, in tree order", () => {
    const m = tax();
    const { root } = m;
    expect(item(root, "Human").closest("li")!.hidden).toBe(true); // closed parent
    q<HTMLButtonElement>(root, ".nbl-tax-toggle").click();
    expect(item(root, "Human").closest("li")!.hidden).toBe(false);
    item(root, "Human").click();
    item(root, "Archaea").click();
    expect(lastResult(m)[0]).toMatchObject({ from_name: "tax", to_name: "text", type: "taxonomy",
      value: { taxonomy: [["Archaea"], ["Eukarya", "homo"]] } });
    expect(item(root, "Human").getAttribute("aria-pressed")).toBe("true");
    expect(qa(root, ".nbl-tax-chip").map((c) => c.textContent)).toEqual(["Archaea\u00d7", "homo\u00d7"]);
    q<HTMLButtonElement>(root, ".nbl-tax-chip-del").click();
    expect(lastResult(m)[0].value).toEqual({ taxonomy: [["Eukarya", "homo"]] });
  });

  it("leafsOnly: a parent opens instead of being checked", () => {
    const m = tax({ leafsOnly: true });
    const eu = item(m.root, "Eukarya");
    expect(eu.hasAttribute("aria-pressed")).toBe(false);
    eu.click();
    frame();
    expect(m.model.sentOf("save")).toHaveLength(0);
    expect(item(m.root, "Human").closest("li")!.hidden).toBe(false);
  });

  it("search shows matches and their ancestors only", () => {
    const { root } = tax();
    const search = q<HTMLInputElement>(root, ".nbl-tax-search");
    search.value = "opp";
    search.dispatchEvent(new Event("input"));
    const shown = qa(root, ".nbl-tax-node").filter((li) => !li.hidden).map((li) => li.querySelector(".nbl-tax-item")!.textContent);
    expect(shown).toEqual(["Eukarya", "Oppossum"]);
  });

  it("is usable from the keyboard: arrows move and open, Space checks", () => {
    const m = tax();
    const search = q<HTMLInputElement>(m.root, ".nbl-tax-search");
    search.focus();
    press(search, "ArrowDown");
    expect(document.activeElement).toBe(item(m.root, "Archaea"));
    press(item(m.root, "Archaea"), "ArrowDown");
    press(item(m.root, "Bacteria"), "ArrowDown");
    const right = press(item(m.root, "Eukarya"), "ArrowRight");
    expect(right.defaultPrevented).toBe(true);
    press(item(m.root, "Eukarya"), "ArrowRight"); // into the first child
    expect(document.activeElement).toBe(item(m.root, "Human"));
    press(item(m.root, "Human"), " ");
    expect(lastResult(m)[0].value).toEqual({ taxonomy: [["Eukarya", "homo"]] });
    expect(m.root.getAttribute("data-pos")).toBe("0"); // arrows did not navigate
    press(item(m.root, "Human"), "ArrowLeft");
    expect(document.activeElement).toBe(item(m.root, "Eukarya"));
  });

  it("maxUsages disables the other nodes once reached", () => {
    const m = tax({ maxUsages: 1 });
    item(m.root, "Archaea").click();
    frame();
    expect(item(m.root, "Bacteria").disabled).toBe(true);
    expect(item(m.root, "Archaea").disabled).toBe(false);
  });

  it("reads a stored result and options from the task (value=$tree)", () => {
    const m = labeler([TEXT, n("Taxonomy", "control", { name: "tax", toName: "text", value: "$tree" }, [])],
      ctl("Taxonomy", "tax", "taxonomy", ["text"]),
      { tree: [{ value: "Fruit", children: [{ value: "Apple <img src=x onerror=alert(1)>" }] }] },
      [{ id: "t1", from_name: "tax", to_name: "text", type: "taxonomy", value: { taxonomy: [["Fruit", "Apple <img src=x onerror=alert(1)>"]] } }]);
    const apple = item(m.root, "Apple <img src=x onerror=alert(1)>");
    expect(apple.getAttribute("aria-pressed")).toBe("true");
    expect(apple.closest("li")!.hidden).toBe(false); // ancestors of a selection open
    expect(m.root.querySelector(".nbl-taxonomy img")).toBeNull();
  });
});

// ---- DateTime --------------------------------------------------------------------------

describe("DateTime", () => {
  const dt = (attrs: Record<string, unknown>, annotation?: ResultItem[]) =>
    labeler([TEXT, n("DateTime", "control", { name: "when", toName: "text", ...attrs })],
      ctl("DateTime", "when", "datetime", ["text"]), {}, annotation);
  const change = (el: HTMLInputElement | HTMLSelectElement, v: string) => {
    el.value = v;
    el.dispatchEvent(new Event("change"));
  };

  it("date and time save %Y-%m-%dT%H:%M", () => {
    const m = dt({});
    change(q(m.root, ".nbl-dt-date"), "2024-03-09");
    expect(lastResult(m)[0]).toMatchObject({ type: "datetime", to_name: "text", value: { datetime: "2024-03-09T00:00" } });
    change(q(m.root, ".nbl-dt-time"), "14:30");
    expect(lastResult(m)[0].value).toEqual({ datetime: "2024-03-09T14:30" });
  });

  it('only="date", only="time", only="year" and a custom format', () => {
    let m = dt({ only: "date" });
    expect(m.root.querySelector(".nbl-dt-time")).toBeNull();
    change(q(m.root, ".nbl-dt-date"), "2024-03-09");
    expect(lastResult(m)[0].value).toEqual({ datetime: "2024-03-09" });
    m.cleanup();
    m = dt({ only: "time" });
    change(q(m.root, ".nbl-dt-time"), "07:05");
    expect(lastResult(m)[0].value).toEqual({ datetime: "07:05" });
    m.cleanup();
    m = dt({ only: "year", min: "2019", max: "2021" });
    const years = qa<HTMLOptionElement>(m.root, ".nbl-dt-year option").map((o) => o.value);
    expect(years).toEqual(["", "2021", "2020", "2019"]);
    change(q(m.root, ".nbl-dt-year"), "2020");
    expect(lastResult(m)[0].value).toEqual({ datetime: "2020" });
    m.cleanup();
    m = dt({ only: "date", format: "%d/%m/%Y" }, [{ id: "d1", from_name: "when", to_name: "text", type: "datetime", value: { datetime: "01/02/2023" } }]);
    expect(q<HTMLInputElement>(m.root, ".nbl-dt-date").value).toBe("2023-02-01");
    change(q(m.root, ".nbl-dt-date"), "2024-03-09");
    expect(lastResult(m)[0].value).toEqual({ datetime: "09/03/2024" });
  });

  it("a date outside min/max is not saved and says why", () => {
    const m = dt({ only: "date", min: "2024-01-01", max: "2024-12-31" });
    change(q(m.root, ".nbl-dt-date"), "2023-05-01");
    frame();
    expect(m.model.sentOf("save")).toHaveLength(0);
    expect(q(m.root, ".nbl-dt-problem").textContent).toBe("not saved: before 2024-01-01");
  });

  it("strftime round trips", () => {
    const p = { year: 2024, month: 3, day: 9, hour: 14, minute: 5 };
    expect(formatParts("%Y-%m-%dT%H:%M", p)).toBe("2024-03-09T14:05");
    expect(formatParts("%d %B %Y, %I:%M %p", p)).toBe("09 March 2024, 02:05 PM");
    expect(parseParts("%d %B %Y, %I:%M %p", "09 March 2024, 02:05 PM")).toEqual(p);
    expect(parseParts("%Y-%m-%d", "not a date")).toBeNull();
    const mode = dateTimeMode({ only: "month,year" });
    expect(dateTimeValue(mode, { year: 2024, month: 7 })).toBe("2024-07");
    expect(parseDateTimeValue(mode, "2024-07")).toEqual({ year: 2024, month: 7 });
  });
});

// ---- List + Ranker ---------------------------------------------------------------------

describe("Ranker", () => {
  const items = [{ id: "a", title: "Alpha", body: "first" }, { id: "b", title: "Beta" },
    { id: "c", html: "<b>Gamma</b><img src=x onerror=\"alert(1)\"><script>alert(2)</script>" }];
  const LIST = n("List", "object", { name: "answers", value: "$items", title: "Results" });
  const ranker = (buckets: SpecNode[] = []) =>
    labeler([LIST, n("Ranker", "control", { name: "rank", toName: "answers" }, buckets)],
      ctl("Ranker", "rank", "ranker", ["answers"]), { items });
  const card = (root: HTMLElement, id: string) =>
    qa(root, ".nbl-ranker [data-item-id]").find((c) => c.getAttribute("data-item-id") === id)!;
  const column = (root: HTMLElement, col: string) =>
    qa(root, ".nbl-rank-column").find((c) => c.getAttribute("data-column") === col)!;
  const ids = (root: HTMLElement, col: string) =>
    qa(column(root, col), "[data-item-id]").map((c) => c.getAttribute("data-item-id"));

  it("without buckets ranks the list: ↓ moves an item, result keyed by the Ranker's name", () => {
    const m = ranker();
    expect(ids(m.root, "rank")).toEqual(["a", "b", "c"]);
    expect(q(m.root, '[data-nbl-object="answers"]').hidden).toBe(true);
    card(m.root, "a").focus();
    const ev = press(card(m.root, "a"), "ArrowDown");
    expect(ev.defaultPrevented).toBe(true);
    expect(lastResult(m)[0]).toMatchObject({ from_name: "rank", to_name: "answers", type: "ranker",
      value: { ranker: { rank: ["b", "a", "c"] } } });
    expect(document.activeElement).toBe(card(m.root, "a")); // focus follows the item
    expect(m.root.getAttribute("data-pos")).toBe("0");
  });

  it("with buckets: the list is column _, ←/→ move between columns, every column is saved", () => {
    const m = ranker([n("Bucket", "label", { name: "best", title: "Best" }), n("Bucket", "label", { name: "ads", title: "Ads" })]);
    expect(qa(m.root, ".nbl-rank-column").map((c) => c.getAttribute("data-column"))).toEqual(["_", "best", "ads"]);
    press(card(m.root, "b"), "ArrowRight");
    expect(lastResult(m)[0].value).toEqual({ ranker: { _: ["a", "c"], best: ["b"], ads: [] } });
    press(card(m.root, "b"), "ArrowRight");
    expect(lastResult(m)[0].value).toEqual({ ranker: { _: ["a", "c"], best: [], ads: ["b"] } });
  });

  it("a drop moves the dragged item before the item it lands on", () => {
    const m = ranker();
    const drop = new Event("drop", { bubbles: true, cancelable: true });
    card(m.root, "c").dispatchEvent(new Event("dragstart"));
    card(m.root, "a").dispatchEvent(drop);
    expect(lastResult(m)[0].value).toEqual({ ranker: { rank: ["c", "a", "b"] } });
  });

  it("item html is sanitized", () => {
    const m = ranker();
    const c = card(m.root, "c");
    expect(c.querySelector("b")!.textContent).toBe("Gamma");
    expect(c.querySelector("script")).toBeNull();
    expect(c.querySelector("img")?.getAttribute("onerror") ?? null).toBeNull();
  });

  it("columns and placement follow Label Studio's rules", () => {
    const dflt = [n("Bucket", "label", { name: "keep", default: true }), n("Bucket", "label", { name: "drop" })];
    expect(rankerColumns("rank", "T", dflt)).toEqual({ columns: [{ id: "keep", title: "" }, { id: "drop", title: "" }], home: "keep" });
    const cols = [{ id: "_", title: "" }, { id: "x", title: "" }];
    // unknown ids and columns are ignored; unplaced items go home
    expect(placeItems(cols, "_", ["a", "b", "c"], { x: ["c", "zz"], nope: ["a"] })).toEqual({ _: ["a", "b"], x: ["c"] });
  });
});

// ---- Pairwise --------------------------------------------------------------------------

describe("Pairwise", () => {
  const pw = () =>
    labeler([n("Pairwise", "control", { name: "pw", toName: "left,right", selectionStyle: "outline: 3px solid green" }),
      n("Text", "object", { name: "left", value: "$a" }), n("Text", "object", { name: "right", value: "$b" })],
    ctl("Pairwise", "pw", "pairwise", ["left", "right"]), { a: "one", b: "two" });

  it("a pick saves {selected} with to_name = the Pairwise; picking it again clears", () => {
    const m = pw();
    q<HTMLButtonElement>(m.root, '.nbl-pairwise [data-value="right"]').click();
    expect(lastResult(m)).toEqual([expect.objectContaining({ from_name: "pw", to_name: "pw", type: "pairwise", value: { selected: "right" } })]);
    const right = q(m.root, '[data-nbl-object="right"]');
    expect(right.classList.contains("nbl-pairwise-selected")).toBe(true);
    expect(right.getAttribute("style")).toContain("outline: 3px solid green");
    q(m.root, '[data-nbl-object="left"]').click(); // clicking an object picks it
    expect(lastResult(m)[0].value).toEqual({ selected: "left" });
    expect(right.hasAttribute("style")).toBe(false);
    q(m.root, '[data-nbl-object="left"]').click();
    expect(lastResult(m)).toEqual([]);
  });
});

// ---- Table, Paragraphs, Chat -------------------------------------------------------------

describe("Table", () => {
  it("a dict is sorted Name/Value rows, a list is rows; cells are text", () => {
    expect(tableRows({ b: 1, A: { x: [1] } })).toEqual({ head: ["Name", "Value"], rows: [["A", '{"x":[1]}'], ["b", "1"]] });
    expect(tableRows([{ k: 1, v: "x" }, { k: 2 }])).toEqual({ head: ["k", "v"], rows: [["1", "x"], ["2", ""]] });
    const m = labeler([n("Table", "object", { name: "tbl", value: "$item" })], {}, { item: { html: "<img src=x onerror=alert(1)>" } });
    expect(m.root.querySelector(".nbl-table img")).toBeNull();
    expect(qa(m.root, ".nbl-table td").map((t) => t.textContent)).toEqual(["html", "<img src=x onerror=alert(1)>"]);
  });
});

describe("Paragraphs", () => {
  it("renders each paragraph with its index, speaker and text (as text)", () => {
    const m = labeler([n("Paragraphs", "object", { name: "dlg", value: "$msgs", layout: "dialogue", nameKey: "role", textKey: "content" })], {},
      { msgs: [{ role: "user", content: "hi \ud83d\udc4b" }, { role: "bot", content: "<script>alert(1)</script>" }, { role: "user", content: "ok" }] });
    const rows = qa(m.root, ".nbl-paragraph");
    expect(rows.map((r) => r.getAttribute("data-index"))).toEqual(["0", "1", "2"]);
    expect(rows.map((r) => r.querySelector(".nbl-paragraph-author")!.textContent)).toEqual(["user", "bot", "user"]);
    expect(rows.map((r) => r.getAttribute("data-speaker"))).toEqual(["0", "1", "0"]);
    expect(rows[1].querySelector(".nbl-paragraph-text")!.textContent).toBe("<script>alert(1)</script>");
    expect(m.root.querySelector(".nbl-paragraphs script")).toBeNull();
  });
});

describe("Chat", () => {
  const chat = (attrs: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
    labeler([n("Chat", "object", { name: "chat", value: "$chat", ...attrs })],
      ctl("Chat", "chat", "chatmessage", ["chat"]),
      { chat: [{ role: "user", content: "Hello <b>there</b>" }], ...data });
  const send = (m: Mounted, text: string) => {
    const input = q<HTMLTextAreaElement>(m.root, ".nbl-chat-input");
    input.value = text;
    return press(input, "Enter");
  };

  it("shows the task's messages and saves each new one as a chatmessage result", () => {
    const m = chat();
    expect(qa(m.root, ".nbl-chat-msg-text").map((t) => t.textContent)).toEqual(["Hello <b>there</b>"]);
    expect(m.root.querySelector(".nbl-chat-msg b")).toBeNull();
    expect(send(m, "Hi! \u4f60\u597d").defaultPrevented).toBe(true);
    send(m, "How can I help?");
    const res = lastResult(m);
    expect(res).toHaveLength(2);
    expect(res[0]).toMatchObject({ from_name: "chat", to_name: "chat", type: "chatmessage",
      value: { chatmessage: { role: "user", content: "Hi! \u4f60\u597d" } } });
    expect(res[1].value).toMatchObject({ chatmessage: { role: "assistant", content: "How can I help?" } });
    expect(typeof (res[0].value.chatmessage as { createdAt: unknown }).createdAt).toBe("number");
    expect(res[0].id).not.toBe(res[1].id);
    expect(qa(m.root, ".nbl-chat-msg").map((r) => [r.getAttribute("data-index"), r.getAttribute("data-source")]))
      .toEqual([["0", "task"], ["1", "result"], ["2", "result"]]);
  });

  it("editable messages can be edited and deleted; maxMessages ($var) stops the composer", () => {
    const m = chat({ editable: "true", maxMessages: "$max" }, { max: 2 });
    send(m, "typo");
    frame();
    expect(q<HTMLButtonElement>(m.root, ".nbl-chat-send").disabled).toBe(true);
    q<HTMLButtonElement>(m.root, '.nbl-chat-msg[data-source="result"] .nbl-entry-edit').click();
    const area = q<HTMLTextAreaElement>(m.root, ".nbl-chat-edit");
    area.value = "fixed";
    press(area, "Enter");
    const res = lastResult(m);
    expect(res).toHaveLength(1);
    expect((res[0].value.chatmessage as { content: string }).content).toBe("fixed");
    q<HTMLButtonElement>(m.root, ".nbl-chat-msg .nbl-entry-del").click();
    expect(lastResult(m)).toEqual([]);
    expect(q<HTMLButtonElement>(m.root, ".nbl-chat-send").disabled).toBe(false);
  });

  it("task messages are never editable; messageRoles limits the roles", () => {
    const m = chat({ editable: "true", messageRoles: "user" });
    expect(m.root.querySelector('.nbl-chat-msg[data-source="task"] .nbl-entry-edit')).toBeNull();
    expect(q(m.root, ".nbl-chat-role").hidden).toBe(true);
    send(m, "a");
    send(m, "b");
    expect(lastResult(m).map((r) => (r.value.chatmessage as { role: string }).role)).toEqual(["user", "user"]);
  });
});

// ---- Collapse, Filter, Choices layout=select, Rating defaultValue -------------------------

describe("Collapse and Filter", () => {
  it("accordion panels keep one open", () => {
    const m = labeler([n("Collapse", "visual", {}, [n("Panel", "visual", { value: "One" }, [TEXT]), n("Panel", "visual", { value: "Two" }, [])])], {});
    const panels = qa<HTMLDetailsElement>(m.root, ".nbl-panel");
    expect(panels.map((p) => p.querySelector("summary")!.textContent)).toEqual(["One", "Two"]);
    expect(panels[0].querySelector('[data-nbl-object="text"]')).not.toBeNull();
    panels[0].open = true;
    panels[0].dispatchEvent(new Event("toggle"));
    panels[1].open = true;
    panels[1].dispatchEvent(new Event("toggle"));
    expect(panels.map((p) => p.open)).toEqual([false, true]);
  });

  it("a Filter hotkey focuses the filter box", () => {
    const m = labeler([TEXT, n("Filter", "visual", { toName: "animal", hotkey: "f" }),
      n("Choices", "control", { name: "animal", toName: "text" }, [choice("Cat")])],
    { animal: { tag: "Choices", name: "animal", toName: ["text"], type: "choices", labels: ["Cat"] } });
    // the hotkey entry parse_config makes for <Filter hotkey="f"> (tests/unit/test_config_strictness.py)
    m.model.set("spec", { ...(m.model.get("spec") as Spec), hotkeys: { f: { control: "animal", value: null, action: "filter" } } });
    m.root.focus();
    const ev = press(m.root, "f");
    expect(ev.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(q(m.root, ".nbl-filter-input"));
  });

  it("Filter hides the options of its control that do not match, from minlength on", () => {
    const m = labeler([TEXT, n("Filter", "visual", { toName: "animal", minlength: 2 }),
      n("Choices", "control", { name: "animal", toName: "text" }, [choice("Cat"), choice("Dog"), choice("Cattle")])],
    { animal: { tag: "Choices", name: "animal", toName: ["text"], type: "choices", labels: ["Cat", "Dog", "Cattle"] } });
    const input = q<HTMLInputElement>(m.root, ".nbl-filter-input");
    const hidden = () => qa(m.root, '[data-nbl-control="animal"] [data-value]').filter((b) => b.classList.contains("nbl-filtered-out")).map((b) => b.getAttribute("data-value"));
    input.value = "c";
    input.dispatchEvent(new Event("input"));
    expect(hidden()).toEqual([]);
    input.value = "ca";
    input.dispatchEvent(new Event("input"));
    expect(hidden()).toEqual(["Dog"]);
    input.value = "";
    input.dispatchEvent(new Event("input"));
    expect(hidden()).toEqual([]);
  });
});

describe('Choices layout="select" and Rating defaultValue', () => {
  it("a select saves the same choices result", () => {
    const m = labeler([TEXT, n("Choices", "control", { name: "c", toName: "text", layout: "select" }, [choice("yes"), choice("no", [], { alias: "N" })])],
      { c: { tag: "Choices", name: "c", toName: ["text"], type: "choices", choice: "single", labels: ["yes", "N"] } });
    const sel = q<HTMLSelectElement>(m.root, '[data-nbl-control="c"] select');
    expect(sel.getAttribute("aria-label")).toBe("c");
    sel.value = "N";
    sel.dispatchEvent(new Event("change"));
    expect(lastResult(m)[0]).toMatchObject({ type: "choices", value: { choices: ["N"] } });
    sel.value = "";
    sel.dispatchEvent(new Event("change"));
    expect(lastResult(m)).toEqual([]);
  });

  it("defaultValue shows as the rating of an unlabeled task and is saved with the first change", () => {
    const m = labeler([TEXT, n("Rating", "control", { name: "r", toName: "text", maxRating: 5, defaultValue: 3 })],
      { r: { tag: "Rating", name: "r", toName: ["text"], type: "rating" } });
    const box = q(m.root, '[data-nbl-control="r"]');
    expect(box.getAttribute("data-rating")).toBe("3");
    frame();
    expect(m.model.sentOf("save")).toHaveLength(0);
    qa<HTMLButtonElement>(box, ".nbl-star")[4].click();
    expect(lastResult(m)[0].value).toEqual({ rating: 5 });
  });
});
