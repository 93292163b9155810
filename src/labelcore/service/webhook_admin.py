"""Webhooks of projects through the facade, with the policy's checks.

    hook = core.create_webhook(manager, project.id, url="https://hooks.example/lc",
                               actions=["ANNOTATION_CREATED"])
    hook.secret                          # made for you unless given; shown once by the API
    core.list_webhooks(manager)          # of every project the user configures
    core.update_webhook(manager, hook.id, is_active=False)
    core.delete_webhook(manager, hook.id)

A webhook belongs to one project; the user must see it (else ``NotFound``) and may
configure it (``project.update``, else ``Forbidden``). A webhook without a project fires
for every project of every tenant: only host code makes those, with
``labelcore.service.webhooks.create_webhook(store, ...)``, and the facade treats them as
not found. Validation (URL through the SSRF guard, actions, headers, secret) is the one of
``labelcore.service.webhooks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labelcore.errors import NotFound, ValidationError
from labelcore.model import User, Webhook
from labelcore.service import webhooks as hooks
from labelcore.service.projects import ProjectsAPI

_WHAT = "configure webhooks"


class WebhooksAPI(ProjectsAPI):
    def _visible_webhook(self, user: User, webhook_id: int) -> Webhook:
        hook = self.store.get_webhook(webhook_id)
        if hook is None or hook.project_id is None:
            raise NotFound(f"webhook {webhook_id} not found", code="webhook.not_found")
        try:
            self.authorize(user, hook.project_id, "project.update", _WHAT)
        except NotFound:
            raise NotFound(f"webhook {webhook_id} not found", code="webhook.not_found") from None
        return hook

    def create_webhook(
        self,
        user: User,
        project_id: int,
        *,
        url: str,
        secret: str | None = None,
        send_payload: bool = True,
        send_for_all_actions: bool = True,
        actions: Iterable[str] | None = None,
        headers: Mapping[str, str] | None = None,
        is_active: bool = True,
    ) -> Webhook:
        """Add a webhook to a project (the URL must pass the SSRF guard of the core's
        ``net_policy``). Without ``secret`` a random one is made. Needs ``project.update``."""
        self.authorize(user, project_id, "project.update", _WHAT)
        return hooks.create_webhook(
            self.store,
            url=url,
            project_id=project_id,
            secret=secret,
            send_payload=send_payload,
            send_for_all_actions=send_for_all_actions,
            actions=actions,
            headers=headers,
            is_active=is_active,
            net_policy=self.net_policy,
        )

    def list_webhooks(self, user: User, project_id: int | None = None) -> list[Webhook]:
        """The project's webhooks, or (``project_id`` None) those of every project the user
        may configure. Needs ``project.update`` on the project."""
        if project_id is not None:
            self.authorize(user, project_id, "project.update", _WHAT)
            return hooks.list_webhooks(self.store, project_id)
        found: list[Webhook] = []
        for summary in self.list_projects(user):
            if self.policy.allows(summary.role, "project.update"):
                found.extend(hooks.list_webhooks(self.store, summary.project.id))
        return sorted(found, key=lambda h: h.id)

    def get_webhook(self, user: User, webhook_id: int) -> Webhook:
        """One webhook of a project the user configures."""
        return self._visible_webhook(user, webhook_id)

    def update_webhook(self, user: User, webhook_id: int, **changes: Any) -> Webhook:
        """Change fields (``url``, ``secret``, ``send_payload``, ``send_for_all_actions``,
        ``actions``, ``headers``, ``is_active``), validated as at creation. A webhook does
        not move to another project."""
        hook = self._visible_webhook(user, webhook_id)
        if "project_id" in changes and changes.pop("project_id") != hook.project_id:
            raise ValidationError(
                "a webhook cannot move to another project", code="webhook.project_fixed"
            )
        return hooks.update_webhook(self.store, hook.id, net_policy=self.net_policy, **changes)

    def delete_webhook(self, user: User, webhook_id: int) -> None:
        """Delete a webhook of a project the user configures."""
        hook = self._visible_webhook(user, webhook_id)
        hooks.delete_webhook(self.store, hook.id)
