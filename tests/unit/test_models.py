"""The model contract: every return shape becomes a validated Label Studio prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nblabel import ConfigSpec, PredictionError, SklearnModel, parse_config
from nblabel.models import as_model, normalize, normalize_batch

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
  <Rating name="stars" toName="text" maxRating="5"/>
</View>"""


@pytest.fixture(scope="module")
def spec() -> ConfigSpec:
    return parse_config(CONFIG)


def choice(label: str) -> dict:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def test_a_plain_label_fills_the_first_choices_control(spec):
    p = normalize(spec, 7, "positive", model_version="m1")
    assert p.task_id == 7 and p.score is None and p.model_version == "m1"
    assert [{k: it[k] for k in ("from_name", "to_name", "type", "value")} for it in p.result] == [choice("positive")]
    assert p.result[0]["origin"] == "prediction"


def test_a_dict_of_scores_gives_the_top_label_its_score_and_the_distribution(spec):
    p = normalize(spec, 1, {"positive": 0.2, "negative": 0.8}, model_version="m1")
    assert p.result[0]["value"] == {"choices": ["negative"]}
    assert p.score == pytest.approx(0.8)
    assert p.probs == {"positive": 0.2, "negative": 0.8}


def test_a_list_of_result_items_is_kept_for_any_control(spec):
    items = [choice("negative"), {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": 4}}]
    p = normalize(spec, 1, items, model_version="m1")
    assert [it["from_name"] for it in p.result] == ["sentiment", "stars"]
    assert p.result[1]["value"] == {"rating": 4}


def test_a_prediction_dict_carries_score_and_model_version(spec):
    p = normalize(spec, 1, {"result": [choice("positive")], "score": 0.9, "model_version": "v3"}, model_version="m1")
    assert p.score == 0.9 and p.model_version == "v3"
    assert p.to_json() == {"result": p.result, "score": 0.9, "model_version": "v3"}


def test_none_is_no_prediction(spec):
    assert normalize(spec, 1, None, model_version="m") is None


def test_a_label_for_a_named_control(spec):
    p = normalize(spec, 1, 3, model_version="m", control="stars")
    assert p.result[0]["value"] == {"rating": 3} and p.result[0]["type"] == "rating"


@pytest.mark.parametrize(
    "answer, words",
    [
        ("neutral", ["task 5", "'neutral'", "'sentiment'", "positive, negative"]),
        ({"positive": 0.5, "meh": 0.5}, ["task 5", "'meh'", "'sentiment'"]),
        ([{**choice("positive"), "from_name": "mood"}], ["task 5", "'mood'", "not a control"]),
        ([{**choice("positive"), "type": "labels"}], ["task 5", "'labels'", "'sentiment'"]),
        ({"result": [choice("positive")], "score": 1.5}, ["task 5", "score", "1.5"]),
        ({"positive": -0.1}, ["task 5", "'positive'", "score"]),
        (object(), ["task 5", "label, a dict of label scores"]),
    ],
)
def test_answers_that_do_not_fit_the_config_name_the_row_and_the_field(spec, answer, words):
    with pytest.raises(PredictionError) as err:
        normalize(spec, 5, answer, model_version="m")
    for w in words:
        assert w in str(err.value)


def test_a_batch_needs_one_prediction_per_row(spec):
    rows = pd.DataFrame({"review": ["a", "b", "c"]}, index=[10, 11, 12])
    preds = normalize_batch(spec, rows, ["positive", None, np.str_("negative")], model_version="m")
    assert [p.task_id for p in preds] == [10, 12]
    with pytest.raises(PredictionError, match="returned 2 predictions for 3 rows"):
        normalize_batch(spec, rows, ["positive", "negative"], model_version="m")
    with pytest.raises(PredictionError, match="one prediction per row"):
        normalize_batch(spec, rows, "positive", model_version="m")


def test_a_scikit_learn_pipeline_predicts_score_dicts():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    df = pd.DataFrame({"review": ["good great", "bad awful", "great fun", "awful boring"]}, index=["a", "b", "c", "d"])
    model = SklearnModel(make_pipeline(TfidfVectorizer(), LogisticRegression()), column="review")
    assert model(df) == [None] * 4  # not fitted yet: no predictions, no error
    model.fit(df, ["positive", "negative", "positive", "negative"])
    out = model(df)
    assert set(out[0]) == {"positive", "negative"} and out[0]["positive"] > 0.5 > out[1]["positive"]
    assert model.model_version == "Pipeline-1"


def test_an_estimator_is_wrapped_on_the_configs_one_column():
    from sklearn.linear_model import LogisticRegression

    m = as_model(LogisticRegression(), ["review"])
    assert isinstance(m, SklearnModel) and m.column == "review"
    with pytest.raises(ValueError, match="SklearnModel"):
        as_model(LogisticRegression(), ["a", "b"])
    with pytest.raises(TypeError, match="callable"):
        as_model(42)
