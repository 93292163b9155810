"""Label Studio JSON in and out of the domain types: the one place this mapping happens.

    from labelcore._converter import task_from_import, task_to_json
    new = task_from_import({"data": {"text": "hi"}, "annotations": [{"result": []}]}, row=1)
    exported = task_to_json(task, annotations=anns, predictions=preds)

A private cattrs converter (:func:`make_converter`, never cattrs' global one) carries the
generic hooks (datetimes as Label Studio's ``...Z`` strings, enums by value, frozensets as
lists); the functions below add Label Studio's field names and shapes on top of it.

Conventions the service relies on:

* ``result_from_json`` / ``result_to_json`` round-trip exactly: unknown keys live in
  ``Result.extra``, and a *known* key that was present with ``null`` is kept in ``extra``
  too (so ``{"score": null}`` comes back as ``{"score": null}``, not as a missing key).
* ``task_from_import`` is structural only (no config checks). An imported annotation's
  ``completed_by`` may be a user id (kept as given), a user object with an ``email``
  (kept in ``NewAnnotation.completed_by_email`` with ``completed_by=None``: the service
  resolves it against the user directory), an object with only ``id``, or missing
  (``default_user``). Imported annotations keep ``ground_truth`` if given, else False,
  get ``last_action="imported"``, ``imported=True`` and ``import_id`` from ``id``.
"""

from __future__ import annotations

from labelcore._converter._base import (
    converter,
    dt_from_json,
    dt_to_json,
    make_converter,
    result_from_json,
    result_to_json,
    results_from_json,
)
from labelcore._converter._importing import MAX_FILE_NAME, task_from_import
from labelcore._converter._out import (
    annotation_to_json,
    draft_to_json,
    parsed_config_to_json,
    prediction_to_json,
    project_to_json,
    settings_from_json,
    task_columns,
    task_from_export,
    task_to_json,
)

__all__ = [
    "MAX_FILE_NAME",
    "annotation_to_json",
    "converter",
    "draft_to_json",
    "dt_from_json",
    "dt_to_json",
    "make_converter",
    "prediction_to_json",
    "project_to_json",
    "result_from_json",
    "parsed_config_to_json",
    "result_to_json",
    "results_from_json",
    "settings_from_json",
    "task_columns",
    "task_from_export",
    "task_from_import",
    "task_to_json",
]
