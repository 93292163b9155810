"""URLs to include under any prefix: ``path("label/", include("labelcore_django.urls"))``.

from django.urls import include, path
urlpatterns = [path("label/", include("labelcore_django.urls"))]
"""

from __future__ import annotations

from django.urls import re_path

from labelcore_django.views import dispatch

app_name = "labelcore"
urlpatterns = [re_path(r"^(?P<subpath>.*)$", dispatch, name="dispatch")]
