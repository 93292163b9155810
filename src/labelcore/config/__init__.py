"""The labeling-config engine: parse Label Studio XML configs and check results and task data.

from labelcore.config import parse_config
cfg = parse_config(open("config.xml").read())   # raises ConfigError listing every problem
problems = cfg.validate_result(annotation["result"], data=task["data"])  # [] means valid
"""

from __future__ import annotations

from labelcore.config.model import ControlTag, LabelConfig, ObjectTag
from labelcore.config.parser import MAX_BYTES, MAX_DEPTH, parse_config
from labelcore.config.problems import ConfigProblem, DataProblem, Incompatibility, ResultProblem
from labelcore.errors import ConfigError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "ConfigError",
    "ConfigProblem",
    "ControlTag",
    "DataProblem",
    "Incompatibility",
    "LabelConfig",
    "ObjectTag",
    "ResultProblem",
    "parse_config",
]
