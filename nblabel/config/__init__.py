"""Label Studio labeling configs: safe parsing, the tag registry and the validated ``ConfigSpec``.

``parse_config(xml)`` is the entry point; it raises ``ConfigError`` (line:col + a fix) for
anything nblabel cannot use. ``TAGS`` is the registry of every Label Studio tag nblabel knows.
"""

from __future__ import annotations

from .errors import ConfigError
from .spec import ConfigSpec, parse_config
from .tags import TAGS, AttrInfo, TagInfo, lookup

__all__ = ["TAGS", "AttrInfo", "ConfigError", "ConfigSpec", "TagInfo", "lookup", "parse_config"]
