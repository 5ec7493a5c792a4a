"""ConfigSpec: the normalized tree, indexes, hotkeys, variable binding, and every validation rule."""

from __future__ import annotations

import json

import pytest

from nblabel.config import TAGS, ConfigError, ConfigSpec, lookup, parse_config

SENTIMENT = """<View>
  <Header value="Review: $title"/>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/>
    <Choice value="negative" alias="neg"/>
  </Choices>
</View>"""


def error_of(xml: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(xml)
    return info.value


def view(*lines: str) -> str:
    """A config whose line 1 is <View>, line 2.. are ``lines`` (2-space indent), then </View>."""
    return "<View>\n" + "".join(f"  {line}\n" for line in lines) + "</View>"


def node_at(spec: ConfigSpec, *path: int) -> dict:
    node = spec.root
    for i in path:
        node = node["children"][i]
    return node


# ---- the registry ------------------------------------------------------------------------


def test_the_registry_knows_every_label_studio_tag_by_canonical_name():
    assert len(TAGS) >= 53
    for name, info in TAGS.items():
        assert info.name == name and info.kind in ("object", "control", "label", "visual")
        assert info.kind != "control" or info.result_type


# Tags drawn by their parent's renderer, not through the front end's registry.
_DRAWN_BY_PARENT = {
    "Choice": "Choices",
    "Panel": "Collapse",
    "Bucket": "Ranker",
    "Label": "Labels",
    "Relation": "Relations",
}


def test_exactly_the_rendered_tags_are_supported():
    """Python's `supported` flags match the front end's tag registry (js/src/tags/registry.ts)."""
    import re
    from pathlib import Path

    registry = (Path(__file__).resolve().parents[2] / "js" / "src" / "tags" / "registry.ts").read_text()
    table = registry[registry.index("RENDERERS") :]
    table = table[: table.index("};")]
    rendered = set(re.findall(r"^\s+(\w+): render\w+,", table, flags=re.M))
    assert {"View", "Choices", "Taxonomy"} <= rendered
    supported = {name for name, info in TAGS.items() if info.supported}
    assert supported == rendered | {tag for tag, parent in _DRAWN_BY_PARENT.items() if parent in rendered}


def test_lookup_is_case_insensitive_and_knows_aliases():
    assert lookup("choices") is TAGS["Choices"]
    assert lookup("RECTANGLELABELS") is TAGS["RectangleLabels"]
    assert lookup("AudioPlus") is TAGS["Audio"]
    assert lookup("Choise") is None


@pytest.mark.parametrize(
    "tag, result_type",
    [
        ("Choices", "choices"),
        ("Labels", "labels"),
        ("RectangleLabels", "rectanglelabels"),
        ("TextArea", "textarea"),
        ("Rating", "rating"),
        ("Number", "number"),
        ("Taxonomy", "taxonomy"),
        ("DateTime", "datetime"),
        ("Pairwise", "pairwise"),
        ("Ranker", "ranker"),
        ("Relations", "relation"),
    ],
)
def test_controls_know_their_result_type(tag, result_type):
    assert TAGS[tag].result_type == result_type


@pytest.mark.parametrize(
    "item, parents",
    [
        ("Choice", {"Choices", "Taxonomy"}),
        ("Relation", {"Relations"}),
        ("Channel", {"TimeSeries", "MultiChannel"}),
        ("Shortcut", {"TextArea"}),
        ("Bucket", {"Ranker"}),
    ],
)
def test_label_tags_know_where_they_belong(item, parents):
    assert set(TAGS[item].parents) == parents


def test_labels_belong_in_every_labels_control():
    assert {"Labels", "RectangleLabels", "PolygonLabels", "BrushLabels", "TimeSeriesLabels"} <= set(
        TAGS["Label"].parents
    )


def test_attribute_declarations_carry_types_and_defaults():
    rating = TAGS["Rating"]
    assert rating.attr("MAXRATING").type == "number" and rating.attr("maxrating").default == 5
    assert TAGS["Choices"].attr("choice").choices == ("single", "single-radio", "multiple")
    assert TAGS["TextArea"].attr("editable").type == "bool"


# ---- a good config, end to end -----------------------------------------------------------


def test_a_sentiment_config_becomes_the_documented_json():
    spec = parse_config(SENTIMENT)
    data = spec.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["version"] == 1
    assert data["objects"] == {
        "text": {
            "tag": "Text",
            "name": "text",
            "value": "$review",
            "vars": ["review"],
            "supported": True,
            "line": 3,
            "col": 3,
        }
    }
    assert data["controls"]["sentiment"] == {
        "tag": "Choices",
        "name": "sentiment",
        "toName": ["text"],
        "type": "choices",
        "required": False,
        "choice": "single",
        "labels": ["positive", "neg"],
        "dynamic": False,
        "perRegion": False,
        "supported": True,
        "line": 4,
        "col": 3,
    }
    assert data["variables"] == ["title", "review"]
    assert data["hotkeys"] == {
        "1": {"control": "sentiment", "value": "positive", "action": "select"},
        "2": {"control": "sentiment", "value": "neg", "action": "select"},
    }
    assert data["unsupported"] == []
    choices = data["root"]["children"][2]
    assert choices["tag"] == "Choices" and choices["kind"] == "control" and choices["supported"] is True
    assert choices["attrs"] == {
        "name": "sentiment",
        "toName": "text",
        "choice": "single",
        "showInline": False,
        "required": False,
    }
    assert [c["attrs"]["value"] for c in choices["children"]] == ["positive", "negative"]
    assert [(c["line"], c["col"]) for c in choices["children"]] == [(5, 5), (6, 5)]


def test_to_json_returns_a_copy():
    spec = parse_config(SENTIMENT)
    spec.to_json()["controls"]["sentiment"]["labels"].append("tampered")
    assert spec.controls["sentiment"]["labels"] == ["positive", "neg"]


def test_every_supported_tag_parses_and_is_marked_supported():
    spec = parse_config(
        view(
            "<Style>.big { font-size: 2em }</Style>",
            '<Header value="Rate it" size="2"/>',
            '<Text name="text" value="$text"/>',
            '<HyperText name="html" value="$html"/>',
            '<View className="big"><Choices name="c" toName="text"><Choice value="a"/></Choices></View>',
            '<TextArea name="note" toName="text" rows="3"/>',
            '<Rating name="stars" toName="html"/>',
            '<Number name="n" toName="text" min="0" max="10" step="0.5"/>',
        )
    )
    assert spec.unsupported == []
    tags = {node["tag"]: node["supported"] for node in node_at(spec)["children"]}
    assert tags == {
        "Style": True,
        "Header": True,
        "Text": True,
        "HyperText": True,
        "View": True,
        "TextArea": True,
        "Rating": True,
        "Number": True,
    }
    assert [c["type"] for c in spec.controls.values()] == ["choices", "textarea", "rating", "number"]


def test_valid_label_studio_tags_nblabel_cannot_draw_become_placeholders():
    spec = parse_config(
        view(
            '<Image name="img" value="$url"/>',
            '<RectangleLabels name="box" toName="img"><Label value="Cat"/></RectangleLabels>',
            '<Choices name="c" toName="img"><Choice value="ok"/></Choices>',
        )
    )
    assert spec.unsupported == ["Image", "RectangleLabels"]
    assert [n["supported"] for n in node_at(spec)["children"]] == [False, False, True]
    assert spec.controls["box"]["type"] == "rectanglelabels" and spec.controls["box"]["supported"] is False


def test_tag_and_attribute_names_are_case_insensitive_with_canonical_output():
    spec = parse_config(
        '<view><text NAME="t" value="$t"/><CHOICES name="c" toname="t" showInLine="true">'
        '<choice value="x"/></CHOICES><audioplus name="a" value="$a"/></view>'
    )
    assert [n["tag"] for n in node_at(spec)["children"]] == ["Text", "Choices", "Audio"]
    assert node_at(spec, 1)["attrs"]["showInline"] is True and node_at(spec, 1)["attrs"]["toName"] == "t"
    assert spec.controls["c"]["toName"] == ["t"]


def test_registry_defaults_are_filled_in():
    spec = parse_config(
        view('<Text name="t" value="$t"/>', '<Rating name="r" toName="t"/>', '<TextArea name="a" toName="t"/>')
    )
    assert node_at(spec, 1)["attrs"] == {
        "name": "r",
        "toName": "t",
        "maxRating": 5,
        "defaultValue": 0,
        "size": "medium",
        "icon": "star",
        "required": False,
    }
    assert node_at(spec, 2)["attrs"]["rows"] == 1 and node_at(spec, 2)["attrs"]["editable"] is False


def test_booleans_and_numbers_are_typed_but_values_stay_text():
    spec = parse_config(
        view(
            '<Text name="t" value="true"/>',
            '<Choices name="c" toName="t" required="true" perRegion="false" custom="true" note="5" hint="true">'
            '<Choice value="false" alias="true" hotkey="0"/></Choices>',
            '<Number name="n" toName="t" min="-2" max="1e3" step="0.25"/>',
        )
    )
    assert node_at(spec, 0)["attrs"]["value"] == "true"
    attrs = node_at(spec, 1)["attrs"]
    assert (attrs["required"], attrs["perRegion"], attrs["custom"], attrs["note"]) == (True, False, True, "5")
    assert attrs["hint"] == "true"  # free-text attributes stay text even when the registry does not list them
    assert node_at(spec, 1, 0)["attrs"] == {"value": "false", "alias": "true", "hotkey": "0"}
    number = node_at(spec, 2)["attrs"]
    assert (number["min"], number["max"], number["step"]) == (-2, 1000.0, 0.25)
    assert isinstance(number["min"], int)
    assert spec.controls["c"]["required"] is True and spec.controls["c"]["labels"] == ["true"]


def test_a_numeric_attribute_may_come_from_the_task():
    spec = parse_config(view('<Video name="v" value="$url" frameRate="$fps"/>'))
    assert node_at(spec, 0)["attrs"]["frameRate"] == "$fps"
    assert spec.variables == ["url", "fps"]


def test_style_keeps_its_css_text_without_comments():
    spec = parse_config(view("<Style>.a { color: red }<!-- note --> .b { margin: 0 }</Style>"))
    assert node_at(spec, 0)["text"] == ".a { color: red } .b { margin: 0 }"
    assert "text" not in node_at(spec)


def test_header_may_carry_variables_in_its_value_or_its_text():
    spec = parse_config(
        view('<Header value="Review of $product by $author.name"/>', "<Header>Score: $score[0]</Header>")
    )
    assert spec.variables == ["product", "author", "score"]
    assert node_at(spec, 1)["attrs"]["value"] == "Score: $score[0]"


def test_variables_come_from_objects_headers_and_dynamic_options_in_first_use_order():
    spec = parse_config(
        view(
            '<Text name="a" value="$body"/>',
            '<Paragraphs name="p" value="$dialog" audioUrl="$audio"/>',
            '<Choices name="c" toName="a" value="$opts"/>',
            '<TextArea name="x" toName="a" value="$prefill"/>',
            '<Text name="b" value="$body"/>',
            '<Choices name="d" toName="a"><Choice value="$5 off"/></Choices>',
        )
    )
    assert spec.variables == ["body", "dialog", "audio", "opts", "prefill"]
    assert spec.controls["c"]["dynamic"] is True and spec.controls["c"]["labels"] == []
    assert spec.objects["p"]["vars"] == ["dialog", "audio"]


def test_literal_object_values_have_no_variables():
    spec = parse_config(view('<Text name="t" value="Read carefully."/>'))
    assert spec.variables == [] and spec.objects["t"]["vars"] == []


def test_choices_reach_their_control_through_nested_views():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t"><View><Choice value="a"/></View><Choice value="b"/></Choices>',
        )
    )
    assert spec.controls["c"]["labels"] == ["a", "b"]


