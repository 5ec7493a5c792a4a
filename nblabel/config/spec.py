"""``parse_config``: Label Studio XML → ``ConfigSpec``, the normalized tree the front end renders.

The spec follows the JSON contract in ``docs/architecture.md``. Validation happens here so
that a broken config fails in the notebook cell that creates the labeler, with a line:col and
a fix, instead of as a blank widget. Rules follow what Label Studio itself enforces (root
``<View>``, known tags, unique names, resolvable ``toName``, labels inside their control,
typed attributes); a tag Label Studio knows but nblabel cannot draw yet is *not* an error —
it is marked ``supported: false`` and listed in ``unsupported``.

A config with no control tags is valid: it is a viewer (tasks are shown, nothing is saved).
"""

from __future__ import annotations

import copy
import difflib
import re
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .errors import ConfigError
from .parse import DEFAULT_MAX_BYTES, ParsedXml, parse_xml
from .tags import AttrInfo, TagInfo, lookup, spellings

SPEC_VERSION = 1
AUTO_KEYS = "1234567890qwetasdfgzxcvbyiopjklnm"
WIDGET_KEYS = frozenset("jknu")  # the widget's own navigation keys never become label hotkeys
RESERVED_KEYS = WIDGET_KEYS | {
    "arrowleft",
    "arrowright",
    "left",
    "right",
    "escape",
    "esc",
    "ctrl+space",
    "ctrl+z",
    "ctrl+shift+z",
    "ctrl+y",
}
_HOTKEY_TAGS = frozenset({"Choice", "Label", "Rating", "Number", "Audio", "Filter"})  # labeling scope
_VAR_ATTRS = ("value", "valueList", "audioUrl", "frameRate", "on")
_VAR = re.compile(r"\$([^\W\d]\w*)")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Controls Label Studio's config schema requires toName on (where only <View>s enclose them):
# there the server answers 400, so nblabel never infers one.
_SCHEMA_TO_NAME = frozenset({"Choices", "Labels", "TextArea", "Number"})
_SELF_CONTROLS = {"Chat": "chatmessage"}  # object tags that are also controls -> their result type
_TRANSPARENT = frozenset({"View", "Repeater"})  # a label's owner is found through these
# Free text even where the registry does not declare them: "true" here is text, never a boolean.
_TEXT_ATTRS = frozenset(
    {
        "value",
        "alias",
        "hotkey",
        "name",
        "toName",
        "title",
        "hint",
        "html",
        "placeholder",
        "style",
        "className",
        "requiredMessage",
    }
)


@dataclass(eq=False)
class _Rec:
    """One element while building: registry info, position, normalized attributes, tree links."""

    el: etree._Element
    info: TagInfo
    line: int
    col: int
    attrs: dict[str, Any]
    parent: _Rec | None
    index: int = 0  # position in document order
    children: list[_Rec] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return self.info.name

    @property
    def name(self) -> str:
        value = self.attrs.get("name")
        return value if isinstance(value, str) else ""

    def describe(self) -> str:
        """How messages name this element: ``<Choices name="sentiment">`` or ``<Choice value="a">``."""
        for key in ("name", "value"):
            value = self.attrs.get(key, self.el.get(key))  # raw while attributes are being read
            if isinstance(value, str) and value and (key == "name" or self.info.kind == "label"):
                return f'<{self.tag} {key}="{value}">'
        return f"<{self.tag}>"


