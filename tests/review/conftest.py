"""Fixtures of the review tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rv_fixtures import new_core

from labelcore import LabelCore


@pytest.fixture()
def core() -> Iterator[LabelCore]:
    c = new_core()
    yield c
    c.close()
