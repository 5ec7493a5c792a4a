"""Agreement, majority vote and everyone's labels in one DataFrame.

Every coefficient is checked against a published worked example (cited at each test), then for
properties every agreement measure must have: perfect agreement is 1, renaming the labels
changes nothing, and an undefined agreement is NaN with a reason, never 1.0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import nblabel
from nblabel import Labeler, Store
from nblabel.quality.agreement import iou, match_regions
from nblabel.quality.votes import winner

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>"""


def long(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["task_id", "annotator", "value"])


def from_columns(**raters) -> pd.DataFrame:
    """Long form from one list per annotator (None: that annotator did not label the item)."""
    return long([(i, name, v) for name, col in raters.items() for i, v in enumerate(col) if v is not None])


def cells(series: pd.Series) -> list:
    """Values of a column with every missing marker (None, NaN, NA) read as None."""
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v for v in series.tolist()]


def choice(label: str) -> list[dict]:
    return [{"id": "c", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


# ---- worked examples --------------------------------------------------------------------------


def cohen_example() -> pd.DataFrame:
    # Wikipedia, "Cohen's kappa", Example: 50 proposals read by A and B; both "yes" 20, A yes and
    # B no 5, A no and B yes 10, both "no" 15. p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    return from_columns(A=[a for a, _ in pairs], B=[b for _, b in pairs])


def test_cohen_kappa_matches_the_wikipedia_worked_example():
    result = nblabel.agreement(cohen_example(), metric="cohen")
    assert result.value == pytest.approx(0.4)
    assert result.n_items == 50 and result.annotators == ["A", "B"]
    assert result.per_pair == {("A", "B"): pytest.approx(0.4)}
    # the confusion matrix is the example's table: rows A, columns B
    conf = result.confusion
    assert conf.loc["yes", "yes"] == 20 and conf.loc["yes", "no"] == 5 and conf.loc["no", "yes"] == 10
    assert conf.index.name == "A" and conf.columns.name == "B"


def test_percent_agreement_of_the_cohen_example_is_p_o():
    assert nblabel.agreement(cohen_example(), metric="percent").value == pytest.approx(0.7)


# Wikipedia, "Fleiss' kappa", Worked example: 14 raters sort 10 subjects into 5 categories;
# P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def fleiss_example() -> pd.DataFrame:
    rows = []
    for i, counts in enumerate(FLEISS_TABLE):
        labels = [c for c, n in enumerate(counts, start=1) for _ in range(n)]
        rows += [(i, f"r{j}", f"cat{label}") for j, label in enumerate(labels)]
    return long(rows)


def test_fleiss_kappa_matches_the_wikipedia_worked_example():
    result = nblabel.agreement(fleiss_example(), metric="fleiss")
    assert result.value == pytest.approx(0.210, abs=5e-4)
    assert result.n_items == 10 and len(result.annotators) == 14


def test_auto_picks_fleiss_for_many_annotators_who_labeled_everything():
    assert nblabel.agreement(fleiss_example()).metric == "fleiss"
    assert nblabel.agreement(cohen_example()).metric == "cohen"


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section on any number of
# observers with missing data: 4 observers, 12 units, values 1-5. Published alphas: nominal
# 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
K_A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
K_B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
K_C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
K_D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]


@pytest.mark.parametrize(
    "level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_alpha_matches_krippendorffs_published_example(level, published):
    result = nblabel.agreement(from_columns(A=K_A, B=K_B, C=K_C, D=K_D), metric="krippendorff", level=level)
    assert result.value == pytest.approx(published, abs=5e-4)
    assert result.level == level
    assert result.n_items == 11  # unit 12 has a single value: not pairable


def test_auto_picks_krippendorff_when_labels_are_missing():
    assert nblabel.agreement(from_columns(A=K_A, B=K_B, C=K_C, D=K_D)).metric == "krippendorff"


# ---- properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["percent", "cohen", "fleiss", "krippendorff"])
def test_perfect_agreement_is_one(metric):
    labels = ["a", "b", "c", "a", "b", "a"]
    df = from_columns(x=labels, y=labels, z=labels)
    result = nblabel.agreement(df, metric=metric)
    assert result.value == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in result.per_pair.values())


@pytest.mark.parametrize("metric", ["percent", "cohen", "fleiss", "krippendorff"])
def test_renaming_the_labels_changes_nothing(metric):
    df = fleiss_example()
    renamed = df.assign(value=df["value"].map({"cat1": "zz", "cat2": "aa", "cat3": "mm", "cat4": "bb", "cat5": "c"}))
    assert nblabel.agreement(renamed, metric=metric).value == pytest.approx(nblabel.agreement(df, metric=metric).value)


@pytest.mark.parametrize("metric", ["auto", "percent", "cohen", "fleiss", "krippendorff"])
def test_one_annotator_gives_nan_and_says_why_never_one(metric):
    result = nblabel.agreement(from_columns(ana=["a", "b", "a"]), metric=metric)
    assert math.isnan(result.value)
    assert "only 'ana'" in result.reason and "two annotators" in result.reason


@pytest.mark.parametrize("metric", ["cohen", "fleiss", "krippendorff"])
def test_one_label_used_throughout_is_undefined_for_chance_corrected_metrics(metric):
    df = from_columns(x=["a", "a", "a"], y=["a", "a", "a"])
    result = nblabel.agreement(df, metric=metric)
    assert math.isnan(result.value) and "same" in result.reason
    assert nblabel.agreement(df, metric="percent").value == 1.0


def test_annotators_who_share_no_task_give_nan_with_a_reason():
    result = nblabel.agreement(from_columns(x=["a", None], y=[None, "b"]), metric="krippendorff")
    assert math.isnan(result.value) and result.reason == "no task was labeled by two annotators"


def test_per_label_is_the_metric_one_label_against_the_rest():
    result = nblabel.agreement(cohen_example(), metric="cohen")
    # with two labels, "yes vs rest" is the same split as the whole table
    assert result.per_label == {"no": pytest.approx(0.4), "yes": pytest.approx(0.4)}


def test_cohen_with_three_annotators_is_the_mean_of_pairwise_kappas():
    df = from_columns(A=list("aabba"), B=list("abbba"), C=list("aabbb"))
    result = nblabel.agreement(df, metric="cohen")
    assert len(result.per_pair) == 3
    assert result.value == pytest.approx(np.mean(list(result.per_pair.values())))


def test_a_long_frame_without_the_needed_columns_is_refused_by_name():
    with pytest.raises(ValueError, match=r"'annotator'.*to_dataframe\(form='long'\)"):
        nblabel.agreement(pd.DataFrame({"task_id": [1], "value": ["a"]}))


def test_two_values_for_one_task_and_annotator_are_refused():
    with pytest.raises(ValueError, match="several values for task '1'"):
        nblabel.agreement(long([(1, "ana", "a"), (1, "ana", "b"), (1, "ben", "a")]))


def test_unknown_metric_and_level_are_refused():
    with pytest.raises(ValueError, match="metric must be one of"):
        nblabel.agreement(cohen_example(), metric="kappa")
    with pytest.raises(ValueError, match="level must be one of"):
        nblabel.agreement(cohen_example(), metric="krippendorff", level="cardinal")


def test_the_confusion_matrix_plots(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    ax = nblabel.agreement(cohen_example(), metric="cohen").plot()
    assert "kappa" not in ax.get_title() and "cohen = 0.400" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes"]


# ---- regions ----------------------------------------------------------------------------------


def span(start: int, end: int, label: str = "PER") -> dict:
    return {"start": start, "end": end, "labels": [label]}


def box(x: float, y: float, w: float, h: float, label: str = "car") -> dict:
    return {"x": x, "y": y, "width": w, "height": h, "rotation": 0, "rectanglelabels": [label]}


def test_iou_of_spans_and_boxes():
    assert iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 5), (5, 10)) == 0.0


