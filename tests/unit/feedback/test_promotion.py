"""Promotion: a candidate replaces the current model only when it is not worse."""

import shutil

import pytest

from nlu import Dataset, Example, save_model
from nlu.errors import ArtifactError
from nlu.feedback.promotion import Promotion, compare_models, promote
from nlu.reports.evaluation import EvaluationReport

TEST = Dataset((Example("batalin pesanan dong", "cancel_order"),
                Example("mau refund dana saya", "refund_return"),
                Example("halo kak", "greeting"),
                Example("resep nasi goreng yang enak", None)))


def _report(**metrics):
    return EvaluationReport(metrics, *([None] * 5))


def test_no_current_model_accepts_the_candidate():
    promotion = Promotion(_report(accuracy=0.2), None, max_drop=0.01)
    assert promotion.accepted and promotion.refusals == []
    assert promotion.to_frame().loc["accuracy", "candidate"] == 0.2


def test_a_drop_within_the_allowance_is_accepted_beyond_it_refused_with_the_figures():
    current = _report(accuracy=0.90, route_accuracy=0.9)
    assert Promotion(_report(accuracy=0.895, route_accuracy=0.9), current, 0.01).accepted
    refused = Promotion(_report(accuracy=0.85, route_accuracy=0.9), current, 0.01)
    assert refused.refusals == ["the candidate's accuracy 0.8500 is more than 0.01 below the "
                                "current model's 0.9000"]


def test_a_candidate_that_cannot_route_is_refused_for_that_not_for_accuracy():
    refused = Promotion(_report(accuracy=0.95), _report(accuracy=0.90, route_accuracy=0.9),
                        0.01)
    assert refused.refusals == ["the current model routes and the candidate cannot (it was "
                                "trained without the YAML that declares the routes)"]


def test_the_frame_shows_both_and_the_difference():
    frame = Promotion(_report(accuracy=0.8, macro_f1=0.7),
                      _report(accuracy=0.9, macro_f1=0.6), 0.01).to_frame()
    assert list(frame.columns) == ["current", "candidate", "difference"]
    assert frame.loc["accuracy", "difference"] == pytest.approx(-0.1)
    assert frame.loc["macro_f1", "difference"] == pytest.approx(0.1)


def test_compare_and_promote_move_the_link(fast_model, tmp_path):
    candidate = save_model(fast_model, tmp_path / "candidate")
    link = tmp_path / "current"
    first = compare_models(candidate, link, TEST)
    assert first.current is None and promote(first, candidate, link)
    assert link.resolve() == candidate.resolve()
    worse = save_model(fast_model.with_thresholds(threshold=1.0), tmp_path / "worse")
    refused = compare_models(worse, link, TEST)
    assert not promote(refused, worse, link)
    assert link.resolve() == candidate.resolve()


def test_a_broken_candidate_is_never_promoted(saved_model_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(saved_model_dir, broken)
    (broken / "pipeline.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ArtifactError):
        compare_models(broken, tmp_path / "current", TEST)
    assert not (tmp_path / "current").exists()
