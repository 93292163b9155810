"""HTTP webhooks: Label Studio's event names and payloads, signed, retried, SSRF-guarded.

    from labelcore.service import webhooks
    hook = webhooks.create_webhook(core.store, url="https://hooks.example.com/lc", project_id=1)
    print(hook.secret)    # verify X-Labelcore-Signature: sha256=HMAC(secret, body) with it

``attach(core)`` (done by ``LabelCore`` when it has a job runner) turns every committed event
into one ``webhook.deliver`` job per matching active webhook. Delivery happens on the job
runner, never on the request path: a slow, failing or refused receiver never fails or slows
the write that caused the event. Each delivery is a ``POST`` of the JSON body through
``labelcore.net.open_url`` (the SSRF guard, checked again at connect time), with the
webhook's headers plus ``X-Labelcore-Signature``, ``X-Labelcore-Timestamp``,
``X-Labelcore-Delivery`` and ``X-Labelcore-Event``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

import attrs

from labelcore.errors import NotFound, UnsafeURL, ValidationError
from labelcore.model import Job, Webhook
from labelcore.net import FetchError, NetPolicy, check_url, open_url
from labelcore.service.events import Event
from labelcore.service.jobs import JobContext, PermanentJobError
from labelcore.storage.base import Store

__all__ = [
    "ACTIONS",
    "DELIVER_KIND",
    "EVENT_ACTIONS",
    "actions",
    "attach",
    "build_payload",
    "create_webhook",
    "delete_webhook",
    "get_webhook",
    "list_webhooks",
    "sign",
    "update_webhook",
    "verify_signature",
    "webhook_to_json",
]

log = logging.getLogger("labelcore.webhooks")

DELIVER_KIND: Final = "webhook.deliver"
DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_ATTEMPTS: Final = 5
MAX_HEADERS: Final = 10
MAX_URL: Final = 2048
BATCH_SIZE: Final = 1000  # list payloads (tasks, deleted ids) are split into bodies this long

# action -> (title, description, payload key, organization only)
ACTIONS: Final[dict[str, tuple[str, str, str | None, bool]]] = {
    "PROJECT_CREATED": ("Project created", "A project was created", "project", True),
    "PROJECT_UPDATED": ("Project updated", "A project's settings changed", "project", False),
    "PROJECT_DELETED": ("Project deleted", "A project was deleted", "project", True),
    "TASKS_CREATED": ("Tasks created", "Tasks were imported or created", "tasks", False),
    "TASKS_DELETED": ("Tasks deleted", "Tasks were deleted", "tasks", False),
    "ANNOTATION_CREATED": (
        "Annotation created",
        "An annotation was submitted",
        "annotation",
        False,
    ),
    "ANNOTATIONS_CREATED": (
        "Annotations created",
        "Annotations were created in bulk",
        "annotation",
        False,
    ),
    "ANNOTATION_UPDATED": ("Annotation updated", "An annotation was changed", "annotation", False),
    "ANNOTATIONS_DELETED": (
        "Annotations deleted",
        "Annotations were deleted",
        "annotations",
        False,
    ),
    "REVIEW_CREATED": ("Review created", "An annotation was reviewed", "review", False),
    "REVIEW_UPDATED": ("Review updated", "A review was changed", "review", False),
    "REVIEWS_DELETED": ("Reviews deleted", "Reviews were deleted", "reviews", False),
}

# labelcore event name -> Label Studio webhook action
EVENT_ACTIONS: Final[dict[str, str]] = {
    "project.created": "PROJECT_CREATED",
    "project.updated": "PROJECT_UPDATED",
    "project.deleted": "PROJECT_DELETED",
    "tasks.created": "TASKS_CREATED",
    "tasks.deleted": "TASKS_DELETED",
    "annotation.created": "ANNOTATION_CREATED",
    "annotations.created": "ANNOTATIONS_CREATED",
    "annotation.updated": "ANNOTATION_UPDATED",
    "annotations.deleted": "ANNOTATIONS_DELETED",
    "review.created": "REVIEW_CREATED",
    "review.updated": "REVIEW_UPDATED",
    "reviews.deleted": "REVIEWS_DELETED",
}

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection"}
)


def actions() -> list[dict[str, Any]]:
    """Every webhook action, as Label Studio's ``/api/webhooks/info`` lists them."""
    return [
        {"action": a, "name": title, "description": desc, "key": key, "organization_only": org_only}
        for a, (title, desc, key, org_only) in ACTIONS.items()
    ]


