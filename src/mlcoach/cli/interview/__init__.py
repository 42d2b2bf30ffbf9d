"""`mlcoach mock`, `plan`, `jobspec`, `interviews`, `scenarios`, `design` and `deepdive`.

A thin terminal shell over `mlcoach.interview`, one module per command group: it reads answers
(typed under a live countdown, or from a YAML file), calls the core, and renders what comes back.
"""

from mlcoach.cli.interview.design import deepdive, design, scenarios_app
from mlcoach.cli.interview.jobspec import jobspec
from mlcoach.cli.interview.mock import mock_app
from mlcoach.cli.interview.plan import plan
from mlcoach.cli.interview.tracker import interviews_app

__all__ = ["deepdive", "design", "interviews_app", "jobspec", "mock_app", "plan", "scenarios_app"]
