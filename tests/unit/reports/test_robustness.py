"""The robustness report: seeded rewrites of the in-scope messages, scored beside the originals."""

import pytest

from nlu import Dataset, DataError, Example
from nlu.reports.robustness import PERTURBATIONS, perturb, robustness_report

TEXT = "Pesanan saya belum sampai padahal sudah lima hari"


@pytest.mark.parametrize("kind", PERTURBATIONS)
def test_each_perturbation_rewrites_and_repeats(kind):
    rewritten = perturb(TEXT, kind, seed=4)
    assert rewritten != TEXT
    assert perturb(TEXT, kind, seed=4) == rewritten  # seeded: the report repeats


def test_perturbations_do_what_they_say():
    assert perturb(TEXT, "case_and_punctuation", seed=0).strip("!? ").lower() == TEXT.lower()
    assert "order" in perturb("pesanan saya", "code_mixing", seed=0) or \
        "order" in perturb("pesanan saya", "code_mixing", seed=1)
    assert perturb("my order please", "code_mixing", "en", seed=2) != "my order please"
    chatter = perturb(TEXT, "chatter", seed=0)
    assert TEXT in chatter and len(chatter) > len(TEXT) + 10
    english = perturb("my package has not arrived", "chatter", "en", seed=0)
    assert english.isascii()
    with pytest.raises(ValueError, match="unknown perturbation 'emoji'"):
        perturb(TEXT, "emoji")


def test_the_report_scores_each_perturbation_against_the_original(fast_model):
    data = Dataset((Example("batalin pesanan dong", "cancel_order", "id"),
                    Example("I want a refund", "refund_return", "en"),
                    Example("resep nasi goreng", None, "id")))
    report = robustness_report(fast_model, data)
    assert list(report.perturbation) == ["original", *PERTURBATIONS]
    assert (report.n == 2).all()  # in-scope messages only
    assert report.change[0] == 0
    assert ((report.change - (report.in_scope_accuracy - report.in_scope_accuracy[0])).abs()
            < 1e-9).all()
    assert report.example[0] == "batalin pesanan dong"


def test_data_without_in_scope_messages_is_refused(fast_model):
    with pytest.raises(DataError, match="no in-scope message"):
        robustness_report(fast_model, Dataset((Example("resep nasi goreng", None),)))