def test_taxonomy_choices_nest_and_flatten_into_labels():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Taxonomy name="tax" toName="t"><Choice value="Animal">'
            '<Choice value="Cat"/><Choice value="Dog"/></Choice></Taxonomy>',
        )
    )
    assert spec.controls["tax"]["labels"] == ["Animal", "Cat", "Dog"]


def test_to_name_lists_every_target():
    spec = parse_config(
        view('<Text name="a" value="$a"/>', '<Text name="b" value="$b"/>', '<Pairwise name="pw" toName="a, b"/>')
    )
    assert spec.controls["pw"]["toName"] == ["a", "b"]


def test_a_missing_to_name_is_inferred_from_the_single_object_before_the_control():
    spec = parse_config(
        view(
            '<Paragraphs name="dialog" value="$d"/>',
            '<Rating name="likert" maxRating="7"/>',
            '<Text name="later" value="$x"/>',
        )
    )
    assert spec.controls["likert"]["toName"] == ["dialog"]
    assert node_at(spec, 1)["attrs"]["toName"] == "dialog"


def test_a_config_without_controls_is_a_valid_viewer():
    spec = parse_config(view('<Header value="Just look"/>', '<Text name="t" value="$t"/>'))
    assert spec.controls == {} and spec.hotkeys == {} and spec.variables == ["t"]


