"""Configs on the edge of what Label Studio 1.23.2 accepts, each with what its server says.

Shared by tests/unit/test_config_strictness.py (nblabel's verdict, no server needed) and
tests/server/test_config_agreement.py (the same configs sent to ``POST /api/projects/validate/``
of a real server). ``server`` is the server's verdict, checked against a live server by the
second test; ``nblabel`` is nblabel's, and where they differ ``why`` says what the editor does
with a config the server lets through (the server validates far less than the editor).
"""

from __future__ import annotations

from dataclasses import dataclass

T = '<Text name="text" value="$text"/>'


@dataclass(frozen=True)
class Case:
    id: str
    xml: str
    server: bool  # True = the server accepts it (204)
    nblabel: bool  # True = parse_config accepts it
    why: str = ""  # required where server != nblabel


CASES = [
    # toName: the server's schema requires it on Choices/Labels/TextArea/Number under <View>s...
    Case("choices-no-toname", f'<View>{T}<Choices name="c"><Choice value="a"/></Choices></View>', False, False),
    Case(
        "choices-in-views-no-toname",
        f'<View>{T}<View><View><Choices name="c"><Choice value="a"/></Choices></View></View></View>',
        False,
        False,
    ),
    Case("labels-no-toname", f'<View>{T}<Labels name="l"><Label value="a"/></Labels></View>', False, False),
    Case("textarea-no-toname", f'<View>{T}<TextArea name="ta"/></View>', False, False),
    Case("number-no-toname", f'<View>{T}<Number name="n"/></View>', False, False),
    # ... and nowhere else: the editor then takes the single object tag before the control.
    Case("rating-no-toname", f'<View>{T}<Rating name="r"/></View>', True, True),
    Case("taxonomy-no-toname", f'<View>{T}<Taxonomy name="t"><Choice value="a"/></Taxonomy></View>', True, True),
    Case("datetime-no-toname", f'<View>{T}<DateTime name="d"/></View>', True, True),
    Case("ranker-no-toname", '<View><List name="l" value="$items"/><Ranker name="r"/></View>', True, True),
    Case(
        "choices-in-collapse-no-toname",
        f'<View>{T}<Collapse><Panel value="p"><Choices name="c">'
        '<Choice value="a"/></Choices></Panel></Collapse></View>',
        True,
        True,
    ),
    Case(
        "rating-no-toname-two-objects",
        f'<View>{T}<Text name="t2" value="$t2"/><Rating name="r"/></View>',
        True,
        False,
        "the editor cannot pick one of two objects: the rating would label nothing",
    ),
    Case("rating-no-toname-no-object", '<View><Rating name="r"/></View>', True, False, "no object tag to label"),
    Case(
        "pairwise-no-toname",
        f'<View>{T}<Text name="t2" value="$t2"/><Pairwise name="p"/></View>',
        True,
        False,
        "the editor's Pairwise splits toName and fails without one",
    ),
    Case(
        "pairwise-one-toname",
        f'<View>{T}<Pairwise name="p" toName="text"/></View>',
        True,
        False,
        "the editor shows 'Incorrect toName parameter on Pairwise, must be two names'",
    ),
    Case(
        "pairwise-two",
        f'<View>{T}<Text name="t2" value="$t2"/><Pairwise name="p" toName="text,t2"/></View>',
        True,
        True,
    ),
    Case("chat-no-toname", '<View><Chat name="chat" value="$chat"/></View>', True, True),
    # items: Choices/Labels need Choice/Label children, a value, or a View child; Taxonomy nothing.
    Case("choices-no-children", f'<View>{T}<Choices name="c" toName="text"/></View>', False, False),
    Case("labels-no-children", f'<View>{T}<Labels name="c" toName="text"/></View>', False, False),
    Case(
        "choices-view-child",
        f'<View>{T}<Choices name="c" toName="text"><View><Choice value="a"/></View></Choices></View>',
        True,
        True,
    ),
    Case("choices-empty-view-child", f'<View>{T}<Choices name="c" toName="text"><View/></Choices></View>', True, True),
    Case("taxonomy-no-children", f'<View>{T}<Taxonomy name="c" toName="text"/></View>', True, True),
    Case("dynamic-choices", f'<View>{T}<Choices name="c" toName="text" value="$options"/></View>', True, True),
    Case("choice-no-value", f'<View>{T}<Choices name="c" toName="text"><Choice/></Choices></View>', False, False),
    # names and targets
    Case("text-no-value", '<View><Text name="text"/></View>', False, False),
    Case("text-no-name", '<View><Text value="$t"/></View>', False, False),
    Case(
        "duplicate-name",
        f'<View>{T}<Choices name="text" toName="text"><Choice value="a"/></Choices></View>',
        False,
        False,
    ),
    Case(
        "toname-missing-target",
        f'<View>{T}<Choices name="c" toName="txt"><Choice value="a"/></Choices></View>',
        False,
        False,
    ),
    Case(
        "toname-names-a-control",
        f'<View>{T}<Choices name="c" toName="text"><Choice value="a"/></Choices>'
        '<TextArea name="ta" toName="c"/></View>',
        True,
        False,
        "the editor only lets a TextArea control object tags (ERR_TAG_UNSUPPORTED)",
    ),
    Case(
        "filter-names-a-control",
        f'<View>{T}<Filter toName="c"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>',
        True,
        True,
    ),
    # attribute types and tags: the server does not look, the editor does
    Case(
        "bad-boolean",
        f'<View>{T}<Choices name="c" toName="text" required="maybe"><Choice value="a"/></Choices></View>',
        True,
        False,
        "the editor rejects it (ERR_BAD_TYPE)",
    ),
    Case(
        "bad-enum",
        f'<View>{T}<Choices name="c" toName="text" choice="many"><Choice value="a"/></Choices></View>',
        True,
        False,
        "the editor rejects it (ERR_BAD_TYPE)",
    ),
    Case("unknown-tag", f"<View>{T}<Foo/></View>", True, False, "the editor rejects it (ERR_UNKNOWN_TAG)"),
    Case(
        "label-outside-labels",
        f'<View>{T}<Label value="a"/></View>',
        True,
        False,
        "the editor rejects it (ERR_PARENT_TAG_UNEXPECTED)",
    ),
    Case(
        "header-no-value",
        f"<View>{T}<Header/></View>",
        True,
        False,
        "the editor requires Header's value (ERR_REQUIRED)",
    ),
    Case("root-not-view", '<Choices name="c" toName="text"><Choice value="a"/></Choices>', False, False),
]