def test_regions_match_one_to_one_by_label_and_best_iou():
    a = [("PER", "span", (0.0, 10.0)), ("PER", "span", (20.0, 30.0))]
    b = [("PER", "span", (1.0, 10.0)), ("ORG", "span", (20.0, 30.0)), ("PER", "span", (0.0, 9.0))]
    # a[0] meets b[0] and b[2] at IoU 0.9 each (one match only, the first); a[1] vs the ORG span: other label
    assert match_regions(a, b) == [(0, 0)]
    assert match_regions(a, b, threshold=0.95) == []


def region_frame(typ: str, regions: dict[tuple[int, str], list[dict]]) -> pd.DataFrame:
    rows = [(t, a, "label", typ, v) for (t, a), vs in regions.items() for v in vs]
    return pd.DataFrame(rows, columns=["task_id", "annotator", "from_name", "type", "value"])


def test_span_f1_counts_matched_spans_over_both_annotators_spans():
    df = region_frame(
        "labels",
        {
            (1, "ana"): [span(0, 5), span(10, 20, "ORG")],
            (1, "ben"): [span(0, 4), span(10, 20, "PER")],  # second: same place, other label -> no match
            (2, "ana"): [span(3, 8)],
            (2, "ben"): [span(3, 8)],
        },
    )
    result = nblabel.agreement(df)
    assert result.metric == "f1"
    # matched: (0,5)~(0,4) IoU 0.8 and (3,8)=(3,8): 2 matches; 3 + 3 spans -> F1 = 4/6
    assert result.value == pytest.approx(4 / 6)
    assert result.per_pair == {("ana", "ben"): pytest.approx(4 / 6)}
    assert result.per_label["ORG"] == 0.0 and result.per_label["PER"] == pytest.approx(4 / 5)
    assert result.n_items == 2


