"""The API schema fuzzed with schemathesis, in-process: whatever the input, never a server error.

Each operation gets a bounded number of generated requests (valid and invalid bodies, paths and
query strings), sent through the ASGI app with the session cookie of a first request.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcoach.catalog import Catalog
from tests.web.conftest import AppFactory

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 15


def _use_real_ids(case: schemathesis.Case, data: st.DataObject, catalog: Catalog) -> None:
    """Random ids almost never exist: half the time, swap in a real question or problem id so
    that the fuzzing reaches the handlers behind the look-up."""
    if not data.draw(st.booleans()):
        return
    ids = {"question_id": list(catalog.questions), "problem_id": list(catalog.problems)}
    for key, choices in ids.items():
        if isinstance(case.body, dict) and key in case.body:
            case.body[key] = data.draw(st.sampled_from(choices))
        if case.path_parameters and key in case.path_parameters:
            case.path_parameters[key] = data.draw(st.sampled_from(choices))


def test_no_input_makes_the_api_fail(make_client: AppFactory, catalog: Catalog) -> None:
    # The fuzzer's client calls itself "testserver": let the app answer to that name too.
    client = make_client(allowed_hosts=["testserver", "127.0.0.1"])
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    statuses: dict[str, set[int]] = {op.label: set() for op in operations}

    for operation in operations:

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case, data: st.DataObject) -> None:
            _use_real_ids(case, data, catalog)
            response = case.call()
            statuses[case.operation.label].add(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}: "
                    f"{response.status_code} {response.text[:300]}"
                )

        check()
    assert not failures, "\n".join(failures[:10])
    # The fuzzing reached the handlers, not only the validation in front of them.
    reached = {label for label, codes in statuses.items() if codes & {200, 201, 202, 204}}
    for label in ("GET /api/v1/questions", "POST /api/v1/grades", "POST /api/v1/submissions"):
        assert label in reached, statuses
