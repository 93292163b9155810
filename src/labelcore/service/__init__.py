"""The labeling lifecycle: the ``LabelCore`` facade, its policy and its events.

from labelcore.service import LabelCore, DefaultPolicy
core = LabelCore(store="memory://", policy=DefaultPolicy())
core.events.on("annotation.created", lambda event: print(event.payload))
"""

from __future__ import annotations

from labelcore.service.actions import ActionInfo, ActionResult
from labelcore.service.core import LabelCore
from labelcore.service.events import Event, EventBus
from labelcore.service.policy import ACTIONS, DefaultPolicy, Policy
from labelcore.service.projects import ProjectSummary
from labelcore.service.tokens import IssuedToken

__all__ = [
    "ACTIONS",
    "ActionInfo",
    "ActionResult",
    "DefaultPolicy",
    "Event",
    "EventBus",
    "IssuedToken",
    "LabelCore",
    "Policy",
    "ProjectSummary",
]