def test_box_f1_uses_the_iou_threshold():
    df = region_frame("rectanglelabels", {(1, "ana"): [box(0, 0, 10, 10)], (1, "ben"): [box(4, 0, 10, 10)]})
    assert nblabel.agreement(df).value == 0.0  # IoU 60/140 < 0.5
    assert nblabel.agreement(df, threshold=0.4).value == 1.0


def test_identical_regions_agree_perfectly_and_one_annotator_is_nan():
    regions = [span(0, 5), span(7, 9, "ORG")]
    assert nblabel.agreement(region_frame("labels", {(1, "a"): regions, (1, "b"): regions})).value == 1.0
    alone = nblabel.agreement(region_frame("labels", {(1, "a"): regions}))
    assert math.isnan(alone.value) and "two annotators" in alone.reason


# ---- majority vote ----------------------------------------------------------------------------


def test_winner_is_the_plurality_and_a_tie_has_no_winner():
    assert winner(["a", "a", "b"]) == ("a", pytest.approx(2 / 3), False)
    assert winner(["a", "b"]) == (None, 0.5, True)
    assert winner([["x", "y"], ["x", "y"], ["y"]])[0] == ["x", "y"]
    assert winner(["a"]) == ("a", 1.0, False)


def test_majority_vote_per_task_with_share_and_tie():
    votes = nblabel.majority_vote(
        long([(1, "a", "pos"), (1, "b", "pos"), (1, "c", "neg"), (2, "a", "pos"), (2, "b", "neg")])
    )
    assert votes.loc["1", "value"] == "pos" and votes.loc["1", "share"] == pytest.approx(2 / 3)
    assert not votes.loc["1", "tie"] and votes.loc["1", "n_votes"] == 3
    assert pd.isna(votes.loc["2", "value"]) and votes.loc["2", "tie"]


# ---- a labeler with several annotators -------------------------------------------------------


@pytest.fixture
def team(tmp_path):
    """Three annotators on one store: task 0 all agree, 1 is 2:1, 2 is a 1:1 tie (c skipped), 3 one vote."""
    df = pd.DataFrame({"review": ["great", "fine", "meh", "bad", "unlabeled"]})
    path = tmp_path / "labels.db"
    with Store(path) as store:
        for who, labels in {
            "ana": ["positive", "positive", "neutral", "negative"],
            "ben": ["positive", "negative", "negative", None],
            "cy": ["positive", "positive", None, None],
        }.items():
            for i, label in enumerate(labels):
                if label is not None:
                    store.save(i, {"review": df.review[i]}, choice(label), annotator=who, lead_time=float(i + 1))
        store.save(2, {"review": "meh"}, [], annotator="cy", was_cancelled=True)
    return Labeler(df, CONFIG, store=path, annotator="ana")


def test_to_dataframe_shows_everyone_resolved_per_task(team):
    wide = team.to_dataframe()
    assert list(wide.columns) == [
        "review",
        "sentiment",
        "sentiment_tie",
        "n_annotators",
        "annotator",
        "annotated_at",
        "lead_time",
        "skipped",
    ]
    assert cells(wide["sentiment"])[:4] == ["positive", "positive", None, "negative"]
    assert wide["sentiment_tie"].tolist()[:4] == [False, False, True, False]
    assert wide["sentiment_tie"].isna().tolist()[4]
    assert wide["n_annotators"].tolist()[:4] == [3, 3, 3, 1] and wide["n_annotators"].isna().tolist()[4]
    assert wide.loc[2, "annotator"] == "ana, ben, cy" and not wide.loc[2, "skipped"]
    assert wide.loc[3, "lead_time"] == 4.0


def test_one_annotators_view_and_the_long_form(team):
    ben = team.to_dataframe(annotator="ben")
    assert ben["sentiment"].tolist()[:3] == ["positive", "negative", "negative"]
    assert "sentiment_tie" not in ben.columns
    rows = team.to_dataframe(form="long")
    assert len(rows) == 9 + 1  # nine choices and cy's skip
    assert set(rows["annotator"]) == {"ana", "ben", "cy"}


def test_agreement_and_vote_read_a_labeler_and_a_store(team):
    from_labeler = nblabel.agreement(team, metric="krippendorff")
    from_store = nblabel.agreement(team.store, metric="krippendorff")
    from_frame = nblabel.agreement(team.to_dataframe(form="long"), metric="krippendorff")
    assert from_labeler.control == "sentiment"
    assert from_labeler.value == pytest.approx(from_store.value) == pytest.approx(from_frame.value)
    assert from_labeler.n_items == 3  # task 3 has a single vote
    votes = nblabel.majority_vote(team)
    assert cells(votes["value"]) == ["positive", "positive", None, "negative"]
    assert votes["tie"].tolist() == [False, False, True, False]