def test_relations_need_neither_name_nor_to_name():
    spec = parse_config(
        view(
            '<Relations><Relation value="founded"/></Relations>',
            '<Text name="t" value="$t"/>',
            '<Labels name="l" toName="t"><Label value="Org"/></Labels>',
        )
    )
    assert spec.unsupported == []
    assert list(spec.controls) == ["l"]


# ---- hotkeys -----------------------------------------------------------------------------


def many_choices(n: int) -> str:
    return view(
        '<Text name="t" value="$t"/>',
        '<Choices name="c" toName="t">' + "".join(f'<Choice value="v{i}"/>' for i in range(n)) + "</Choices>",
    )


def test_hotkeys_are_auto_assigned_in_label_studio_order_skipping_the_widgets_keys():
    spec = parse_config(many_choices(40))
    keys = list(spec.hotkeys)
    assert "".join(keys) == "1234567890qwetasdfgzxcvbyioplm"  # j, k and n belong to the widget
    assert spec.hotkeys["q"] == {"control": "c", "value": "v10", "action": "select"}
    assert "hotkey" not in node_at(spec, 1, 30)["attrs"]  # the 31st choice gets no key


def test_explicit_hotkeys_come_first_lower_cased_and_are_skipped_by_auto_assignment():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t"><Choice value="a"/><Choice value="b" hotkey="1"/>'
            '<Choice value="c" hotkey="Q"/><Choice value="d"/></Choices>',
        )
    )
    assert spec.hotkeys == {
        "1": {"control": "c", "value": "b", "action": "select"},
        "q": {"control": "c", "value": "c", "action": "select"},
        "2": {"control": "c", "value": "a", "action": "select"},
        "3": {"control": "c", "value": "d", "action": "select"},
    }
    assert node_at(spec, 1, 0)["attrs"]["hotkey"] == "2"


