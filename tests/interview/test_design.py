"""Design answers graded per rubric dimension by the concept-answer engine."""

from __future__ import annotations

from mlcoach.catalog import Catalog
from mlcoach.grading import load_grader
from mlcoach.interview.design import DesignGrade, grade_design, passages

STRONG_FRAUD = """
I would score every card transaction for its probability of fraud before authorisation
completes, and decide between approve, decline or a step-up check such as a one-time code. A
missed fraud costs the chargeback while a blocked genuine purchase costs revenue and trust, so
the objective weighs both costs.

Labels come from chargebacks and customer disputes, which arrive weeks after the transaction.
Fraud is rare, so the classes are heavily imbalanced. Declined transactions never receive a
label, which biases the training data towards the current system's decisions. I would split
training and evaluation data by time.

Velocity features count a card's transactions and spend over the last hour and day. I would
compare each transaction with the cardholder's usual merchants, amounts and devices, and use
merchant risk from past fraud rates smoothed for rare merchants.

The existing rules engine is the baseline to beat; gradient-boosted trees suit these tabular
features. Offline I would look at recall at a fixed false-positive rate rather than accuracy.
"""

WEAK_FRAUD = "I would use deep learning because it is the best model and train it on all the data."


def test_a_thorough_answer_beats_a_vague_one_dimension_by_dimension(catalog: Catalog) -> None:
    scenario = catalog.scenario("card-fraud-detection")
    grader = load_grader()
    strong = grade_design(scenario, STRONG_FRAUD, grader)
    weak = grade_design(scenario, WEAK_FRAUD, grader)
    assert strong.score > weak.score + 1.0
    by_name = {d.name: d for d in strong.dimensions}
    assert by_name["Data and labels"].score >= 3.0
    assert by_name["Features"].score >= 2.5
    # Serving and monitoring were barely touched (one sentence on velocity features, nothing on
    # latency, fallbacks or drift): they trail the dimensions the answer covers, and the advice
    # names the weakest.
    covered = by_name["Framing and objective"].score
    assert by_name["Serving and scale"].score <= covered - 1.5
    assert by_name["Monitoring and feedback loops"].score <= covered - 1.0
    weakest = min(strong.dimensions, key=lambda d: d.score)
    assert weakest.name.lower() in strong.advice.lower()
    # Weighted mean of the dimensions.
    total = sum(d.weight for d in strong.dimensions)
    expected = sum(d.score * d.weight for d in strong.dimensions) / total
    assert abs(strong.score - expected) < 0.06


def test_points_made_late_in_a_long_answer_still_count(catalog: Catalog) -> None:
    """The engine reads about 400 words at a time; a design answer is cut into passages."""
    scenario = catalog.scenario("card-fraud-detection")
    filler = " ".join(["We discussed the weather in the office that morning."] * 80)
    late = (
        filler + "\n\nLabels come from chargebacks and customer disputes, which arrive weeks later."
    )
    assert len(late.split()) > 600
    assert len(passages(late)) >= 2
    grade = grade_design(scenario, late, load_grader())
    data = next(d for d in grade.dimensions if d.name == "Data and labels")
    assert data.made and "chargebacks" in data.made[0].key_point


def test_an_empty_design_scores_zero_with_advice_to_write_one(catalog: Catalog) -> None:
    grade = grade_design(catalog.scenario("document-ocr"), "", load_grader())
    assert grade.score == 0.0
    assert grade.advice.startswith("Write your design first")


def test_a_design_grade_survives_storage_as_json(catalog: Catalog) -> None:
    grade = grade_design(catalog.scenario("subscription-churn"), STRONG_FRAUD, load_grader())
    again = DesignGrade.from_dict(grade.as_dict())
    assert again == grade
