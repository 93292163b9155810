"""``manage.py seed_demo``: demo accounts (alice manager, bob annotator, carol reviewer) and
the two sample projects; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from examples.flask_app.seed import seed_demo
from labelcore import User as LabelUser
from labelcore_django.conf import get_core


class Command(BaseCommand):
    help = "Create the demo users and sample labeling projects (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        reviewers, _ = Group.objects.get_or_create(name="labelcore-reviewer")
        for name, staff in (("alice", True), ("bob", False), ("carol", False)):
            user, created = User.objects.get_or_create(
                username=name,
                defaults={
                    "is_staff": staff,
                    "email": f"{name}@example.org",
                    "first_name": name.capitalize(),
                },
            )
            if created:
                user.set_password(name)
                user.save()
            if name == "carol":
                user.groups.add(reviewers)
        alice = User.objects.get(username="alice")
        core = get_core()
        manager = LabelUser(id=alice.pk, name="Alice", roles=frozenset({"manager"}))
        core.identify(manager)
        seed_demo(core, static_url="/static", manager=manager)
        self.stdout.write(
            "demo users: alice/alice (manager), bob/bob (annotator), carol/carol (reviewer)"
        )
