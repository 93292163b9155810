"""labelcore: Label Studio-compatible data labeling as a library for Flask and Django hosts.

from labelcore import LabelCore, User, parse_config
core = LabelCore(store="sqlite:///labelcore.db")
project = core.create_project(User(id=1, roles={"manager"}), title="NER", label_config=xml)
"""

from __future__ import annotations

from labelcore.errors import (
    Conflict,
    Forbidden,
    LabelcoreError,
    NotFound,
    QueryError,
    TooLarge,
    Unauthorized,
    UnsafeURL,
    ValidationError,
)
from labelcore.model import (
    Annotation,
    Draft,
    ImportReport,
    Prediction,
    Project,
    ProjectSettings,
    Result,
    Task,
    User,
)
from labelcore.service import LabelCore, Policy

__version__ = "0.1.0"

__all__ = [
    "Annotation",
    "Conflict",
    "Draft",
    "Forbidden",
    "ImportReport",
    "LabelCore",
    "LabelcoreError",
    "NotFound",
    "Policy",
    "Prediction",
    "Project",
    "ProjectSettings",
    "QueryError",
    "Result",
    "Task",
    "TooLarge",
    "Unauthorized",
    "UnsafeURL",
    "User",
    "ValidationError",
    "__version__",
]
