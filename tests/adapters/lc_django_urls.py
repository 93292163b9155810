"""URLconf of the Django test host: its own login view plus labelcore under /label/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def login(request: HttpRequest, uid: str = "") -> HttpResponse:
    request.session["uid"] = uid
    return HttpResponse("ok")


urlpatterns = [
    path("login/", login),
    path("login/<str:uid>", login),
    path("label/", include("labelcore_django.urls")),
]
