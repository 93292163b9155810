"""URLconf and identify of the Django host used by the browser tests (labelcore at /label/)."""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from lc_ui_host import USERS

from labelcore import User


def identify(request: Any) -> User | None:
    return USERS.get(request.COOKIES.get("who", ""))


urlpatterns = [path("label/", include("labelcore_django.urls"))]
