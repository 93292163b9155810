"""The ``LabelCore`` facade: every rule of the labeling workflow behind one object.

    core = LabelCore(store="sqlite:///labelcore.db")        # or "memory://", or a Store
    project = core.create_project(User(id=1, roles={"manager"}), title="NER", label_config=xml)
    core.import_tasks(manager, project.id, [{"text": "hello"}])

Every public method takes the acting :class:`labelcore.User` first and enforces the
:class:`~labelcore.service.policy.Policy`: what the user may not see is ``NotFound`` (404),
what their role forbids on something they see is ``Forbidden`` (403). The methods live in
one module per area (projects, importing, uploads, tasks, distribution, annotations,
drafts, predictions, assignments, users, tokens, views, actions, webhook_admin); this class
puts them together.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from labelcore.net import NetPolicy
from labelcore.service._base import LookupUsers, ServiceBase
from labelcore.service.actions import ActionsAPI
from labelcore.service.annotations import AnnotationsAPI
from labelcore.service.assignments import AssignmentsAPI
from labelcore.service.distribution import DistributionAPI
from labelcore.service.drafts import DraftsAPI
from labelcore.service.events import EventBus
from labelcore.service.exporting import ExportAPI
from labelcore.service.importing import ImportAPI
from labelcore.service.jobs import JobRunner, ThreadJobRunner
from labelcore.service.limits import Limiter, Limits, make_limiter
from labelcore.service.policy import DefaultPolicy, Policy
from labelcore.service.predictions import PredictionsAPI
from labelcore.service.projects import ProjectsAPI
from labelcore.service.review import ReviewAPI
from labelcore.service.tasks import TasksAPI
from labelcore.service.tokens import TokensAPI
from labelcore.service.uploads import UploadsAPI
from labelcore.service.users import UsersAPI
from labelcore.service.views import ViewsAPI
from labelcore.service.webhook_admin import WebhooksAPI
from labelcore.storage import open_store
from labelcore.storage.base import Store

log = logging.getLogger("labelcore")


class LabelCore(
    ActionsAPI,
    WebhooksAPI,
    ProjectsAPI,
    UploadsAPI,
    ImportAPI,
    TasksAPI,
    DistributionAPI,
    AnnotationsAPI,
    DraftsAPI,
    PredictionsAPI,
    AssignmentsAPI,
    UsersAPI,
    TokensAPI,
    ViewsAPI,
    ExportAPI,
    ReviewAPI,
    ServiceBase,
):
    """Label Studio's labeling lifecycle as a library object.

    ``store``: a URL (``sqlite:///path``, ``postgresql+psycopg://...``, ``memory://``) or a
    ``Store``; the schema is migrated on start unless ``migrate=False``.
    ``policy``: who sees and does what (default :class:`DefaultPolicy`).
    ``net_policy``: ``labelcore.net.NetPolicy`` for URL import, webhooks and ML (default:
    the SSRF-safe defaults). ``job_runner``: a ``labelcore.service.jobs.JobRunner``
    (default: a ``ThreadJobRunner`` on the store), started when ``start_jobs`` is true;
    webhooks (``labelcore.service.webhooks.attach``) and ML backends (``labelcore.ml.attach``,
    as ``core.ml``) are attached to it.
    ``lookup_users(ids) -> iterable of User``: the host's own user lookup for names.
    ``limits``: a ``labelcore.Limits`` for the HTTP API (request rate per user, exports and
    imports at once, imports and ML calls per project; docs/security.md); none by default.

    Attributes: ``store``, ``policy``, ``events`` (:class:`EventBus`), ``jobs`` (the job
    runner), ``net_policy``, ``limiter`` (``None`` when no limit is set).
    """

    def __init__(
        self,
        store: str | Store = "sqlite:///labelcore.db",
        *,
        policy: Policy | None = None,
        net_policy: NetPolicy | None = None,
        job_runner: JobRunner | None = None,
        start_jobs: bool = True,
        lookup_users: LookupUsers | None = None,
        migrate: bool = True,
        limits: Limits | None = None,
    ) -> None:
        self.store = open_store(store)
        if migrate:
            self.store.migrate()
        self.policy = DefaultPolicy() if policy is None else policy
        self.events = EventBus()
        self.lookup_users = lookup_users
        self.net_policy = net_policy
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a labelcore.Limits, not {limits!r}")
        self.limiter: Limiter | None = make_limiter(limits, self.store)
        self._init_base()
        self.jobs = job_runner if job_runner is not None else ThreadJobRunner(self.store)
        _attach_webhooks(self)
        _attach_ml(self)
        if start_jobs:
            self.jobs.start()

    def close(self) -> None:
        """Stop the job runner and close the store."""
        self.jobs.stop()
        self.store.close()

    def __enter__(self) -> LabelCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module exists but something it needs does not
            raise
        return None


def _attach_webhooks(core: LabelCore) -> None:
    webhooks = _optional("labelcore.service.webhooks")
    if webhooks is not None:
        webhooks.attach(core)


def _attach_ml(core: LabelCore) -> None:
    ml = _optional("labelcore.ml")
    if ml is not None:
        ml.attach(core)