@dataclass(frozen=True)
class ConfigSpec:
    """A validated labeling config: the normalized tree plus the indexes the widget needs.

    ``objects`` and ``controls`` are keyed by tag name; ``variables`` lists every ``$var`` in
    first-use order; ``hotkeys`` maps a key to ``{"control", "value", "action"}`` (explicit
    keys first, then auto-assigned ones); ``unsupported`` lists tags shown as placeholders.
    """

    xml: str = field(repr=False)
    root: dict[str, Any] = field(repr=False)
    objects: dict[str, dict[str, Any]]
    controls: dict[str, dict[str, Any]]
    variables: list[str]
    hotkeys: dict[str, dict[str, Any]] = field(repr=False)
    unsupported: list[str]
    _sites: dict[str, tuple[str, int, int]] = field(default_factory=dict, repr=False, compare=False)
    # $vars used only as dynamic options (Choices/Labels/Taxonomy value="$options"): a frame may lack them
    _optional: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON-serialisable spec sent to the front end (a deep copy; safe to mutate)."""
        return copy.deepcopy(
            {
                "version": SPEC_VERSION,
                "root": self.root,
                "objects": self.objects,
                "controls": self.controls,
                "variables": self.variables,
                "hotkeys": self.hotkeys,
                "unsupported": self.unsupported,
            }
        )

    def bind(
        self, columns: Iterable[Hashable], mapping: Mapping[str, Hashable] | None = None, *, map_hint: str | None = None
    ) -> dict[str, str]:
        """Map each ``$var`` to a DataFrame column: ``mapping`` ({var: column}) first, else same name.

        Returns ``{var: column label}``. A variable with no column, or a mapping that names a
        variable the config does not use or a column the frame does not have, is a ``ConfigError``
        (one listing every such problem), except a variable that only feeds dynamic options
        (``<Choices value="$options">``): Label Studio treats those as optional (its own sample
        tasks leave them out), so a missing column is a ``UserWarning`` and the control shows its
        static children. ``map_hint`` is how the caller's user maps a column, formatted with
        ``var`` (default: ``Pass columns={'var': ...} to map it.``, the Python API's way; the
        command line says its own option).
        """
        cols = list(columns)
        by_text: dict[str, Any] = {}
        for col in cols:
            by_text.setdefault(str(col), col)
        explicit = {str(k).removeprefix("$"): v for k, v in (mapping or {}).items()}
        errors: list[ConfigError] = []
        for var in explicit:
            if var not in self.variables:
                uses = ", ".join(f"${v}" for v in self.variables) or "no variables"
                errors.append(
                    ConfigError(
                        f"columns maps ${var}, but the config does not use ${var}", hint=f"the config uses {uses}"
                    )
                )
        bound: dict[str, Any] = {}
        for var in self.variables:
            tag, line, col = self._sites.get(var, ("the config", None, None))
            if var in explicit:
                target = explicit[var]
                if target in cols or str(target) in by_text:
                    bound[var] = target if target in cols else by_text[str(target)]
                    continue
                errors.append(
                    ConfigError(
                        f"columns maps ${var} to {target!r}, but the DataFrame has no column {target!r}",
                        line=line,
                        col=col,
                        hint=_closest_columns(str(target), list(by_text)),
                    )
                )
                continue
            if var in by_text:
                bound[var] = by_text[var]
                continue
            if var in self._optional:
                warnings.warn(
                    f"{tag} takes its options from ${var}, but the DataFrame has no column {var!r}: "
                    f"it shows only the options written in the config "
                    f"({_closest_columns(var, list(by_text))})",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            how = map_hint.format(var=var) if map_hint is not None else f"Pass columns={{{var!r}: ...}} to map it."
            errors.append(
                ConfigError(
                    f"{tag} uses ${var} but the DataFrame has no column {var!r}",
                    line=line,
                    col=col,
                    hint=f"{_closest_columns(var, list(by_text))}. {how}",
                )
            )
        if errors:
            raise ConfigError.collect(errors).with_traceback(None) from None
        return bound

    def __repr__(self) -> str:
        return (
            f"ConfigSpec(objects={list(self.objects)}, controls={list(self.controls)}, "
            f"variables={self.variables}, unsupported={self.unsupported})"
        )


def parse_config(xml: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ConfigSpec:
    """Parse and validate a Label Studio labeling config.

    Raises ``ConfigError`` (a ``ValueError``) with line:col and a hint for anything nblabel
    cannot use — one error listing every mistake found, in line order (``.errors``); tags it
    knows but cannot render yet are kept and listed in ``unsupported``.
    """
    __tracebackhide__ = True  # IPython: the user's mistake, not nblabel's call stack
    try:
        return _Builder(parse_xml(xml, max_bytes=max_bytes)).build()
    except ConfigError as exc:
        raise exc.with_traceback(None) from None


def _closest_columns(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.6)
    close += [c for c in columns if c.lower() == name.lower() and c not in close]
    if close:
        return "closest: " + ", ".join(repr(c) for c in close)
    shown = ", ".join(repr(c) for c in columns[:10]) + (", …" if len(columns) > 10 else "")
    return f"columns: {shown}" if columns else "the DataFrame has no columns"


class _Builder:
    """Walks the parsed tree once to build records, then validates and indexes them."""

    def __init__(self, parsed: ParsedXml) -> None:
        self.parsed = parsed
        self.recs: list[_Rec] = []  # document order
        self.by_name: dict[str, _Rec] = {}
        self.objects: list[_Rec] = []
        self.owned: dict[int, list[_Rec]] = {}  # id(control) -> its items, document order
        self.errors: list[ConfigError] = []  # every mistake found; raised together at the end

    def _error(self, message: str, *, line: int | None, col: int | None, hint: str | None) -> None:
        self.errors.append(ConfigError(message, line=line, col=col, hint=hint))

    # ---- building -------------------------------------------------------------------
    def build(self) -> ConfigSpec:
        """Validate everything, then raise every mistake at once (or return the spec).

        Each check records its mistake and goes on with what is still sound, so one run reports
        all of them; a later check that trips over an earlier mistake only ends the run early.
        """
        try:
            spec = self._build()
        except ConfigError as exc:
            self.errors.append(exc)
        except Exception:
            if not self.errors:
                raise
        if self.errors:
            raise ConfigError.collect(self.errors)
        return spec

    def _build(self) -> ConfigSpec:
        root_el = self.parsed.root
        root_info = lookup(etree.QName(root_el).localname)
        if root_info is None or root_info.name != "View":
            line, col = self.parsed.position(root_el)
            got = etree.QName(root_el).localname
            self._error(
                f"the root tag must be <View>, not <{got}>",
                line=line,
                col=col,
                hint="wrap the whole config in <View>…</View>",
            )
        root = self._visit(root_el, None)
        for rec in self.recs:
            self._check_required(rec)
            self._check_nesting(rec)
        self._index_names()
        self.objects = [r for r in self.recs if r.info.kind == "object" and r.name]
        controls = {}
        for rec in self.recs:
            if rec.info.kind == "control":
                targets = self._resolve_to_name(rec) if rec.info.to_name else []
                self._check_items(rec)
                if rec.name:
                    controls[rec.name] = self._control_entry(rec, targets)
            elif rec.tag in _SELF_CONTROLS and rec.name:
                # Chat is an object and a control at once: its messages are results whose
                # from_name and to_name are both the Chat's name (type "chatmessage").
                controls[rec.name] = self._control_entry(rec, [rec.name], _SELF_CONTROLS[rec.tag])
        variables, sites, object_vars = self._variables()
        optional = self._optional_vars(variables)
        objects = {
            rec.name: {
                "tag": rec.tag,
                "name": rec.name,
                "value": rec.attrs.get("value", rec.attrs.get("valueList")),
                "vars": object_vars[id(rec)],
                "supported": rec.info.supported,
                "line": rec.line,
                "col": rec.col,
            }
            for rec in self.objects
        }
        hotkeys = self._hotkeys()
        unsupported = sorted({rec.tag for rec in self.recs if not rec.info.supported})
        return ConfigSpec(
            xml=self.parsed.text,
            root=self._node(root),
            objects=objects,
            controls=controls,
            variables=variables,
            hotkeys=hotkeys,
            unsupported=unsupported,
            _sites=sites,
            _optional=optional,
        )

    def _visit(self, el: etree._Element, parent: _Rec | None) -> _Rec:
        tag = etree.QName(el).localname
        info = lookup(tag)
        line, col = self.parsed.position(el)
        if info is None:
            if parent is not None:  # an unknown root is already reported as "the root must be <View>"
                guess = difflib.get_close_matches(tag.lower(), [s.lower() for s in spellings()], n=1, cutoff=0.6)
                match = lookup(guess[0]) if guess else None
                hint = f"did you mean <{match.name}>?" if match else "see Label Studio's tag reference"
                self._error(f"unknown tag <{tag}>", line=line, col=col, hint=hint)
            info = TagInfo(tag, "unknown")  # its children are still checked; nesting under it is not
        rec = _Rec(el, info, line, col, {}, parent, index=len(self.recs))
        rec.attrs = self._attrs(rec)
        if info.name == "Header" and not rec.attrs.get("value"):
            text = "".join(el.itertext()).strip()  # <Header>Title</Header> is allowed
            if text:
                rec.attrs["value"] = text
        self.recs.append(rec)
        rec.children = [self._visit(child, rec) for child in el.iterchildren(tag=etree.Element)]
        return rec

    def _attrs(self, rec: _Rec) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw_key, raw in rec.el.attrib.items():
            key = etree.QName(raw_key).localname
            decl = rec.info.attr(key)
            name = decl.name if decl else key
            if name in out:
                line, col = self.parsed.attr_position(rec.el, key)
                self._error(
                    f"{rec.describe()} has the attribute {name} twice (in different case)",
                    line=line,
                    col=col,
                    hint="keep one of them",
                )
                continue
            out[name] = self._convert(rec, key, decl, raw)
        for decl in rec.info.attrs.values():
            if decl.default is not None and decl.name not in out:
                out[decl.name] = decl.default
        return out

    def _convert(self, rec: _Rec, key: str, decl: AttrInfo | None, raw: str) -> Any:
        if decl is None and key in _TEXT_ATTRS:
            return raw
        if decl is None or decl.type == "bool":
            if raw.lower() in ("true", "false"):
                return raw.lower() == "true"
            if decl is None:
                return raw
            problem, fix = "is not a boolean", f'use {decl.name}="true" or {decl.name}="false"'
        elif decl.type == "number":
            if raw.startswith("$"):  # taken from the task, e.g. frameRate="$fps"
                return raw
            if _NUMBER.fullmatch(raw.strip()):
                number = float(raw)
                return int(number) if number.is_integer() and re.fullmatch(r"\s*[+-]?\d+\s*", raw) else number
            problem, fix = "is not a number", f'e.g. {decl.name}="{decl.default if decl.default is not None else 1}"'
        elif decl.type == "enum":
            for choice in decl.choices:
                if raw.lower() == choice.lower():
                    return choice
            problem, fix = "is not allowed", "use one of: " + ", ".join(decl.choices)
            guess = difflib.get_close_matches(raw.lower(), decl.choices, n=1, cutoff=0.6)
            if guess:
                fix = f'did you mean {decl.name}="{guess[0]}"? ({fix})'
        else:
            return raw
        line, col = self.parsed.attr_position(rec.el, key)
        self._error(f'{decl.name}="{raw}" on {rec.describe()} {problem}', line=line, col=col, hint=fix)
        return decl.default  # keep checking the rest with the default in its place

    # ---- validation -----------------------------------------------------------------
    def _fail_attr(self, rec: _Rec, key: str, message: str, hint: str | None) -> None:
        line, col = self.parsed.attr_position(rec.el, key)
        self._error(message, line=line, col=col, hint=hint)

    def _check_required(self, rec: _Rec) -> None:
        for need in rec.info.needs:
            value = rec.attrs.get(need)
            if need == "value" and rec.info.kind == "object" and not value:
                value = rec.attrs.get("valueList")
            if value in (None, ""):
                self._error(
                    f"{rec.describe()} needs a {need} attribute", line=rec.line, col=rec.col, hint=_need_hint(rec, need)
                )
        if rec.tag == "Header" and rec.attrs.get("value") in (None, ""):
            self._error(
                "<Header> needs a value attribute (or text inside)",
                line=rec.line,
                col=rec.col,
                hint='e.g. <Header value="Is this review positive?"/>',
            )

    def _owner(self, rec: _Rec) -> tuple[_Rec | None, bool]:
        """The nearest ancestor that is not a layout wrapper (nor a parent Choice, for Taxonomy trees)."""
        node, through_choice = rec.parent, False
        while node is not None and (node.tag in _TRANSPARENT or (rec.tag == "Choice" and node.tag == "Choice")):
            through_choice |= node.tag == "Choice"
            node = node.parent
        return node, through_choice

    def _check_nesting(self, rec: _Rec) -> None:
        if not rec.info.parents:
            return
        owner, _ = self._owner(rec)
        if owner is not None and owner.tag in rec.info.parents:
            self.owned.setdefault(id(owner), []).append(rec)
            return
        if owner is not None and owner.info.kind == "unknown":
            return  # inside a misspelled tag: that tag's error says it all
        parents = rec.info.parents
        allowed = (
            " or ".join(f"<{p}>" for p in parents)
            if len(parents) <= 3
            else f"<{parents[0]}>, <{parents[1]}> or another *Labels tag"
        )
        where = f"inside {owner.describe()}" if owner is not None else "not inside any of them"
        self._error(
            f"{rec.describe()} must be inside {allowed}, but it is {where}",
            line=rec.line,
            col=rec.col,
            hint=f"move it inside {allowed}",
        )

    def _index_names(self) -> None:
        for rec in self.recs:
            if not rec.name:
                continue
            first = self.by_name.get(rec.name)
            if first is not None:
                self._fail_attr(
                    rec,
                    "name",
                    f'duplicate name "{rec.name}": {rec.describe()} and {first.describe()} '
                    f"at line {first.line}:{first.col}",
                    "every name must be unique; rename one",
                )
                continue
            self.by_name[rec.name] = rec

    def _resolve_to_name(self, rec: _Rec) -> list[str]:
        raw = rec.attrs.get("toName")
        parts = [p.strip() for p in raw.split(",") if p.strip()] if isinstance(raw, str) else []
        objects = self.objects
        if not parts:
            before = [r for r in objects if r.index < rec.index]
            schema_checked = rec.tag in _SCHEMA_TO_NAME and self._under_views(rec)
            if len(before) == 1 and not schema_checked:
                # The editor's rule: the single object tag before the control. The server
                # accepts these (its schema does not check the tag), so nblabel does too.
                rec.attrs["toName"] = before[0].name
                return [before[0].name]
            candidates = before if len(before) == 1 else objects
            if len(candidates) == 1:
                hint = f'add toName="{candidates[0].name}"'
            elif candidates:
                hint = "add toName=… naming the object it labels: " + ", ".join(f'"{r.name}"' for r in candidates)
            else:
                hint = 'add an object tag such as <Text name="text" value="$text"/> and toName="text"'
            why = " (Label Studio's server rejects it: 'toName' is a required property)" if schema_checked else ""
            self._error(f"{rec.describe()} has no toName{why}", line=rec.line, col=rec.col, hint=hint)
            return []
        found: list[str] = []
        for part in parts:
            target = self.by_name.get(part)
            if target is None:
                guess = difflib.get_close_matches(part, [r.name for r in objects], n=1, cutoff=0.5)
                hint = (
                    f'did you mean "{guess[0]}"?'
                    if guess
                    else "object tags: " + (", ".join(f'"{r.name}"' for r in objects) or "none")
                )
                self._fail_attr(
                    rec, "toName", f'{rec.describe()} has toName="{part}", but no tag is named "{part}"', hint
                )
                continue
            if target.info.kind != "object":
                if target.info.kind != "unknown":  # a misspelled object tag is reported as such
                    names = ", ".join(f'"{r.name}"' for r in objects) or "none"
                    self._fail_attr(
                        rec,
                        "toName",
                        f'{rec.describe()} has toName="{part}", which is {target.describe()}, not an object tag',
                        f"toName must name a tag that shows data; object tags: {names}",
                    )
                continue
            found.append(part)
        if rec.tag == "Pairwise" and (len(parts) != 2 or parts[0] == parts[1]):
            self._fail_attr(
                rec,
                "toName",
                f'{rec.describe()} has toName="{raw}": Pairwise compares two objects',
                'name two different object tags, e.g. toName="left,right"',
            )
        return found

    @staticmethod
    def _under_views(rec: _Rec) -> bool:
        """True when only <View>s lie between ``rec`` and the root: where Label Studio's schema looks."""
        node = rec.parent
        while node is not None:
            if node.tag != "View":
                return False
            node = node.parent
        return True

    def _items(self, rec: _Rec) -> list[_Rec]:
        """The Choice/Label/… elements that belong to control ``rec``."""
        return [r for r in self.owned.get(id(rec), []) if r.tag == rec.info.item]

    def _check_items(self, rec: _Rec) -> None:
        if rec.info.item not in ("Choice", "Label") or _is_dynamic(rec):
            return
        if rec.tag == "Taxonomy":  # the server accepts an empty Taxonomy (options may come from apiUrl)
            return
        if (
            not self._items(rec)
            and not self._has_misplaced(rec)
            and not any(child.tag == "View" for child in rec.children)
        ):  # the server accepts a View child
            item = rec.info.item
            self._error(
                f"{rec.describe()} has no <{item}> inside",
                line=rec.line,
                col=rec.col,
                hint=f'add <{item} value="…"/> children, or load them from the task with value="$options"',
            )

    def _has_misplaced(self, rec: _Rec) -> bool:
        """A misspelled or wrong label tag inside ``rec``: its own error explains the missing items."""
        stack = list(rec.children)
        while stack:
            node = stack.pop()
            if node.info.kind in ("unknown", "label"):
                return True
            stack.extend(node.children)
        return False

    # ---- indexes --------------------------------------------------------------------
    def _control_entry(self, rec: _Rec, targets: list[str], result_type: str | None = None) -> dict[str, Any]:
        labels = [_item_value(r) for r in self._items(rec)] if rec.info.item in ("Choice", "Label") else []
        return {
            "tag": rec.tag,
            "name": rec.name,
            "toName": targets,
            "type": result_type or rec.info.result_type,
            "required": rec.attrs.get("required") is True,
            "choice": rec.attrs.get("choice"),
            "labels": labels,
            "dynamic": _is_dynamic(rec),
            "perRegion": rec.attrs.get("perRegion") is True,
            "supported": rec.info.supported,
            "line": rec.line,
            "col": rec.col,
        }

    def _variables(self) -> tuple[list[str], dict[str, tuple[str, int, int]], dict[int, list[str]]]:
        order: list[str] = []
        sites: dict[str, tuple[str, int, int]] = {}
        per_rec: dict[int, list[str]] = {}
        for rec in self.recs:
            found: list[str] = []
            if rec.info.kind != "label":  # Choice/Label values are literal labels, never task data
                for key in _VAR_ATTRS:
                    value = rec.attrs.get(key)
                    if isinstance(value, str):
                        found += [v for v in _VAR.findall(value) if v not in found]
            per_rec[id(rec)] = found
            for var in found:
                if var not in sites:
                    sites[var] = (rec.describe(), rec.line, rec.col)
                    order.append(var)
        return order, sites, per_rec

    def _optional_vars(self, variables: list[str]) -> frozenset[str]:
        """Variables whose every use is a dynamic-options ``value`` of a control."""
        needed: set[str] = set()
        dynamic: set[str] = set()
        for rec in self.recs:
            if rec.info.kind == "label":
                continue
            for key in _VAR_ATTRS:
                value = rec.attrs.get(key)
                if not isinstance(value, str):
                    continue
                found = set(_VAR.findall(value))
                (dynamic if key == "value" and _is_dynamic(rec) else needed).update(found)
        return frozenset(v for v in variables if v in dynamic and v not in needed)

    def _hotkeys(self) -> dict[str, dict[str, Any]]:
        used: dict[str, _Rec] = {}
        out: dict[str, dict[str, Any]] = {}
        for rec in self.recs:
            key = rec.attrs.get("hotkey")
            if rec.tag not in _HOTKEY_TAGS or not isinstance(key, str) or not key.strip() or self._in_taxonomy(rec):
                continue
            key = key.strip().lower()
            if key in used:
                other = used[key]
                self._fail_attr(
                    rec,
                    "hotkey",
                    f'hotkey "{key}" of {rec.describe()} is already used by '
                    f"{other.describe()} at line {other.line}:{other.col}",
                    "give each a different hotkey",
                )
                continue
            if key in RESERVED_KEYS:
                self._fail_attr(
                    rec,
                    "hotkey",
                    f'hotkey "{key}" of {rec.describe()} is one of nblabel\'s own keys',
                    "j k n u, the arrows, Escape, Ctrl+Space and Ctrl+Z/Y navigate; pick another key",
                )
                continue
            used[key] = rec
            self._add_hotkey(out, key, rec)
        free = (k for k in AUTO_KEYS if k not in WIDGET_KEYS and k not in used)
        for rec in self.recs:
            if rec.tag in ("Choice", "Label") and not rec.attrs.get("hotkey") and not self._in_taxonomy(rec):
                key = next(free, None)
                if key is None:
                    break
                self._add_hotkey(out, key, rec, auto=True)
        for rec in self.recs:
            if rec.tag == "Rating" and rec.info.supported and rec.name and not rec.attrs.get("hotkey"):
                self._rating_keys(out, used, rec, free)
        return out

    def _rating_keys(
        self, out: dict[str, dict[str, Any]], used: dict[str, _Rec], rec: _Rec, free: Iterator[str]
    ) -> None:
        """A Rating without ``hotkey`` still gets a keyboard path: digits 1..maxRating set that many
        stars when all of them are free (maxRating up to 9), else one free key steps it like
        Label Studio's ``hotkey`` (1, 2, … maxRating, then cleared)."""
        top = rec.attrs.get("maxRating")
        top = top if isinstance(top, int) else 5
        digits = [str(i) for i in range(1, top + 1)]
        if 1 <= top <= 9 and not any(d in out or d in used for d in digits):
            for i, d in enumerate(digits, start=1):
                out[d] = {"control": rec.name, "value": i, "action": "select"}
            return
        key = next((k for k in free if k not in out), None)
        if key is not None:
            out[key] = {"control": rec.name, "value": None, "action": "increment"}

    def _add_hotkey(self, out: dict[str, dict[str, Any]], key: str, rec: _Rec, auto: bool = False) -> None:
        """Keys follow Label Studio's order for every tag, but only supported controls get entries."""
        if rec.info.kind == "label":
            owner, _ = self._owner(rec)
            if owner is None or not owner.name or not owner.info.supported:
                return
            if auto:
                rec.attrs["hotkey"] = key  # so the front end can show the key on the button
            out[key] = {"control": owner.name, "value": _item_value(rec), "action": "select"}
        elif rec.info.kind == "control" and rec.info.supported and rec.name:
            out[key] = {"control": rec.name, "value": None, "action": "increment"}
        elif rec.tag == "Filter" and isinstance(rec.attrs.get("toName"), str):
            # the key focuses the filter box of the control named by toName
            out[key] = {"control": rec.attrs["toName"], "value": None, "action": "filter"}

    def _in_taxonomy(self, rec: _Rec) -> bool:
        return rec.tag == "Choice" and (self._owner(rec)[0] or rec).tag == "Taxonomy"

    def _node(self, rec: _Rec) -> dict[str, Any]:
        node: dict[str, Any] = {
            "tag": rec.tag,
            "kind": rec.info.kind,
            "attrs": rec.attrs,
            "children": [self._node(child) for child in rec.children],
        }
        if rec.tag == "Style":
            node["text"] = "".join(rec.el.itertext())
        node.update(line=rec.line, col=rec.col, supported=rec.info.supported)
        return node


def _is_dynamic(rec: _Rec) -> bool:
    value = rec.attrs.get("value")
    return rec.info.kind == "control" and isinstance(value, str) and value.startswith("$")


def _item_value(rec: _Rec) -> str:
    """Label Studio's rule: results carry the alias when there is one, else the value."""
    alias = rec.attrs.get("alias")
    return alias if isinstance(alias, str) and alias else str(rec.attrs.get("value", ""))


def _need_hint(rec: _Rec, need: str) -> str:
    if rec.info.kind == "object":
        return (
            f'e.g. <{rec.tag} name="{rec.tag.lower()}" value="$column"/>'
            if need == "name"
            else 'point it at a DataFrame column: value="$column"'
        )
    if need == "value":
        return f'e.g. <{rec.tag} value="positive"/>'
    return f'e.g. <{rec.tag} {need}="{rec.tag.lower()}" …>'