def test_auto_hotkeys_continue_across_controls_and_use_aliases():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="a" toName="t"><Choice value="x" alias="X1"/></Choices>',
            '<Choices name="b" toName="t"><Choice value="y"/></Choices>',
        )
    )
    assert spec.hotkeys == {
        "1": {"control": "a", "value": "X1", "action": "select"},
        "2": {"control": "b", "value": "y", "action": "select"},
    }


def test_taxonomy_choices_get_no_hotkeys():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Taxonomy name="tax" toName="t"><Choice value="a"/></Taxonomy>',
            '<Choices name="c" toName="t"><Choice value="b"/></Choices>',
        )
    )
    assert spec.hotkeys == {"1": {"control": "c", "value": "b", "action": "select"}}


def test_labels_of_controls_nblabel_cannot_draw_keep_label_studio_numbering_but_get_no_entry():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Image name="i" value="$i"/>',
            '<PolygonLabels name="poly" toName="i"><Label value="PER"/><Label value="ORG"/></PolygonLabels>',
            '<Choices name="c" toName="t"><Choice value="ok"/></Choices>',
        )
    )
    assert spec.hotkeys == {"3": {"control": "c", "value": "ok", "action": "select"}}


def test_text_labels_get_hotkeys_in_label_studio_order():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Labels name="ner" toName="t"><Label value="PER"/><Label value="ORG" hotkey="o"/></Labels>',
            '<Choices name="c" toName="t"><Choice value="ok"/></Choices>',
        )
    )
    assert spec.hotkeys == {
        "o": {"control": "ner", "value": "ORG", "action": "select"},
        "1": {"control": "ner", "value": "PER", "action": "select"},
        "2": {"control": "c", "value": "ok", "action": "select"},
    }


def test_a_rating_hotkey_increments_the_rating():
    spec = parse_config(view('<Text name="t" value="$t"/>', '<Rating name="r" toName="t" hotkey="R"/>'))
    assert spec.hotkeys == {"r": {"control": "r", "value": None, "action": "increment"}}


