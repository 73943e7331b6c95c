"""Property-based run of the whole HTTP API against its own OpenAPI document: no input makes it fail (5xx).

Schemathesis generates requests from the schema, valid and invalid (wrong types, out-of-range numbers,
unknown codes, odd strings), for every operation; each answer must be below 500, and an error answer
must say what was wrong.
"""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

EXAMPLES_PER_OPERATION = 15


def test_no_input_makes_the_api_fail(web: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, "the API lost operations"
    for operation in operations:
        _check_operation(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        try:
            _check_operation(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        except Unsatisfiable:  # an operation without parameters has no invalid input to make
            assert not list(operation.iter_parameters()), f"{operation.label}: no invalid input generated"


def _check_operation(strategy: object) -> None:
    @given(strategy)
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        where = f"{case.method} {case.formatted_path} {case.query}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
        if response.status_code >= 400:
            assert response.json()["detail"], f"{where}: an error answer must say what was wrong"

    run()