# -- signature --------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """The ``X-Labelcore-Signature`` value: ``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """True when ``header`` is the signature of ``body`` with ``secret`` (constant time)."""
    return hmac.compare_digest(sign(secret, body), header or "")


# -- CRUD ----------------------------------------------------------------------------------


def _clean_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ValidationError(
            "headers must be an object of header names to strings", code="webhook.headers"
        )
    if len(headers) > MAX_HEADERS:
        raise ValidationError(
            f"at most {MAX_HEADERS} headers are allowed, got {len(headers)}", code="webhook.headers"
        )
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ValidationError(
                f"header name {name!r} is not a valid HTTP header name", code="webhook.headers"
            )
        if name.lower() in _RESERVED_HEADERS or name.lower().startswith("x-labelcore-"):
            raise ValidationError(
                f"header {name!r} is set by labelcore and cannot be changed", code="webhook.headers"
            )
        if not isinstance(value, str) or len(value) > 4096 or any(c in value for c in "\r\n\0"):
            raise ValidationError(
                f"header {name!r} must be a string without line breaks (4096 characters max)",
                code="webhook.headers",
            )
        out[name] = value
    return out


def _clean_actions(values: Iterable[Any] | None, project_id: int | None) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        raise ValidationError("actions must be a list of action names", code="webhook.actions")
    chosen = frozenset(values)
    unknown = sorted(str(a) for a in chosen if a not in ACTIONS)
    if unknown:
        raise ValidationError(
            f"unknown webhook actions: {', '.join(unknown)}; known: {', '.join(ACTIONS)}",
            code="webhook.actions",
        )
    if project_id is not None:
        org_only = sorted(a for a in chosen if ACTIONS[a][3])
        if org_only:
            raise ValidationError(
                f"{', '.join(org_only)} can only be sent by a webhook without a project",
                code="webhook.actions",
            )
    return chosen


def _clean_url(url: Any, policy: NetPolicy | None) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("url is required", code="webhook.url")
    text: str = url.strip()
    if len(text) > MAX_URL:
        raise ValidationError(f"url is longer than {MAX_URL} characters", code="webhook.url")
    check_url(text, policy or NetPolicy())  # UnsafeURL (400, "url.unsafe") says why
    return text


def create_webhook(
    store: Store,
    *,
    url: str,
    project_id: int | None = None,
    secret: str | None = None,
    send_payload: bool = True,
    send_for_all_actions: bool = True,
    actions: Iterable[str] | None = None,
    headers: Mapping[str, str] | None = None,
    is_active: bool = True,
    net_policy: NetPolicy | None = None,
) -> Webhook:
    """Validate and store a webhook. The URL must pass the SSRF guard now (and is checked
    again at each delivery). Without ``secret`` a random one is made; read it from the
    returned webhook. ``project_id=None`` fires for every project."""
    hook = Webhook(
        id=0,
        project_id=project_id,
        url=_clean_url(url, net_policy),
        secret=secrets.token_urlsafe(32) if secret is None else _clean_secret(secret),
        send_payload=bool(send_payload),
        send_for_all_actions=bool(send_for_all_actions),
        actions=cast(Any, _clean_actions(actions, project_id)),  # attrs converter typing
        headers=_clean_headers(headers),
        is_active=bool(is_active),
    )
    return store.add_webhook(hook)


def _clean_secret(secret: Any) -> str:
    if not isinstance(secret, str) or len(secret) > 256:
        raise ValidationError(
            "secret must be a string of at most 256 characters", code="webhook.secret"
        )
    return secret


def get_webhook(store: Store, webhook_id: int) -> Webhook:
    hook = store.get_webhook(webhook_id)
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found", code="webhook.not_found")
    return hook


def list_webhooks(store: Store, project_id: int | None = None) -> list[Webhook]:
    """A project's webhooks (without the global ones), or every webhook when None."""
    return store.list_webhooks(project_id, include_global=project_id is None)


_UNSET: Any = object()


