"""``manage.py labelcore_migrate``: create or upgrade labelcore's tables in the configured store.

python manage.py labelcore_migrate
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from labelcore_django.conf import get_core


class Command(BaseCommand):  # type: ignore[misc]
    help = "Apply labelcore's schema migrations to the store named in settings.LABELCORE."

    def handle(self, *args: Any, **options: Any) -> None:
        core = get_core()
        store = getattr(core, "store", None)
        if store is None:
            raise RuntimeError("the configured LabelCore exposes no store to migrate")
        store.migrate()
        self.stdout.write(self.style.SUCCESS("labelcore tables are up to date."))
