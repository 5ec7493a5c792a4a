"""The one registry of Label Studio config tags: kind, attributes, defaults, result type.

Facts (tag names, attribute names, types and defaults) follow Label Studio's tag schema
(``web/libs/core/src/lib/utils/schema/tags.json`` in the label-studio repository, 1.23 era)
and its docs, with a few corrections where that schema disagrees with the editor's code
(e.g. ``toname`` → ``toName``, ``Collapse.bordered`` is a boolean). ``OcrLabels`` is not in
the schema but is used by a bundled template, so it is known here.

``supported`` says whether nblabel's front end renders the tag today; every other tag is
still *valid* (the front end shows a placeholder naming it), so a config written for
Label Studio never fails just because nblabel cannot draw part of it yet.

Attribute declarations use a tiny notation, one token per attribute::

    name            a string attribute, no default
    rows:number=1   a number, default 1
    zoom:bool=false a boolean ("true"/"false"), default false
    snap:pixel|none=none   an enum, default "none"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

KINDS = ("object", "control", "label", "visual")


@dataclass(frozen=True)
class AttrInfo:
    """One attribute: canonical spelling, value type, default and (for enums) the choices."""

    name: str
    type: str = "string"  # "string" | "bool" | "number" | "enum"
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TagInfo:
    """What nblabel knows about one tag.

    ``result_type`` is the result ``type`` a control produces; ``parents`` lists the tags a
    label-like tag must sit in (nearest non-View ancestor); ``item`` is the label tag a
    control is filled with (``Choice`` for Choices); ``needs`` are required attributes.
    """

    name: str
    kind: str
    attrs: Mapping[str, AttrInfo] = field(default_factory=dict)  # keyed by lower-case name
    result_type: str | None = None
    parents: tuple[str, ...] = ()
    item: str | None = None
    needs: tuple[str, ...] = ()
    to_name: bool = False  # a control that must point at object tags with toName
    supported: bool = False
    aliases: tuple[str, ...] = ()

    def attr(self, name: str) -> AttrInfo | None:
        """The attribute declaration for ``name`` (any case), or ``None`` if unknown."""
        return self.attrs.get(name.lower())


def _attrs(*specs: str, **special: AttrInfo) -> dict[str, AttrInfo]:
    out: dict[str, AttrInfo] = {}
    for token in " ".join(specs).split():
        head, _, default = token.partition("=")
        name, _, kind = head.partition(":")
        has_default = "=" in token
        if kind == "bool":
            info = AttrInfo(name, "bool", (default == "true") if has_default else None)
        elif kind == "number":
            value = (float(default) if "." in default else int(default)) if has_default else None
            info = AttrInfo(name, "number", value)
        elif "|" in kind:
            info = AttrInfo(name, "enum", default if has_default else None, tuple(kind.split("|")))
        else:
            info = AttrInfo(name, "string", default if has_default else None)
        out[name.lower()] = info
    for info in special.values():
        out[info.name.lower()] = info
    return out


# Attribute groups shared by many tags.
VISIBILITY = (
    "visibleWhen:region-selected|no-region-selected|choice-selected|choice-unselected "
    "whenTagName whenLabelValue whenChoiceValue"
)
CLASSIFICATION = "required:bool=false requiredMessage perRegion:bool perItem:bool"
LABELS = "name toName choice:single|multiple=single maxUsages:number showInline:bool=true value"
REGION = "opacity:number=0.6 fillColor strokeColor=#f48a42 strokeWidth:number=1"
SMART = "smart:bool smartOnly:bool"
SNAP = "snap:pixel|none=none"
POINTS = "pointSize:small|medium|large pointStyle:rectangle|circle"
VECTOR = (
    "closable:bool=false curves:bool=false skeleton:bool=false minPoints maxPoints "
    "pointSizeEnabled:number=5 pointSizeDisabled:number=3"
)
TEXT_OBJECT = (
    "name value valueType:url|text=text saveTextResult:yes|no encoding:none|base64|base64unicode "
    "selectionEnabled:bool=true highlightColor showLabels:bool "
    "granularity:symbol|word|sentence|paragraph"
)
SYNC = "sync"

_OBJECT = ("name", "value")
_LABEL_CONTROLS = (
    "Labels",
    "RectangleLabels",
    "PolygonLabels",
    "KeyPointLabels",
    "EllipseLabels",
    "BrushLabels",
    "BitmaskLabels",
    "VectorLabels",
    "HyperTextLabels",
    "ParagraphLabels",
    "TimeSeriesLabels",
    "TimelineLabels",
    "VideoVectorLabels",
    "OcrLabels",
)


def _obj(
    name: str, *attrs: str, supported: bool = False, aliases: tuple[str, ...] = (), **special: AttrInfo
) -> TagInfo:
    return TagInfo(name, "object", _attrs(*attrs, **special), needs=_OBJECT, supported=supported, aliases=aliases)


def _ctl(
    name: str, result_type: str, *attrs: str, item: str | None = None, supported: bool = False, **special: AttrInfo
) -> TagInfo:
    return TagInfo(
        name,
        "control",
        _attrs("name toName", *attrs, **special),
        result_type=result_type,
        item=item,
        needs=("name",),
        to_name=True,
        supported=supported,
    )


def _labels(name: str, *attrs: str, supported: bool = False) -> TagInfo:
    return _ctl(name, name.lower(), LABELS, *attrs, item="Label", supported=supported)


def _item(
    name: str,
    parents: tuple[str, ...],
    *attrs: str,
    needs: tuple[str, ...] = ("value",),
    supported: bool = False,
    **special: AttrInfo,
) -> TagInfo:
    return TagInfo(name, "label", _attrs(*attrs, **special), parents=parents, needs=needs, supported=supported)


def _vis(
    name: str,
    *attrs: str,
    supported: bool = False,
    parents: tuple[str, ...] = (),
    needs: tuple[str, ...] = (),
    **special: AttrInfo,
) -> TagInfo:
    return TagInfo(name, "visual", _attrs(*attrs, **special), parents=parents, needs=needs, supported=supported)


_REGISTRY: list[TagInfo] = [
    # ---- objects: show task data ------------------------------------------------------
    _obj("Text", TEXT_OBJECT, supported=True),
    _obj("HyperText", TEXT_OBJECT, "inline:bool=false clickableLinks:bool=false", supported=True),
    _obj(
        "Image",
        "name value valueList smoothing:bool width=100% maxWidth=750px zoom:bool=false "
        "negativeZoom:bool=false zoomBy:number=1.1 grid:bool=false gridSize:number=30 gridColor=#EEEEF4 "
        "zoomControl:bool=false brightnessControl:bool=false contrastControl:bool=false "
        "rotateControl:bool=false crosshair:bool=false horizontalAlignment:left|center|right=left "
        "verticalAlignment:top|center|bottom=top defaultZoom:auto|original|fit=fit "
        "crossOrigin:none|anonymous|use-credentials=none",
    ),
    _obj(
        "Audio",
        "name value defaultspeed:number=1 defaultscale:number=1 defaultzoom:number=1 defaultvolume:number=1 hotkey",
        SYNC,
        "height:number=96 waveheight:number=32 "
        "spectrogram:bool=false splitchannels:bool=false decoder=webaudio player=html5",
        aliases=("AudioPlus",),
    ),
    _obj(
        "Video",
        "name value frameRate:number=24",
        SYNC,
        "muted:bool=false height:number=600 "
        "timelineHeight:number=64 defaultPlaybackSpeed:number=1 minPlaybackSpeed:number=1",
    ),
    _obj(
        "Paragraphs",
        "name value valueType:json|url=json audioUrl",
        SYNC,
        "showPlayer:bool=false "
        "saveTextResult:yes|no=yes layout:none|dialogue=none nameKey=author textKey=text "
        "contextScroll:bool=false",
        supported=True,
    ),
    _obj(
        "TimeSeries",
        "name value valueType:url|json=url",
        SYNC,
        "cursorColor timeColumn timeFormat "
        "timeDisplayFormat durationDisplayFormat overviewChannels overviewWidth=25% fixedScale:bool=false",
        sep=AttrInfo("sep", "string", ","),
    ),
    _obj("Table", "name value valueType", supported=True),
    _obj("List", "name value title", supported=True),
    _obj("Pdf", "name value"),
    _obj("Chat", "name value messageRoles editable minMessages:number maxMessages:number llm", supported=True),
    # ---- controls: produce results ----------------------------------------------------
    _ctl(
        "Choices",
        "choices",
        "choice:single|single-radio|multiple=single showInline:bool=false",
        CLASSIFICATION,
        VISIBILITY,
        "value allowNested:bool layout:select|inline|vertical",
        item="Choice",
        supported=True,
    ),
    _ctl(
        "Taxonomy",
        "taxonomy",
        "apiUrl leafsOnly:bool=false showFullPath:bool=false maxUsages:number "
        "maxWidth minWidth placeholder labeling:bool legacy:bool value",
        CLASSIFICATION,
        VISIBILITY,
        item="Choice",
        supported=True,
        pathSeparator=AttrInfo("pathSeparator", "string", " / "),
    ),
    _ctl(
        "TextArea",
        "textarea",
        "value placeholder maxSubmissions:number editable:bool=false "
        "transcription:bool=false skipDuplicates:bool=false displayMode:tag|region-list=tag rows:number=1 "
        "showSubmitButton:bool",
        CLASSIFICATION,
        VISIBILITY,
        supported=True,
    ),
    _ctl(
        "Rating",
        "rating",
        "maxRating:number=5 defaultValue:number=0 size:small|medium|large=medium icon=star hotkey",
        CLASSIFICATION,
        supported=True,
    ),
    _ctl(
        "Number",
        "number",
        "min:number max:number step:number=1 defaultValue:number hotkey slider:bool=false",
        CLASSIFICATION,
        supported=True,
    ),
    _ctl("DateTime", "datetime", "only format min max", CLASSIFICATION, supported=True),
    _ctl("Pairwise", "pairwise", "selectionStyle leftClass rightClass", supported=True),
    _ctl("Ranker", "ranker", item="Bucket", supported=True),
    _labels("Labels", REGION, supported=True),
    _labels("RectangleLabels", REGION, "canRotate:bool=true", SNAP),
    _labels(
        "PolygonLabels",
        "opacity:number=0.2 fillColor strokeColor strokeWidth:number=1",
        SNAP,
        "pointSize:small|medium|large=medium pointStyle:rectangle|circle=rectangle",
    ),
    _labels("KeyPointLabels", "opacity:number=0.9 strokeWidth:number=1", SNAP),
    _labels("EllipseLabels", "opacity:number=0.6 fillColor strokeColor strokeWidth:number=1 canRotate:bool=true"),
    _labels("BrushLabels"),
    _labels("BitmaskLabels"),
    _labels(
        "VectorLabels",
        "opacity:number=0.2 fillColor strokeColor strokeWidth:number=1",
        SNAP,
        "pointSize:small|medium|large=medium pointStyle:rectangle|circle=rectangle",
        VECTOR,
    ),
    _labels("HyperTextLabels", supported=True),
    _labels("ParagraphLabels", supported=True),
    _labels("TimeSeriesLabels", "opacity:number=0.9 fillColor=transparent strokeColor=#f48a42 strokeWidth:number=1"),
    _labels("TimelineLabels"),
    _labels(
        "VideoVectorLabels",
        "opacity:number=0.2 fillColor strokeColor strokeWidth:number=1",
        "pointSize:small|medium|large=small pointStyle:rectangle|circle=circle",
        VECTOR,
    ),
    _labels("OcrLabels"),
    _ctl("Rectangle", "rectangle", REGION, "canRotate:bool=true", SMART, SNAP),
    _ctl(
        "Polygon",
        "polygon",
        "opacity:number=0.6 fillColor=transparent strokeColor=#f48a42 "
        "strokeWidth:number=3 pointSize:small|medium|large=small pointStyle:rectangle|circle=circle",
        SMART,
        SNAP,
    ),
    _ctl(
        "KeyPoint",
        "keypoint",
        "opacity:number=0.9 fillColor=#8bad00 strokeColor=#8bad00 strokeWidth:number=1",
        SMART,
        SNAP,
    ),
    _ctl("Ellipse", "ellipse", REGION, "canRotate:bool=true", SMART),
    _ctl("Brush", "brush", "choice:single|multiple=single maxUsages:number showInline:bool=true", SMART),
    _ctl("Bitmask", "bitmask", SMART),
    _ctl("MagicWand", "brush", "opacity:number=0.6 blurradius:number=5 defaultthreshold:number=15"),
    _ctl(
        "Vector",
        "vector",
        "opacity:number=0.6 fillColor=transparent strokeColor=#f48a42 strokeWidth:number=3",
        POINTS,
        SMART,
        SNAP,
        VECTOR,
    ),
    _ctl("VideoRectangle", "videorectangle"),
    _ctl(
        "VideoVector",
        "videovector",
        "opacity:number=0.6 fillColor=transparent strokeColor=#f48a42 strokeWidth:number=3",
        POINTS,
        SNAP,
        VECTOR,
    ),
    TagInfo(
        "Relations",
        "control",
        _attrs("choice:single|multiple=single"),
        result_type="relation",
        item="Relation",
        supported=True,
    ),
    # ---- labels: the items inside a control (or object) -------------------------------
    _item("Choice", ("Choices", "Taxonomy"), "value selected:bool alias style hotkey html hint color", supported=True),
    _item(
        "Label",
        _LABEL_CONTROLS,
        "value selected:bool=false maxUsages:number hint hotkey alias "
        "showAlias:bool=false aliasStyle=opacity:0.6 size=medium background=#36B37E selectedColor=#ffffff "
        "granularity:symbol|word html category:number",
        supported=True,
    ),
    _item("Relation", ("Relations",), "value background", supported=True),
    _item("Shortcut", ("TextArea",), "value alias hotkey background=#333333"),
    _item("Bucket", ("Ranker",), "name title default:bool", needs=("name",), supported=True),
    _item(
        "Channel",
        ("TimeSeries", "MultiChannel"),
        "column legend units displayFormat height:number=200 "
        "strokeColor=#f48a42 strokeWidth:number=1 markerColor=#f48a42 markerSize:number=0 "
        "markerSymbol=circle timeRange dataRange showAxis:bool fixedScale:bool",
        needs=("column",),
    ),
    _item(
        "MultiChannel",
        ("TimeSeries",),
        "height:number=200 showAxis:bool=true showYAxis:bool=true fixedScale:bool",
        needs=(),
    ),
    # ---- visual: layout and decoration --------------------------------------------------
    _vis("View", "display:block|inline style className idAttr", VISIBILITY, supported=True),
    _vis("Header", "value size:number=4 style underline:bool=false", supported=True),
    _vis("Style", supported=True),
    _vis("Markdown", "value style className idAttr", VISIBILITY),
    _vis("Collapse", "accordion:bool=true bordered:bool=false open:bool=false", supported=True),
    _vis("Panel", "value", parents=("Collapse",), supported=True),
    _vis(
        "Filter",
        "toName minlength:number=3 style hotkey",
        supported=True,
        placeholder=AttrInfo("placeholder", "string", "Quick Filter"),
    ),
    _vis("Repeater", "on indexFlag mode"),
]

TAGS: Mapping[str, TagInfo] = MappingProxyType({info.name: info for info in _REGISTRY})
"""Every known tag by canonical name."""

_BY_LOWER: dict[str, TagInfo] = {}
for _info in _REGISTRY:
    for _spelling in (_info.name, *_info.aliases):
        _BY_LOWER[_spelling.lower()] = _info


def lookup(name: str) -> TagInfo | None:
    """The tag called ``name`` in any case (aliases such as ``AudioPlus`` included), else ``None``."""
    return _BY_LOWER.get(name.lower())


def spellings() -> list[str]:
    """Every accepted tag spelling (canonical names and aliases), for did-you-mean suggestions."""
    return [s for info in _REGISTRY for s in (info.name, *info.aliases)]