def test_a_rating_without_hotkey_gets_digit_keys_that_set_that_many_stars():
    spec = parse_config(view('<Text name="t" value="$t"/>', '<Rating name="r" toName="t" maxRating="4"/>'))
    assert spec.hotkeys == {str(i): {"control": "r", "value": i, "action": "select"} for i in range(1, 5)}


def test_a_rating_whose_digits_are_taken_gets_one_free_key_that_steps_it():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t"><Choice value="a"/><Choice value="b"/></Choices>',
            '<Rating name="r" toName="t"/>',
            '<Rating name="big" toName="t" maxRating="10"/>',
        )
    )
    assert spec.hotkeys["1"]["control"] == "c" and spec.hotkeys["2"]["control"] == "c"
    assert spec.hotkeys["3"] == {"control": "r", "value": None, "action": "increment"}
    assert spec.hotkeys["4"] == {"control": "big", "value": None, "action": "increment"}


def test_two_ratings_do_not_share_digits():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Rating name="a" toName="t" maxRating="3"/>',
            '<Rating name="b" toName="t" maxRating="3"/>',
        )
    )
    assert [spec.hotkeys[k]["control"] for k in "123"] == ["a", "a", "a"]
    assert [k for k, b in spec.hotkeys.items() if b["control"] == "b"] == ["4"]


def test_a_duplicate_explicit_hotkey_is_an_error():
    err = error_of(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t"><Choice value="a" hotkey="x"/><Choice value="b" hotkey="X"/></Choices>',
        )
    )
    assert str(err) == (
        'line 3:80: hotkey "x" of <Choice value="b"> is already used by <Choice value="a"> '
        "at line 3:32 — give each a different hotkey"
    )


def test_an_explicit_hotkey_may_not_take_the_widgets_navigation_keys():
    err = error_of(
        view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t"><Choice value="a" hotkey="j"/></Choices>')
    )
    assert (err.line, err.col) == (3, 50) and "nblabel's own keys" in err.message


# ---- validation errors: message, line and column -------------------------------------------


def test_unknown_tag_suggests_the_closest_tag():
    err = error_of(
        view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t">', '  <Choise value="a"/>', "</Choices>")
    )
    assert str(err) == "line 4:5: unknown tag <Choise> — did you mean <Choice>?"


def test_unknown_tag_without_a_close_match_points_to_the_reference():
    err = error_of(view("<Blink/>"))
    assert (err.line, err.col, err.hint) == (2, 3, "see Label Studio's tag reference")


def test_the_root_must_be_a_view():
    err = error_of('<Text name="t" value="$t"/>')
    assert str(err) == "line 1:1: the root tag must be <View>, not <Text> — wrap the whole config in <View>…</View>"


def test_a_duplicate_name_points_at_the_second_one():
    err = error_of(view('<Text name="text" value="$a"/>', '<Text name="text" value="$b"/>'))
    assert str(err) == (
        'line 3:9: duplicate name "text": <Text name="text"> and <Text name="text"> at line 2:3 '
        "— every name must be unique; rename one"
    )


def test_to_name_naming_no_tag_suggests_an_object():
    err = error_of(
        view('<Text name="review" value="$r"/>', '<Choices name="c" toName="reveiw"><Choice value="a"/></Choices>')
    )
    assert str(err) == (
        'line 3:21: <Choices name="c"> has toName="reveiw", but no tag is named "reveiw" — did you mean "review"?'
    )


def test_to_name_must_point_at_an_object_tag():
    err = error_of(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="a" toName="t"><Choice value="x"/></Choices>',
            '<TextArea name="b" toName="a"/>',
        )
    )
    assert (err.line, err.col) == (4, 22)
    assert err.message == '<TextArea name="b"> has toName="a", which is <Choices name="a">, not an object tag'


def test_a_control_without_to_name_and_several_objects_is_an_error():
    err = error_of(view('<Text name="a" value="$a"/>', '<Text name="b" value="$b"/>', '<Rating name="r"/>'))
    assert str(err) == 'line 4:3: <Rating name="r"> has no toName — add toName=… naming the object it labels: "a", "b"'


def test_a_control_without_any_object_is_an_error():
    err = error_of(view('<Choices name="c"><Choice value="a"/></Choices>'))
    assert (err.line, err.col) == (2, 3) and "add an object tag" in err.hint


