"""The JSON API: Label Studio's REST paths and payloads, each handler one facade call.

from labelcore.web.api import register_api
router = Router(); register_api(router)
"""

from __future__ import annotations

from labelcore.web.api import (
    account,
    dm,
    export,
    imports,
    media,
    members,
    meta,
    ml,
    projects,
    records,
    tasks,
    webhooks,
)
from labelcore.web.api import review as review_api
from labelcore.web.routes import Router


def register_api(router: Router) -> None:
    projects.register(router)
    imports.register(router)
    tasks.register(router)
    records.register(router)
    dm.register(router)
    account.register(router)
    webhooks.register(router)
    ml.register(router)
    export.register(router)
    meta.register(router)
    review_api.register(router)
    media.register(router)
    members.register(router)