def test_an_unknown_control_is_named(team):
    with pytest.raises(KeyError, match="'topic' is not in the config"):
        nblabel.agreement(team, control="topic")


def test_save_consensus_stores_the_votes_ties_left_out_and_exports_them_as_ground_truth(team, tmp_path):
    assert team.save_consensus() == 3  # tasks 0, 1, 3; task 2 is a tie
    consensus = {a["task_id"]: a for a in team.store.annotations("consensus")}
    assert sorted(consensus) == ["0", "1", "3"]
    assert consensus["1"]["result"] == choice("positive")
    wide = team.to_dataframe()
    assert cells(wide["sentiment"])[:4] == ["positive", "positive", None, "negative"]
    assert wide["n_annotators"].tolist()[:4] == [3, 3, 3, 1]  # consensus is not an annotator
    # a reviewer's fix (a consensus annotation) wins over the vote and is kept by the next save
    team.store.save(2, {"review": "meh"}, choice("neutral"), annotator="consensus")
    assert team.to_dataframe().loc[2, "sentiment"] == "neutral"
    assert not team.to_dataframe().loc[2, "sentiment_tie"]
    assert team.save_consensus() == 0
    # consensus votes are not agreement votes
    assert nblabel.agreement(team, metric="percent").annotators == ["ana", "ben", "cy"]
    from nblabel.export import store_tasks

    truth = {
        t["id"]: [a["ground_truth"] for a in t["annotations"] if a["completed_by"] == "consensus"]
        for t in store_tasks(team.store)
    }
    assert truth[2] == [True]
    assert all(
        not a["ground_truth"]
        for t in store_tasks(team.store)
        for a in t["annotations"]
        if a["completed_by"] != "consensus"
    )


# ---- review -----------------------------------------------------------------------------------


def test_review_sample_by_random_annotator_and_low_agreement_is_stored_and_seeded(team):
    assert team.review_sample(rate=0.5, by="random", seed=1) == team.review_sample(rate=0.5, by="random", seed=1)
    assert len(team.review_sample(rate=0.5, by="random", seed=1)) == 2  # half of the 4 labeled tasks
    flagged = team.review_sample(rate=0.25, by="low_agreement", control="sentiment")
    assert flagged == [2]  # the tie is the weakest vote
    reviews = team.store.reviews()
    assert reviews["2"]["state"] == "pending" and reviews["2"]["reason"] in ("random", "low_agreement")


def test_review_sample_by_annotator_checks_everyone(team):
    chosen = team.review_sample(rate=0.01, by="annotator", seed=0)  # one task of each annotator
    assert 1 <= len(chosen) <= 3
    labelled_by = {
        a["annotator"]
        for a in team.store.annotations()
        if a["task_id"] in {str(c) for c in chosen} and not a["was_cancelled"]
    }
    assert labelled_by == {"ana", "ben", "cy"}


def test_review_decisions_show_in_the_dataframe_and_the_export(team):
    assert "review_state" not in team.to_dataframe().columns  # nothing flagged yet
    team.review_sample(rate=1.0, by="low_agreement")
    team.review(0, "accept")
    team.review(1, "reject", comment="ben is right: 'fine' is lukewarm")
    team.review(2, "fix", result=choice("neutral"))
    wide = team.to_dataframe()
    assert cells(wide["review_state"]) == ["accepted", "rejected", "fixed", "pending", None]
    assert wide.loc[1, "review_comment"].startswith("ben is right")
    assert wide.loc[2, "sentiment"] == "neutral" and not wide.loc[2, "sentiment_tie"]  # the fix wins
    assert "review_state" in team.to_dataframe(annotator="ana").columns
    from nblabel.export import store_tasks

    meta = {t["id"]: t.get("meta", {}) for t in store_tasks(team.store)}
    assert meta[3]["needs_review"] and not meta[0]["needs_review"]
    assert meta[1]["nblabel_review"]["state"] == "rejected" and meta[1]["nblabel_review"]["reviewer"] == "ana"


def test_bad_review_input_is_refused_clearly(team):
    with pytest.raises(ValueError, match="rate must be in"):
        team.review_sample(rate=0)
    with pytest.raises(ValueError, match="by must be one of"):
        team.review_sample(by="loudest")
    with pytest.raises(ValueError, match="needs the corrected result"):
        team.review(0, "fix")
    with pytest.raises(KeyError, match="not in this labeler"):
        team.review(99, "accept")
    from nblabel.results import ResultError

    with pytest.raises(ResultError):
        team.review(0, "fix", result=choice("ecstatic"))
