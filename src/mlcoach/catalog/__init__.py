"""The curriculum as typed data: loading, validating and querying questions, problems and scenarios."""

from mlcoach.catalog.cache import catalog_cache_dir
from mlcoach.catalog.catalog import (
    Catalog,
    CatalogReport,
    TopicSummary,
    build_catalog,
    extend_catalog,
    load_catalog,
    shipped_content_dir,
)
from mlcoach.catalog.loader import ContentIssue, Origin
from mlcoach.catalog.models import (
    DIFFICULTIES,
    PROBLEM_KINDS,
    ROLES,
    Checklist,
    Difficulty,
    KeyPoint,
    Problem,
    ProblemKind,
    ProblemTest,
    Question,
    Role,
    Scenario,
    Topic,
)

__all__ = [
    "DIFFICULTIES",
    "PROBLEM_KINDS",
    "ROLES",
    "Catalog",
    "CatalogReport",
    "Checklist",
    "ContentIssue",
    "Difficulty",
    "KeyPoint",
    "Origin",
    "Problem",
    "ProblemKind",
    "ProblemTest",
    "Question",
    "Role",
    "Scenario",
    "Topic",
    "TopicSummary",
    "build_catalog",
    "catalog_cache_dir",
    "extend_catalog",
    "load_catalog",
    "shipped_content_dir",
]
