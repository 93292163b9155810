"""Schemathesis against the OpenAPI document, through both adapters: no 5xx, and every
response matches the document (status codes, content types, schemas)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lc_clients
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from lc_adapter_world import TEXT_CONFIG, make_core
from schemathesis import checks

AUTH: dict[str, str] = {}
# the document gives shapes; the server also validates meaning (a config must parse, ids must
# exist), so "schema-valid but refused" and "schema-invalid but accepted" are not failures
SEMANTIC = [checks.positive_data_acceptance, checks.negative_data_rejection]


@pytest.fixture(params=["flask", "django"])
def api_schema(request: pytest.FixtureRequest, users: Any) -> Iterator[Any]:
    core = make_core()
    manager = users["a-manager"]
    project = core.create_project(manager, title="Fuzzed", label_config=TEXT_CONFIG)
    core.import_tasks(manager, project.id, [{"text": "one"}, {"text": "two"}])
    AUTH["Authorization"] = "Token " + core.create_token(manager, "fuzz").key
    # a token acts with the roles the directory last saw for its user
    core.identify(manager)
    if request.param == "flask":
        app = lc_clients.make_flask_app(core)
        yield schemathesis.openapi.from_wsgi("/label/api/openapi.json", app)
    else:
        from django.core.wsgi import get_wsgi_application
        from django.test.utils import override_settings

        with override_settings(LABELCORE={"core": core, "identify": lambda r: None}):
            yield schemathesis.openapi.from_wsgi("/label/api/openapi.json", get_wsgi_application())
    core.close()


def test_openapi_conformance_no_5xx(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=2,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=dict(AUTH), excluded_checks=SEMANTIC)

        check()
