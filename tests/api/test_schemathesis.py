"""Requests generated from the OpenAPI document, valid and not: no server errors, answers as
documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from tests.api.live import serving


@pytest.fixture(scope="module")
def service(
    scored_sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The service over the scored sample, with no data folder, so runs are never started."""
    home = tmp_path_factory.mktemp("schemathesis")
    token = KeyStore(RunStore(scored_sample[1])).create("admin", "schemathesis")[1]
    with serving(create_app(Settings(home=home), scored_sample[1])) as base_url:
        yield base_url, token


# The document depends on the code only, not on data, so it is read once at collection.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@schema.parametrize()
@settings(
    max_examples=50,
    # The same examples every run, so CI does not pass or fail by chance.
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_documented(case: schemathesis.Case, service: tuple[str, str]) -> None:
    case.call_and_validate(base_url=service[0], headers={"Authorization": f"Bearer {service[1]}"})
