import matplotlib

matplotlib.use("Agg")  # headless; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nlu import Dataset, Example, evaluate  # noqa: E402
from nlu.reports.analysis import sweep_thresholds  # noqa: E402
from nlu.reports.plots import (  # noqa: E402
    plot_confidence_histograms,
    plot_examples_per_intent,
    plot_length_distribution,
    plot_threshold_sweep,
)

HELD_OUT = Dataset((
    Example("halo kak selamat siang", "greeting", "id"),
    Example("mau batalin order dong", "cancel_order", "mixed"),
    Example("where is my parcel", "track_order", "en"),
    Example("mau ngomong sama cs", "refund_return", "id"),  # labelled wrong on purpose
    Example("resep rendang padang", None, "id"),
))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def report(fast_model):
    return evaluate(fast_model, HELD_OUT)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_examples_per_intent_stacks_languages(tiny_dataset):
    frame = tiny_dataset.to_frame()
    ax = plot_examples_per_intent(frame)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert set(labels) == set(frame.intent.dropna()) | {"out_of_scope"}
    assert labels[-1] == "out_of_scope"  # the largest group ends up on top
    # Languages stack in a fixed order; the out-of-scope examples have none.
    assert legend_texts(ax) == ["id", "en", "mixed", "(unknown)"]
    widths = {}
    for container, lang in zip(ax.containers, legend_texts(ax)):
        widths[lang] = [bar.get_width() for bar in container]
    totals = [sum(w[i] for w in widths.values()) for i in range(len(labels))]
    expected = frame.intent.fillna("out_of_scope").value_counts()
    assert totals == [expected[label] for label in labels]


def test_examples_per_intent_draws_on_a_given_axes(tiny_dataset):
    _, ax = plt.subplots()
    assert plot_examples_per_intent(tiny_dataset.to_frame(), ax=ax) is ax


def test_length_distribution_one_outline_per_language():
    frame = pd.DataFrame({"text": ["a b", "a b c", "a", "hello there world", "x y z w"],
                          "lang": ["id", "id", "en", "en", None]})
    ax = plot_length_distribution(frame)
    assert legend_texts(ax) == ["id (n=2, median 2.5)", "en (n=2, median 2)",
                                "(unknown) (n=1, median 4)"]
    assert ax.get_xlabel() == "message length (words)"
    chars = plot_length_distribution(frame, unit="chars")
    assert chars.get_xlabel() == "message length (chars)"
    with pytest.raises(ValueError, match="unit must be"):
        plot_length_distribution(frame, unit="tokens")


def test_confidence_histograms_right_wrong_and_out_of_scope(report):
    ax = plot_confidence_histograms(report, threshold=0.3)
    assert legend_texts(ax) == ["right (n=3)", "wrong intent (n=1)", "out of scope (n=1)",
                                "threshold 0.30"]
    assert ax.get_yscale() == "log"
    assert plot_confidence_histograms(report).get_legend().get_texts()[-1].get_text() \
        == "out of scope (n=1)"


def test_threshold_sweep_lines_and_the_chosen_threshold(fast_model):
    sweep = sweep_thresholds(fast_model, HELD_OUT)
    ax = plot_threshold_sweep(sweep, chosen=0.4)
    assert legend_texts(ax) == ["in-scope accuracy", "out-of-scope recall",
                                "in-scope false reject", "overall accuracy", "chosen 0.40"]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == sweep.threshold.tolist()
    assert list(line.get_ydata()) == sweep.in_scope_accuracy.tolist()


def test_threshold_sweep_without_out_of_scope_data(fast_model):
    sweep = sweep_thresholds(fast_model, Dataset(HELD_OUT.examples[:3]), thresholds=[0, 0.5])
    assert "out-of-scope recall" not in legend_texts(plot_threshold_sweep(sweep))
