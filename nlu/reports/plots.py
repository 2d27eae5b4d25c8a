"""Matplotlib charts of the data and of evaluation results, for the notebooks.

Each function draws on ``ax`` (a new figure when None) and returns the Axes. The confusion
matrix heatmap is :meth:`nlu.reports.evaluation.EvaluationReport.plot_confusion`.
"""

__all__ = ["plot_examples_per_intent", "plot_length_distribution",
           "plot_confidence_histograms", "plot_threshold_sweep"]

import numpy as np

from ..vocabulary import OUT_OF_SCOPE

UNKNOWN_LANG = "(unknown)"
_LANG_ORDER = ("id", "en", "mixed", UNKNOWN_LANG)


def plot_examples_per_intent(frame, ax=None):
    """Horizontal bars of examples per intent, stacked by language.

    Parameters
    ----------
    frame : DataFrame
        With ``intent`` and ``lang`` columns, e.g. :meth:`nlu.data.dataset.Dataset.to_frame`;
        a missing intent is out of scope, a missing language shows as "(unknown)".
    ax : matplotlib Axes, optional
    """
    counts = (frame.assign(intent=frame.intent.fillna(OUT_OF_SCOPE),
                           lang=frame.lang.fillna(UNKNOWN_LANG))
              .groupby(["intent", "lang"]).size().unstack(fill_value=0))
    counts = counts[[c for c in _LANG_ORDER if c in counts]
                    + sorted(c for c in counts if c not in _LANG_ORDER)]
    counts = counts.loc[counts.sum(axis=1).sort_values(kind="stable").index]
    if ax is None:
        ax = _axes(figsize=(8, 1.5 + 0.3 * len(counts)))
    left = np.zeros(len(counts))
    for lang in counts:
        ax.barh(counts.index, counts[lang], left=left, label=lang)
        left += counts[lang].to_numpy()
    for y, total in enumerate(left):
        ax.text(total, y, f" {int(total)}", va="center", fontsize=8)
    ax.set_xlabel("examples")
    ax.set_title("Examples per intent and language")
    ax.legend(title="lang", loc="lower right")
    ax.margins(x=0.08)
    return ax


def plot_length_distribution(frame, ax=None, unit="words", bins=None):
    """Histograms of message length, one outline per language.

    Parameters
    ----------
    frame : DataFrame
        With ``text`` and ``lang`` columns.
    unit : {"words", "chars"}
        Count whitespace-separated words or characters.
    bins : int or sequence, optional
        Default: one bin per word count (up to 80 of them), else 30 bins.
    """
    if unit not in ("words", "chars"):
        raise ValueError(f"unit must be 'words' or 'chars', got {unit!r}")
    lengths = frame.text.str.split().str.len() if unit == "words" else frame.text.str.len()
    langs = frame.lang.fillna(UNKNOWN_LANG)
    if ax is None:
        ax = _axes(figsize=(8, 4))
    if bins is None:
        low, high = int(lengths.min()), int(lengths.max())
        # Word counts are integers: one bin each, or 30 bins would leave empty gaps.
        bins = np.arange(low - 0.5, high + 1.5) if unit == "words" and high - low < 80 else 30
    edges = np.histogram_bin_edges(lengths, bins=bins)
    for lang in [c for c in _LANG_ORDER if (langs == c).any()] + sorted(
            set(langs) - set(_LANG_ORDER)):
        values = lengths[langs == lang]
        ax.hist(values, bins=edges, histtype="step", linewidth=1.8,
                label=f"{lang} (n={len(values)}, median {values.median():g})")
    ax.set_xlabel(f"message length ({unit})")
    ax.set_ylabel("messages")
    ax.set_title("Message length by language")
    ax.legend()
    return ax


def plot_confidence_histograms(report, ax=None, threshold=None, bins=25):
    """Histograms of the top intent's confidence: right, wrong intent, and out of scope.

    "Right" is an in-scope message whose most probable intent is the expected one,
    whether or not it cleared the threshold; "wrong intent" is an in-scope message whose
    top intent is another; "out of scope" messages have no right intent at all. A good
    threshold sits above most of the last two and below most of the first.

    Parameters
    ----------
    report : EvaluationReport
    threshold : float, optional
        Drawn as a vertical line.
    """
    frame = report.predictions
    in_scope = frame.expected != OUT_OF_SCOPE
    groups = {"right": in_scope & (frame.top_intent == frame.expected),
              "wrong intent": in_scope & (frame.top_intent != frame.expected),
              "out of scope": ~in_scope}
    if ax is None:
        ax = _axes(figsize=(8, 4))
    edges = np.linspace(0.0, 1.0, bins + 1)
    colors = {"right": "tab:green", "wrong intent": "tab:red", "out of scope": "tab:purple"}
    for name, mask in groups.items():
        # Outlines, so that the few mistakes stay visible where they overlap the rest.
        ax.hist(frame.confidence[mask], bins=edges, histtype="step", linewidth=2,
                color=colors[name], label=f"{name} (n={int(mask.sum())})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    # Right answers outnumber mistakes a hundredfold: a log scale shows both.
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence of the top intent")
    ax.set_ylabel("messages (log scale)")
    ax.set_title("Confidence of right and wrong top intents")
    ax.legend()
    return ax


def plot_threshold_sweep(sweep, ax=None, chosen=None):
    """In-scope accuracy, out-of-scope recall and false rejects against the threshold.

    Parameters
    ----------
    sweep : DataFrame
        From :func:`nlu.reports.analysis.sweep_thresholds`.
    chosen : float, optional
        A threshold to mark with a vertical line.
    """
    if ax is None:
        ax = _axes(figsize=(8, 4.5))
    lines = {"in_scope_accuracy": ("in-scope accuracy", "tab:green"),
             "out_of_scope_recall": ("out-of-scope recall", "tab:purple"),
             "in_scope_false_reject": ("in-scope false reject", "tab:red"),
             "accuracy": ("overall accuracy", "tab:gray")}
    for column, (label, color) in lines.items():
        if column in sweep and sweep[column].notna().any():
            ax.plot(sweep.threshold, sweep[column], label=label, color=color,
                    linestyle=":" if column == "accuracy" else "-")
    if chosen is not None:
        ax.axvline(chosen, color="black", linestyle="--", label=f"chosen {chosen:.2f}")
    ax.set_xlim(float(sweep.threshold.min()), float(sweep.threshold.max()))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("confidence threshold")
    ax.set_ylabel("share of messages")
    ax.set_title("Threshold sweep: answering more vs. catching out-of-scope messages")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left")
    return ax


def _axes(figsize):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]