def test_a_choice_outside_choices_is_an_error():
    err = error_of(view('<Text name="t" value="$t"/>', '<Choice value="a"/>'))
    assert str(err) == (
        'line 3:3: <Choice value="a"> must be inside <Choices> or <Taxonomy>, but it is not inside '
        "any of them — move it inside <Choices> or <Taxonomy>"
    )


def test_a_label_inside_choices_is_wrong_nesting():
    err = error_of(
        view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t">', '  <Label value="a"/>', "</Choices>")
    )
    assert (err.line, err.col) == (4, 5)
    assert err.message == (
        '<Label value="a"> must be inside <Labels>, <RectangleLabels> or another *Labels tag, '
        'but it is inside <Choices name="c">'
    )


def test_an_object_needs_a_value():
    err = error_of(view('<Text name="t"/>'))
    assert (
        str(err)
        == 'line 2:3: <Text name="t"> needs a value attribute — point it at a DataFrame column: value="$column"'
    )


def test_an_object_needs_a_name():
    err = error_of(view('<Text value="$t"/>'))
    assert (err.line, err.col, err.message) == (2, 3, "<Text> needs a name attribute")


def test_an_image_may_use_value_list_instead_of_value():
    assert parse_config(view('<Image name="pages" valueList="$pages"/>')).variables == ["pages"]