def update_webhook(
    store: Store,
    webhook_id: int,
    *,
    url: str = _UNSET,
    secret: str = _UNSET,
    send_payload: bool = _UNSET,
    send_for_all_actions: bool = _UNSET,
    actions: Iterable[str] = _UNSET,
    headers: Mapping[str, str] = _UNSET,
    is_active: bool = _UNSET,
    net_policy: NetPolicy | None = None,
) -> Webhook:
    """Change the given fields (same validation as ``create_webhook``)."""
    hook = get_webhook(store, webhook_id)
    changes: dict[str, Any] = {}
    if url is not _UNSET:
        changes["url"] = _clean_url(url, net_policy)
    if secret is not _UNSET:
        changes["secret"] = _clean_secret(secret)
    if send_payload is not _UNSET:
        changes["send_payload"] = bool(send_payload)
    if send_for_all_actions is not _UNSET:
        changes["send_for_all_actions"] = bool(send_for_all_actions)
    if actions is not _UNSET:
        changes["actions"] = _clean_actions(actions, hook.project_id)
    if headers is not _UNSET:
        changes["headers"] = _clean_headers(headers)
    if is_active is not _UNSET:
        changes["is_active"] = bool(is_active)
    return store.update_webhook(attrs.evolve(hook, **changes))


def delete_webhook(store: Store, webhook_id: int) -> None:
    if store.delete_webhooks([webhook_id]) == 0:
        raise NotFound(f"webhook {webhook_id} not found", code="webhook.not_found")


def webhook_to_json(hook: Webhook, *, include_secret: bool = False) -> dict[str, Any]:
    """Label Studio's webhook API fields (``secret`` only when asked)."""
    out: dict[str, Any] = {
        "id": hook.id,
        "project": hook.project_id,
        "url": hook.url,
        "send_payload": hook.send_payload,
        "send_for_all_actions": hook.send_for_all_actions,
        "headers": dict(hook.headers),
        "is_active": hook.is_active,
        "actions": sorted(hook.actions),
        "created_at": hook.created_at.isoformat().replace("+00:00", "Z"),
    }
    if include_secret:
        out["secret"] = hook.secret
    return out


# -- events -> deliveries ------------------------------------------------------------------


def _ids(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        return []
    return [{"id": i["id"] if isinstance(i, Mapping) else i} for i in items]


def build_payload(action: str, event_payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Label Studio webhook body for ``action`` from a labelcore event payload."""
    body: dict[str, Any] = {"action": action}
    p = dict(event_payload)
    if action == "PROJECT_DELETED":
        project = p.get("project") or {}
        body["project"] = {"id": project.get("id") if isinstance(project, Mapping) else project}
        return body
    if action == "TASKS_DELETED":
        body["tasks"] = _ids(p.get("tasks") or p.get("task_ids"))
    elif action == "TASKS_CREATED":
        tasks = p.get("tasks")
        body["tasks"] = list(tasks) if isinstance(tasks, list) else []
    elif action in ("ANNOTATIONS_DELETED", "REVIEWS_DELETED"):
        key = ACTIONS[action][2] or ""
        body[key] = _ids(p.get(key))
    else:
        for key, value in p.items():
            if key not in ("task_ids", "count"):  # labelcore's bookkeeping, not LS fields
                body[key] = value
    if "project" in p:
        body["project"] = p["project"]
    return body


def _action_for(event: Event) -> str | None:
    action = EVENT_ACTIONS.get(event.name)
    if action == "ANNOTATION_CREATED" and isinstance(event.payload.get("annotation"), list):
        return "ANNOTATIONS_CREATED"
    return action


def _wants(hook: Webhook, action: str) -> bool:
    if not hook.is_active:
        return False
    if hook.project_id is not None and ACTIONS[action][3]:
        return False  # organization-only events never reach project webhooks
    return hook.send_for_all_actions or action in hook.actions


def attach(
    core: Any,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int = DEFAULT_ATTEMPTS,
) -> None:
    """Deliver ``core``'s events to its webhooks through ``core.jobs`` (idempotent).

    ``core`` needs ``store``, ``events``, ``jobs`` and ``net_policy`` (a ``NetPolicy`` or
    None for the defaults). Deliveries time out after ``timeout`` seconds (or the policy's
    own timeout if lower) and are attempted up to ``max_attempts`` times with back-off."""
    if getattr(core, "_labelcore_webhooks_attached", False):
        return
    store: Store = core.store

    def policy() -> NetPolicy:
        base = core.net_policy if isinstance(core.net_policy, NetPolicy) else NetPolicy()
        return attrs.evolve(base, timeout=min(base.timeout, timeout))

    def on_event(event: Event) -> None:
        action = _action_for(event)
        if action is None:
            return
        hooks = [
            h
            for h in store.list_webhooks(event.project_id)
            # an event outside any project reaches only the webhooks without a project
            if _wants(h, action) and (event.project_id is not None or h.project_id is None)
        ]
        if not hooks:
            return
        payload = build_payload(action, event.payload)
        if event.project_id is not None and "project" not in payload:
            payload["project"] = _project_json(store, event.project_id)
        # a big import's event carries only ids: each delivery loads its batch when it runs
        load = event.payload.get("task_ids") if action == "TASKS_CREATED" else None
        lazy = isinstance(load, list) and not isinstance(event.payload.get("tasks"), list)
        for hook in hooks:
            jobs: list[tuple[dict[str, Any], list[Any] | None]]
            if not hook.send_payload:
                jobs = [({"action": action}, None)]
            elif lazy and isinstance(load, list):
                jobs = [
                    (payload, load[i : i + BATCH_SIZE]) for i in range(0, len(load), BATCH_SIZE)
                ]
            else:
                jobs = [(body, None) for body in _batches(payload)]
            for body, task_ids in jobs:
                core.jobs.submit(
                    DELIVER_KIND,
                    {
                        "webhook_id": hook.id,
                        "action": action,
                        "body": body,
                        "load_task_ids": task_ids,
                        "delivery": uuid.uuid4().hex,
                        "project_id": event.project_id,
                    },
                    # not tied to the project row: deleting the project must not drop
                    # deliveries that are still due (TASKS_DELETED, PROJECT_DELETED...)
                    project_id=None,
                    max_attempts=max_attempts,
                )

    def deliver(job: Job, ctx: JobContext) -> dict[str, Any]:
        return deliver_job(store, job, policy())

    core.jobs.register(DELIVER_KIND, deliver)
    core.events.on("*", on_event)
    core._labelcore_webhooks_attached = True


def _batches(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a body whose list (tasks, deleted ids) is longer than ``BATCH_SIZE``."""
    if payload["action"] not in _BATCHED:
        return [payload]
    key = ACTIONS[payload["action"]][2] or ""
    items = payload.get(key)
    if not isinstance(items, list) or len(items) <= BATCH_SIZE:
        return [payload]
    return [{**payload, key: items[i : i + BATCH_SIZE]} for i in range(0, len(items), BATCH_SIZE)]


def _project_json(store: Store, project_id: int) -> dict[str, Any]:
    from labelcore._converter import project_to_json

    project = store.get_project(project_id)
    if project is None:  # deleted meanwhile
        return {"id": project_id}
    return project_to_json(project, store.project_counts([project_id]).get(project_id))


_BATCHED: Final = frozenset(
    {"TASKS_CREATED", "TASKS_DELETED", "ANNOTATIONS_DELETED", "REVIEWS_DELETED"}
)
_RETRY_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})


