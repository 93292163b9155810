"""Settings of the example Django host; labelcore needs only the three marked lines."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("DEMO_DATA_DIR", Path.cwd()))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-" + "x" * 40)
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "examples.django_project.demo_site",
    "labelcore_django",  # labelcore (1/3)
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "examples.django_project.demo_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_HOST_DB", str(DATA / "host-demo.sqlite3")),
    }
}
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [HERE / "static"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/label/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# labelcore (2/3): where it stores labeling data, and its pages inside our layout
LABELCORE = {
    "store": os.environ.get("LABELCORE_DEMO_DB", f"sqlite:///{DATA / 'labelcore-demo.db'}"),
    "login_url": "/login/",
    "template_dirs": [str(HERE / "jinja")],
    "base_template": "layout.html",
    # images/audio/video uploaded in the import dialog are kept here
    "media_store": str(DATA / "labelcore-media"),
}
