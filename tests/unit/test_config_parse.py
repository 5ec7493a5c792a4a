"""Safe parsing of config text: hostile input never expands, bad input says where it broke."""

from __future__ import annotations

import pickle
import random
import time

import pytest
from lxml import etree

from nblabel.config import ConfigError, parse_config
from nblabel.config.parse import parse_xml, safe_parser

MINIMAL = '<View><Text name="text" value="$text"/></View>'
PASSWD = "root:"  # what /etc/passwd starts with; must never show up anywhere

XXE_FILE = """<?xml version="1.0"?>
<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<View><Header value="x"/>&xxe;</View>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE View SYSTEM "http://127.0.0.1:9/evil.dtd">
<View><Text name="t" value="$t"/></View>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<View><Header value="&lol9;"/></View>"""


def error_of(xml, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(xml, **kwargs)
    return info.value


# ---- accepted input ------------------------------------------------------------------


def test_str_and_utf8_bytes_parse_to_the_same_spec():
    assert parse_config(MINIMAL).to_json() == parse_config(MINIMAL.encode()).to_json()


def test_utf8_byte_order_mark_is_accepted():
    assert parse_config(b"\xef\xbb\xbf" + MINIMAL.encode()).objects["text"]["value"] == "$text"


def test_non_ascii_text_survives_parsing():
    spec = parse_config('<View><Header value="Avis sur le café ☕"/></View>'.encode())
    assert spec.root["children"][0]["attrs"]["value"] == "Avis sur le café ☕"


def test_an_xml_declaration_naming_another_encoding_does_not_garble_utf8_text():
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><View><Header value="café"/></View>'.encode()
    assert parse_config(xml).root["children"][0]["attrs"]["value"] == "café"


def test_a_leading_preview_task_comment_does_not_break_parsing():
    xml = (
        '<!-- {"data": {"html": "<!DOCTYPE html><p>hi</p>", "text": "<Choice value=\'x\'/>"}} -->\n'
        '<View>\n  <Text name="text" value="$text"/>\n</View>\n<!-- {"data": {}} -->'
    )
    spec = parse_config(xml)
    assert spec.root["line"] == 2 and spec.root["col"] == 1
    assert spec.root["children"][0]["line"] == 3 and spec.root["children"][0]["col"] == 3


def test_comments_between_elements_are_ignored():
    spec = parse_config('<View><!-- a comment --><Text name="t" value="$t"/><!-- <Choices> --></View>')
    assert [child["tag"] for child in spec.root["children"]] == ["Text"]


# ---- hostile input -------------------------------------------------------------------


def test_xxe_reading_a_local_file_is_refused_before_parsing():
    err = error_of(XXE_FILE)
    assert "<!DOCTYPE is not allowed" in str(err)
    assert (err.line, err.col) == (2, 1)
    assert PASSWD not in str(err)


def test_an_external_dtd_is_refused():
    err = error_of(EXTERNAL_DTD)
    assert "<!DOCTYPE is not allowed" in str(err)
    assert (err.line, err.col) == (2, 1)


def test_billion_laughs_is_refused_at_once():
    started = time.perf_counter()
    err = error_of(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0
    assert "<!DOCTYPE" in str(err) and (err.line, err.col) == (2, 1)


def test_an_entity_declaration_anywhere_is_refused():
    err = error_of('<View>\n  <!ENTITY x "y">\n</View>')
    assert "<!ENTITY is not allowed" in str(err)
    assert (err.line, err.col) == (2, 3)


def test_doctype_hidden_in_lowercase_is_still_refused():
    assert "<!DOCTYPE" in str(error_of('<!doctype View [<!entity a "b">]><View/>'))


def test_the_parser_itself_never_expands_entities_even_without_the_doctype_check():
    # Defence in depth: feed lxml directly with our parser settings, bypassing the pre-scan.
    root = etree.fromstring(XXE_FILE.encode(), safe_parser())
    assert PASSWD not in etree.tostring(root, encoding="unicode")
    laughs = BILLION_LAUGHS.replace('<Header value="&lol9;"/>', "&lol9;")
    try:
        root = etree.fromstring(laughs.encode(), safe_parser())
    except etree.XMLSyntaxError as exc:  # libxml2's amplification guard is fine too
        assert "amplification" in str(exc)
    else:
        assert len(etree.tostring(root)) < 100  # the reference stays a reference


def test_a_10_mb_config_is_refused_before_parsing():
    huge = "<View>" + '<Text name="t" value="$t"/>' * 400_000 + "</View>"
    assert len(huge) > 10_000_000
    started = time.perf_counter()
    err = error_of(huge)
    assert time.perf_counter() - started < 0.5
    assert "over the 1,000,000-byte limit" in str(err) and "max_bytes" in str(err)
    assert err.line is None


def test_the_size_limit_counts_utf8_bytes_not_characters():
    xml = '<View><Header value="' + "é" * 600 + '"/></View>'  # 631 characters, 1231 bytes
    assert "1,231 bytes" in str(error_of(xml, max_bytes=1000))
    assert parse_config(xml, max_bytes=2000).root["children"][0]["attrs"]["value"] == "é" * 600


def test_max_bytes_can_raise_the_limit():
    big = "<View>" + '<Header value="x"/>' * 60_000 + "</View>"  # ~1.1 MB
    with pytest.raises(ConfigError):
        parse_config(big)
    assert len(parse_config(big, max_bytes=2_000_000).root["children"]) == 60_000


def test_binary_garbage_is_a_config_error_not_a_crash():
    err = error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "not UTF-8" in str(err) and (err.line, err.col) == (1, 1)


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_are_always_a_config_error(seed):
    with pytest.raises(ConfigError):
        parse_config(random.Random(seed).randbytes(2000))


def test_nul_characters_are_refused_with_their_position():
    err = error_of("<View>\n  <Header value='a\x00'/></View>")
    assert "NUL" in str(err) and (err.line, err.col) == (2, 19)


def test_non_utf8_bytes_report_the_first_bad_byte():
    err = error_of(b'<View>\n  <Header value="caf\xe9"/>\n</View>')
    assert "not UTF-8" in str(err) and "0xe9" in str(err)
    assert (err.line, err.col) == (2, 21)


@pytest.mark.parametrize("empty", ["", b"", "   \n\t ", "<!-- only a comment -->"])
def test_empty_input_is_a_config_error(empty):
    err = error_of(empty)
    assert ("empty" in str(err)) or ("malformed XML" in str(err))
    assert err.line == 1


def test_input_that_is_not_text_is_a_type_error():
    with pytest.raises(TypeError, match="str or bytes"):
        parse_config(42)  # type: ignore[arg-type]


def test_nesting_deeper_than_256_levels_is_refused():
    err = error_of("<View>" * 300 + "</View>" * 300)
    assert "256 levels" in str(err)


# ---- malformed XML: lxml's line:col and a fix ------------------------------------------


def test_an_unclosed_tag_says_where_the_document_ended_and_what_to_close():
    err = error_of('<View>\n  <Choices name="c" toName="t">\n')
    assert str(err) == (
        "line 3:1: malformed XML: Premature end of data in tag Choices line 2 — "
        "close <Choices> opened on line 2, or write it as <Choices … />"
    )


def test_a_mismatched_closing_tag_names_the_open_tag():
    err = error_of('<View>\n  <Text name="t" value="$t"></Txt>\n</View>')
    assert (err.line, err.col) == (2, 35)
    assert err.hint == "<Text> opened on line 2 is not closed before </Txt>"


def test_an_unquoted_attribute_is_explained():
    err = error_of("<View>\n  <Text name=t/>\n</View>")
    assert (err.line, err.col) == (2, 14)
    assert err.hint == 'attribute values need quotes: name="value"'


def test_an_html_entity_is_explained():
    err = error_of('<View>\n  <Header value="a&nbsp;b"/>\n</View>')
    assert err.line == 2 and "&#160;" in err.hint


def test_two_root_elements_are_refused():
    err = error_of("<View/>\n<View/>")
    assert (err.line, err.col) == (2, 1) and "one root element" in err.hint


# ---- positions ---------------------------------------------------------------------------


def test_each_element_on_a_line_gets_its_own_column():
    parsed = parse_xml('<View>\n  <Choice value="a"/>  <Choice value="b"/><Choice value="c"/>\n</View>')
    assert [parsed.position(el) for el in parsed.root] == [(2, 3), (2, 24), (2, 43)]


def test_a_start_tag_spread_over_lines_is_placed_at_its_opening_bracket():
    parsed = parse_xml('<View>\n  <Choices name="c"\n           toName="t">\n  </Choices>\n</View>')
    assert parsed.position(parsed.root[0]) == (2, 3)
    assert parsed.attr_position(parsed.root[0], "toName") == (3, 12)


def test_tags_inside_comments_and_cdata_do_not_shift_positions():
    parsed = parse_xml('<View><!-- <Text> --><Style><![CDATA[ <b> ]]></Style><Text name="t" value="$t"/></View>')
    assert [parsed.position(el) for el in parsed.root] == [(1, 22), (1, 54)]


def test_attribute_positions_skip_quoted_values_that_look_like_attributes():
    parsed = parse_xml('<View>\n<Choice hint=\'value="x" >\' value="y"/>\n</View>')
    assert parsed.attr_position(parsed.root[0], "value") == (2, 28)


# ---- the error type ----------------------------------------------------------------------


def test_config_error_is_a_value_error_with_position_and_hint():
    err = ConfigError("unknown tag <Choise>", line=3, col=5, hint="did you mean <Choice>?")
    assert isinstance(err, ValueError)
    assert str(err) == "line 3:5: unknown tag <Choise> — did you mean <Choice>?"
    assert (err.message, err.line, err.col, err.hint) == ("unknown tag <Choise>", 3, 5, "did you mean <Choice>?")


def test_config_error_reads_well_without_position_or_hint():
    assert str(ConfigError("too big")) == "too big"
    assert str(ConfigError("bad", line=4)) == "line 4: bad"


def test_config_error_survives_pickling():
    err = pickle.loads(pickle.dumps(ConfigError("x", line=1, col=2, hint="h")))
    assert (str(err), err.line, err.col, err.hint) == ("line 1:2: x — h", 1, 2, "h")
