"""Annotator ids in the quality reports: counted by ``str(completed_by)``, written as given.

The reports key annotators by the text of their id, so that one sorting and one map work
for any mix of host ids; their JSON and tables give each id back as the host gave it (an
integer stays an integer), as the rest of the API does.
"""

from __future__ import annotations

from collections.abc import Mapping

from labelcore.model import UserId


def note_id(ids: dict[str, UserId], key: str, given: UserId) -> None:
    """Remember that ``key`` stands for the host id ``given``; a key that two ids read as
    (``7`` and ``"7"``) stands for itself."""
    if ids.setdefault(key, given) != given:
        ids[key] = key


def as_given(ids: Mapping[str, UserId], key: str) -> UserId:
    """The host id behind ``key`` (the key itself when unknown or ambiguous)."""
    return ids.get(key, key)
