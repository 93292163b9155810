"""labelcore: Label Studio-compatible data labeling as a library for Flask and Django hosts.

from labelcore import LabelCore, User, parse_config
core = LabelCore(store="sqlite:///labelcore.db")
project = core.create_project(User(id=1, roles={"manager"}), title="NER", label_config=xml)
"""

from __future__ import annotations

from labelcore.config import (
    ConfigProblem,
    ControlTag,
    LabelConfig,
    ObjectTag,
    ResultProblem,
    parse_config,
)
from labelcore.errors import (
    ConfigError,
    Conflict,
    Forbidden,
    LabelcoreError,
    NotFound,
    QueryError,
    TooLarge,
    TooManyRequests,
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
from labelcore.service.limits import Limits, Rate

__version__ = "0.1.0"

__all__ = [
    "Annotation",
    "ConfigError",
    "ConfigProblem",
    "Conflict",
    "ControlTag",
    "Draft",
    "Forbidden",
    "ImportReport",
    "LabelConfig",
    "LabelCore",
    "LabelcoreError",
    "Limits",
    "NotFound",
    "ObjectTag",
    "Policy",
    "Prediction",
    "Project",
    "ProjectSettings",
    "QueryError",
    "Rate",
    "Result",
    "ResultProblem",
    "Task",
    "TooLarge",
    "TooManyRequests",
    "Unauthorized",
    "UnsafeURL",
    "User",
    "ValidationError",
    "__version__",
    "parse_config",
]
