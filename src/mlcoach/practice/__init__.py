"""Drills with spaced repetition, progress over time, and decks in and out."""

from mlcoach.practice.queue import queue_now
from mlcoach.practice.scheduling import parse_rating, suggest_rating
from mlcoach.practice.session import (
    DrillItem,
    DrillOptions,
    DrillSession,
    DrillSummary,
    RecordedReview,
    is_rated,
    record_review,
)

__all__ = [
    "DrillItem",
    "DrillOptions",
    "DrillSession",
    "DrillSummary",
    "RecordedReview",
    "is_rated",
    "parse_rating",
    "queue_now",
    "record_review",
    "suggest_rating",
]