def test_a_choice_needs_a_value():
    err = error_of(view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t"><Choice/></Choices>'))
    assert (err.line, err.col, err.message) == (3, 32, "<Choice> needs a value attribute")


def test_a_header_needs_a_value_or_text():
    err = error_of(view("<Header/>"))
    assert (err.line, err.col) == (2, 3) and "value attribute (or text inside)" in err.message


def test_choices_without_choices_or_dynamic_options_is_an_error():
    err = error_of(view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t"></Choices>'))
    assert str(err) == (
        'line 3:3: <Choices name="c"> has no <Choice> inside — add <Choice value="…"/> children, '
        'or load them from the task with value="$options"'
    )


def test_labels_without_labels_is_an_error_even_though_nblabel_cannot_draw_them():
    err = error_of(view('<Text name="t" value="$t"/>', '<Labels name="l" toName="t"/>'))
    assert (err.line, err.col) == (3, 3) and "has no <Label> inside" in err.message


def test_a_bad_enum_value_lists_the_allowed_ones():
    err = error_of(
        view('<Text name="t" value="$t"/>', '<Choices name="c" toName="t" choice="many"><Choice value="a"/></Choices>')
    )
    assert str(err) == (
        'line 3:32: choice="many" on <Choices name="c"> is not allowed — use one of: single, single-radio, multiple'
    )


def test_a_misspelled_enum_value_gets_a_suggestion():
    err = error_of(
        view(
            '<Text name="t" value="$t"/>', '<Choices name="c" toName="t" choice="multple"><Choice value="a"/></Choices>'
        )
    )
    assert err.hint.startswith('did you mean choice="multiple"?')


def test_enum_values_are_case_insensitive():
    spec = parse_config(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t" choice="Multiple"><Choice value="a"/></Choices>',
        )
    )
    assert spec.controls["c"]["choice"] == "multiple"


def test_a_non_numeric_number_attribute_is_an_error():
    err = error_of(view('<Text name="t" value="$t"/>', '<Rating name="r" toName="t"', '        maxRating="lots"/>'))
    assert str(err) == 'line 4:11: maxRating="lots" on <Rating name="r"> is not a number — e.g. maxRating="5"'


def test_a_non_boolean_flag_is_an_error():
    err = error_of(view('<Text name="t" value="$t"/>', '<TextArea name="a" toName="t" required="yes"/>'))
    assert (err.line, err.col) == (3, 33)
    assert err.hint == 'use required="true" or required="false"'


def test_the_same_attribute_in_two_spellings_is_an_error():
    err = error_of(
        view(
            '<Text name="t" value="$t"/>',
            '<Choices name="c" toName="t" showInline="true" showinline="false"><Choice value="a"/></Choices>',
        )
    )
    assert (err.line, err.col) == (3, 50) and "twice" in err.message


# ---- binding variables to DataFrame columns -------------------------------------------------


def test_bind_maps_each_variable_to_the_column_of_the_same_name():
    spec = parse_config(SENTIMENT)
    assert spec.bind(["review", "title", "extra"]) == {"title": "title", "review": "review"}


def test_an_explicit_mapping_wins_over_same_named_columns():
    spec = parse_config(SENTIMENT)
    assert spec.bind(["review", "body", "title"], {"review": "body"}) == {"title": "title", "review": "body"}
    assert spec.bind(["body", "title"], {"$review": "body"})["review"] == "body"


def test_a_variable_without_a_column_names_the_tag_and_the_closest_columns():
    spec = parse_config('<View>\n  <Text name="text" value="$reviw"/>\n</View>')
    with pytest.raises(ConfigError) as info:
        spec.bind(["review", "id"])
    assert str(info.value) == (
        "line 2:3: <Text name=\"text\"> uses $reviw but the DataFrame has no column 'reviw' "
        "— closest: 'review'. Pass columns={'reviw': ...} to map it."
    )


def test_a_variable_with_nothing_close_lists_the_columns():
    spec = parse_config(view('<Text name="t" value="$zzz"/>'))
    with pytest.raises(ConfigError, match=r"columns: 'a', 'b'\. Pass columns=\{'zzz': \.\.\.\}"):
        spec.bind(["a", "b"])


def test_a_mapping_to_a_missing_column_is_an_error():
    spec = parse_config(SENTIMENT)
    with pytest.raises(ConfigError, match=r"maps \$review to 'bdy', but the DataFrame has no column 'bdy'.*'body'"):
        spec.bind(["body", "title"], {"review": "bdy"})


def test_a_mapping_for_a_variable_the_config_does_not_use_is_an_error():
    spec = parse_config(SENTIMENT)
    with pytest.raises(
        ConfigError, match=r"columns maps \$revew, but the config does not use \$revew .* \$title, \$review"
    ):
        spec.bind(["review", "title"], {"revew": "review"})


def test_bind_accepts_non_string_column_labels():
    spec = parse_config(view('<Text name="t" value="$0abc"/>', '<Header value="$year"/>'))
    assert spec.variables == ["year"]  # "$0abc" is not a variable: names start with a letter or _
    assert spec.bind([2024, "year"]) == {"year": "year"}
    assert parse_config(view('<Header value="$y"/>')).bind([7], {"y": 7}) == {"y": 7}


# ---- several mistakes: one error listing all of them ---------------------------------------


def test_every_mistake_is_reported_at_once_in_line_order():
    err = error_of(
        view(
            '<Text name="t" value="$t"/>',  # line 2
            '<Choices name="c" toName="t" choice="many">',  # line 3: bad enum
            '  <Choice value="a" hotkey="j"/>',  # line 4: reserved hotkey
            "</Choices>",
            '<Rating name="c" toName="nope"/>',  # line 6: duplicate name, bad toName
            "<Choise/>",
        )
    )  # line 7: unknown tag
    where = [(e.line, e.col) for e in err.errors]
    assert where == sorted(where) and len(where) == 5
    assert [e.line for e in err.errors] == [3, 4, 6, 6, 7]
    assert (err.line, err.message) == (err.errors[0].line, err.errors[0].message)  # the first one leads
    assert str(err).splitlines() == [e.summary for e in err.errors]


def test_a_misspelled_tag_does_not_cascade_into_errors_about_its_children():
    err = error_of(
        view('<Text name="t" value="$t"/>', '<Choicse name="c" toName="t">', '  <Choice value="a"/>', "</Choicse>")
    )
    assert [e.message for e in err.errors] == ["unknown tag <Choicse>"]


def test_a_single_mistake_reads_exactly_as_before():
    err = error_of(view('<Text name="t" value="$t"/>', "<Choise/>"))
    assert err.errors == [err] and str(err) == err.summary


def test_several_mistakes_survive_pickling():
    import pickle

    err = error_of(view("<Choise/>", "<Blink/>"))
    again = pickle.loads(pickle.dumps(err))
    assert [e.summary for e in again.errors] == [e.summary for e in err.errors]


def test_bind_reports_every_missing_column():
    spec = parse_config(view('<Text name="t" value="$review"/>', '<Header value="$title"/>'))
    with pytest.raises(ConfigError) as info:
        spec.bind(["reviews"])
    assert [e.message.split(" uses ")[1].split()[0] for e in info.value.errors] == ["$review", "$title"]
    assert "columns={'review': ...}" in str(info.value)
