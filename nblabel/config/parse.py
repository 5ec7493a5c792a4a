"""Safe XML parsing of a labeling config, with a 1-based line:col for every element.

A config may come from anywhere (a colleague's notebook, a web page), so parsing never
touches a DTD, never expands an entity and never opens a file or URL: any ``<!DOCTYPE`` or
``<!ENTITY`` is refused before lxml sees the text (XXE and billion-laughs cannot expand),
and lxml itself runs with entity resolution, DTD loading and network access switched off,
as a second wall. The size limit is checked before any parsing work.

lxml reports only ``sourceline`` for elements (and that is the line where the *start tag
ends*), so positions come from our own scan of the raw text: the n-th ``<Name`` start tag
outside comments, CDATA and processing instructions is the n-th element in document order.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from lxml import etree

from .errors import ConfigError

DEFAULT_MAX_BYTES = 1_000_000

# Regions whose '<' are not start tags: comments (incl. the preview-task comment), CDATA, PIs.
_INERT = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)
_START_TAG = re.compile(r"<([^\s/!?<>=\"']+)")
_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")
_LXML_POS = re.compile(r",? line \d+, column \d+\s*$")


@dataclass(frozen=True)
class ParsedXml:
    """The parsed element tree plus where each element (and attribute) starts in ``text``."""

    text: str
    root: etree._Element
    _masked: str = field(repr=False)
    _line_starts: list = field(repr=False)
    _offsets: dict = field(repr=False)  # element -> offset of its '<'

    def position(self, element: etree._Element) -> tuple[int, int]:
        """1-based (line, col) of ``element``'s ``<Tag``."""
        offset = self._offsets.get(element)
        return self._line_col(offset) if offset is not None else (element.sourceline or 1, 1)

    def attr_position(self, element: etree._Element, name: str) -> tuple[int, int]:
        """1-based (line, col) of attribute ``name`` in ``element``'s start tag (else the tag's)."""
        offset = self._offsets.get(element)
        if offset is None:
            return self.position(element)
        tag = _START_TAG.match(self._masked, offset)
        pos = tag.end() if tag else offset
        exact: dict[str, int] = {}
        folded: dict[str, int] = {}
        while (attr := _ATTRIBUTE.match(self._masked, pos)) is not None:
            local = attr.group(1).rsplit(":", 1)[-1]
            exact.setdefault(local, attr.start(1))
            folded.setdefault(local.lower(), attr.start(1))
            pos = attr.end()
        start = exact.get(name, folded.get(name.lower()))  # exact spelling first, then any case
        return self._line_col(start) if start is not None else self.position(element)

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def safe_parser() -> etree.XMLParser:
    """An lxml parser that cannot resolve entities, load a DTD, use the network or go huge."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        encoding="utf-8",  # we always hand lxml UTF-8 bytes, whatever the declaration says
    )


def parse_xml(xml: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedXml:
    """Parse config text safely; every failure is a ``ConfigError`` with line:col when known."""
    text = _to_text(xml, max_bytes)
    if not text.strip():
        raise ConfigError("the config is empty", line=1, col=1, hint="a config looks like <View>…</View>")
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _line_col(text, nul)
        raise ConfigError(
            "the config contains NUL characters", line=line, col=col, hint="is it a binary file? A config is XML text"
        )
    masked = _INERT.sub(_blank, text)
    dtd = _DTD.search(masked)
    if dtd:
        line, col = _line_col(text, dtd.start())
        raise ConfigError(
            f"<!{dtd.group(1).upper()} is not allowed in a config",
            line=line,
            col=col,
            hint="remove the DTD; configs never need one (entities are never expanded)",
        )
    try:
        root = etree.fromstring(text.encode("utf-8"), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    except ValueError as exc:  # lxml refusing input outright
        raise ConfigError(f"not parseable as XML: {exc}", line=1, col=1) from None
    if root is None:
        raise ConfigError("the config has no root element", line=1, col=1, hint="a config looks like <View>…</View>")
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return ParsedXml(text, root, masked, line_starts, _offsets(root, masked))


def _to_text(xml: str | bytes, max_bytes: int) -> str:
    if isinstance(xml, (bytearray, memoryview)):
        xml = bytes(xml)
    if isinstance(xml, str):
        size = len(xml) if len(xml) > max_bytes else len(xml.encode("utf-8", "surrogatepass"))
    elif isinstance(xml, bytes):
        size = len(xml)
    else:
        raise TypeError(f"a config must be str or bytes, got {type(xml).__name__}")
    if size > max_bytes:
        raise ConfigError(
            f"the config is {size:,} bytes, over the {max_bytes:,}-byte limit",
            hint="pass max_bytes=… to parse_config if it really is that big",
        )
    if isinstance(xml, str):
        try:
            xml.encode("utf-8")
        except UnicodeEncodeError as exc:
            line, col = _line_col(xml, exc.start)
            raise ConfigError("the config contains a lone surrogate character", line=line, col=col) from None
        return xml.removeprefix("\ufeff")
    try:
        return xml.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = xml.count(b"\n", 0, start) + 1
        line_start = xml.rfind(b"\n", 0, start) + 1
        col = len(xml[line_start:start].decode("utf-8", "replace")) + 1
        raise ConfigError(
            f"the config is not UTF-8 text (byte 0x{xml[start]:02x})",
            line=line,
            col=col,
            hint="save the config as UTF-8, or pass it as a str",
        ) from None


def _blank(match: re.Match) -> str:
    """Same length, newlines kept: offsets and line numbers survive the masking."""
    return re.sub(r"[^\n]", " ", match.group())


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _offsets(root: etree._Element, masked: str) -> dict:
    starts = _START_TAG.finditer(masked)
    offsets = {}
    for element in root.iter(tag=etree.Element):
        match = next(starts, None)
        if match is None or match.group(1).rsplit(":", 1)[-1] != etree.QName(element).localname:
            break  # cannot happen for well-formed input; position() falls back to sourceline
        offsets[element] = match.start()
    return offsets


def _syntax_error(exc: etree.XMLSyntaxError) -> ConfigError:
    msg = _LXML_POS.sub("", exc.msg or str(exc)).strip()
    if msg.startswith("Excessive depth"):
        msg = "elements nest more than 256 levels deep"
    line, col = exc.position if exc.position else (1, 1)
    return ConfigError(f"malformed XML: {msg}", line=line or 1, col=max(col or 1, 1), hint=_syntax_hint(msg))


def _syntax_hint(msg: str) -> str | None:
    mismatch = re.match(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)", msg)
    if mismatch:
        tag, opened, closing = mismatch.groups()
        return f"<{tag}> opened on line {opened} is not closed before </{closing}>"
    unclosed = re.search(r"(?:Premature end of data in tag|tag) (\S+) line (\d+)", msg)
    if unclosed:
        return (
            f"close <{unclosed.group(1)}> opened on line {unclosed.group(2)}, or write it as <{unclosed.group(1)} … />"
        )
    if "256 levels" in msg:
        return "flatten the config; Label Studio configs are a few levels deep"
    if "Extra content at the end" in msg:
        return "a config has exactly one root element: <View>…</View>"
    if "Start tag expected" in msg:
        return "a config is XML and starts with <View>"
    if "Entity" in msg and "not defined" in msg:
        return "only &amp; &lt; &gt; &quot; &apos; and numeric references like &#160; are allowed"
    if "AttValue" in msg or "attributes construct" in msg:
        return 'attribute values need quotes: name="value"'
    return None
