"""Progress as a picture: the daily score trend and reviews, and mastery per topic."""

from __future__ import annotations

from pathlib import Path

from mlcoach.errors import MlcoachError
from mlcoach.practice.progress import ProgressReport

MAX_SCORE = 5.0


def plot_progress(report: ProgressReport, path: Path) -> Path:
    """Draw the report into a PNG at ``path`` (Agg backend: no display needed)."""
    if path.suffix.lower() != ".png":
        raise MlcoachError(f"{path}: the plot is written as PNG; give a file name ending in .png")
    # The object API with an Agg canvas keeps pyplot's global state (and any GUI backend) out.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    # Separate sub-figures, so the long topic names below do not push the trend panel aside.
    panels = fig.subfigures(2, 1, height_ratios=[1, 1.2], squeeze=False)
    trend_ax = panels[0][0].subplots()
    mastery_ax = panels[1][0].subplots()

    days = [d.day for d in report.activity]
    counts = [d.reviews for d in report.activity]
    reviews_ax = trend_ax.twinx()
    reviews_ax.bar(days, counts, color="#c9d6e8", width=0.8, label="reviews")
    reviews_ax.set_ylabel("reviews per day")
    reviews_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    reviews_ax.set_ylim(0, max([*counts, 1]) * 1.6)
    trend_ax.set_zorder(reviews_ax.get_zorder() + 1)
    trend_ax.patch.set_visible(False)
    scored = [(d.day, d.mean_score) for d in report.activity if d.mean_score is not None]
    if scored:
        trend_ax.plot(
            [d for d, _ in scored],
            [s for _, s in scored],
            marker="o",
            color="#1f4e99",
            label="mean score",
        )
    else:
        trend_ax.text(
            0.5, 0.5, "no reviews in this period", transform=trend_ax.transAxes, ha="center"
        )
    trend_ax.set_ylim(0, MAX_SCORE + 0.25)
    trend_ax.set_ylabel("mean score (0-5)")
    slope = report.score_slope_per_week
    trend = "" if slope is None else f" (trend {slope:+.2f} per week)"
    trend_ax.set_title(f"Score over the last {report.days} days{trend}; streak {report.streak} d")
    trend_ax.tick_params(axis="x", labelrotation=30)

    topics = list(reversed(report.topics))
    labels = [t.title if t.practised else f"{t.title} (not practised)" for t in topics]
    mastery = [t.mastery for t in topics]
    recall = [t.retrievability or 0.0 for t in topics]
    positions = range(len(topics))
    mastery_ax.barh(
        [p + 0.2 for p in positions], mastery, height=0.4, color="#2e8b57", label="mastery"
    )
    mastery_ax.barh(
        [p - 0.2 for p in positions], recall, height=0.4, color="#e0a030", label="recall of cards"
    )
    mastery_ax.set_yticks(list(positions), labels)
    mastery_ax.set_xlim(0, 1)
    mastery_ax.set_xlabel("mastery (0-1)")
    mastery_ax.set_title("Mastery per topic")
    mastery_ax.legend(loc="lower right")

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    except OSError as exc:
        raise MlcoachError(f"cannot write the plot to {path}: {exc.strerror}") from None
    return path
