"""Django app config for labelcore (checks the ``LABELCORE`` setting at startup).

INSTALLED_APPS += ["labelcore_django"]
"""

from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import setting_changed


class LabelcoreConfig(AppConfig):  # type: ignore[misc]
    name = "labelcore_django"
    label = "labelcore_django"
    verbose_name = "labelcore"

    def ready(self) -> None:
        from labelcore_django import conf

        conf.check_settings()
        setting_changed.connect(conf.on_setting_changed)
