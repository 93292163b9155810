"""Demo users and sample projects for the example hosts (idempotent).

from examples.flask_app.seed import DEMO_USERS, seed_demo
seed_demo(core)          # a text (NER + relations) and an image (boxes) project
"""

from __future__ import annotations

from typing import Any

from labelcore.model import User

#: The host's own accounts (username -> (password, labelcore user)); a real host has a table.
DEMO_USERS: dict[str, tuple[str, User]] = {
    "alice": (
        "alice",
        User(id=1, name="Alice Manager", email="alice@example.org", roles=frozenset({"manager"})),
    ),
    "bob": (
        "bob",
        User(id=2, name="Bob Annotator", email="bob@example.org", roles=frozenset({"annotator"})),
    ),
    "carol": (
        "carol",
        User(id=3, name="Carol Reviewer", email="carol@example.org", roles=frozenset({"reviewer"})),
    ),
}

NER_CONFIG = """<View>
  <Relations>
    <Relation value="works_for"/>
    <Relation value="located_in"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PER" background="#f59e0b"/>
    <Label value="ORG" background="#3b82f6"/>
    <Label value="LOC" background="#10b981"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""

BOX_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Circle" background="#ef4444"/>
    <Label value="Square" background="#6366f1"/>
  </RectangleLabels>
</View>"""

NER_TASKS = [
    {"text": "Ada Lovelace worked with Charles Babbage in London."},
    {"text": "Grace Hopper joined the Navy and later worked for Remington Rand."},
    {"text": "Tim Berners-Lee built the first web server at CERN in Geneva."},
    {"text": "Katherine Johnson calculated trajectories for NASA in Hampton, Virginia."},
]
NER_TITLE = "Demo: people, organisations, places"
BOX_TITLE = "Demo: shapes in images"


def seed_demo(
    core: Any, static_url: str = "/static", manager: User | None = None
) -> dict[str, int]:
    """Create the two sample projects unless they exist; returns their ids by title."""
    if manager is None:
        manager = DEMO_USERS["alice"][1]
        for _, user in DEMO_USERS.values():
            core.identify(user)
    have = {s.project.settings.title: s.project.id for s in core.list_projects(manager)}
    if NER_TITLE not in have:
        p = core.create_project(
            manager,
            title=NER_TITLE,
            label_config=NER_CONFIG,
            instructions="<p>Mark people, organisations and places, then relate them.</p>",
            show_instructions=True,
        )
        core.import_tasks(manager, p.id, NER_TASKS)
        have[NER_TITLE] = p.id
    if BOX_TITLE not in have:
        p = core.create_project(manager, title=BOX_TITLE, label_config=BOX_CONFIG)
        images = [{"image": f"{static_url}/images/shapes-{n}.svg"} for n in (1, 2, 3)]
        core.import_tasks(manager, p.id, images)
        have[BOX_TITLE] = p.id
    return have