def deliver_job(store: Store, job: Job, policy: NetPolicy) -> dict[str, Any]:
    """Send one delivery job's body to its webhook (the ``webhook.deliver`` handler).

    Retries (by raising) on network errors, timeouts, 408/425/429 and 5xx; fails for good
    (``PermanentJobError``) on other 4xx answers and on an address the SSRF guard refuses.
    """
    hook = store.get_webhook(int(job.payload["webhook_id"]))
    if hook is None or not hook.is_active:
        return {"skipped": "webhook deleted or inactive"}
    content = dict(job.payload["body"])
    load = job.payload.get("load_task_ids")
    if isinstance(load, list):
        from labelcore._converter import task_to_json

        content["tasks"] = [task_to_json(t) for t in store.get_tasks(load)]
    body = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()
    headers = dict(hook.headers)
    headers.update(
        {
            "Content-Type": "application/json",
            "X-Labelcore-Event": str(job.payload["action"]),
            "X-Labelcore-Delivery": str(job.payload.get("delivery", job.id)),
            "X-Labelcore-Timestamp": str(int(time.time())),
        }
    )
    if hook.secret:
        headers["X-Labelcore-Signature"] = sign(hook.secret, body)
    try:
        with open_url(hook.url, policy, method="POST", body=body, headers=headers) as resp:
            status = resp.status
            snippet = b"".join(_first(resp.iter_bytes(1024), 1)).decode("utf-8", "replace")
    except UnsafeURL as exc:
        raise PermanentJobError(f"webhook {hook.id}: {exc}", code="webhook.unsafe_url") from exc
    except FetchError:
        raise
    if 200 <= status < 300:
        return {"status": status}
    message = f"webhook {hook.id} answered HTTP {status}: {snippet[:200]}"
    if status in _RETRY_STATUSES or status >= 500:
        raise FetchError(message, code="webhook.delivery_failed")
    raise PermanentJobError(message, code="webhook.delivery_refused")


def _first(chunks: Iterable[bytes], n: int) -> list[bytes]:
    out: list[bytes] = []
    for chunk in chunks:
        out.append(chunk)
        if len(out) >= n:
            break
    return out
