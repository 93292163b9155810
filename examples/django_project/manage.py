#!/usr/bin/env python
"""Django's command-line utility for the example host.

python examples/django_project/manage.py migrate
python examples/django_project/manage.py labelcore_migrate
python examples/django_project/manage.py seed_demo
python examples/django_project/manage.py runserver 127.0.0.1:8001 --insecure

(--insecure: runserver serves the static files, the demo images among them, with DEBUG off)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.demo_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
