"""Files kept for a later import (commit_to_project=false) and the reimport that turns
them into tasks, on both stores."""

from __future__ import annotations

import pytest
from svc_fixtures import ANN_A, MANAGER, REVIEWER, choice, core, make_project

from labelcore import Forbidden, LabelCore, NotFound, ValidationError
from labelcore.errors import TooLarge
from labelcore.model import User

__all__ = ["core"]

CSV = b"text\nfirst\nsecond\n"
OTHER_MANAGER = User(id=99, name="Other", roles={"manager"})


def texts(core: LabelCore, project_id: int) -> list[str]:
    return sorted(t.data["text"] for t in core.list_tasks(MANAGER, project_id).tasks)


def test_upload_keeps_the_file_and_creates_no_task(core: LabelCore) -> None:
    p = make_project(core)
    upload = core.upload_file(MANAGER, p.id, CSV, filename="dir/t.csv", content_type="text/csv")
    assert upload.filename == "t.csv" and upload.size == len(CSV)
    assert upload.task_count == 2 and upload.task_ids == () and upload.user_id == MANAGER.id
    assert texts(core, p.id) == []
    assert core.list_file_uploads(MANAGER, p.id) == [upload]
    assert core.store.file_upload_content(upload.id) == CSV


def test_reimport_creates_tasks_and_a_second_reimport_replaces_them(core: LabelCore) -> None:
    p = make_project(core)
    a = core.upload_file(MANAGER, p.id, CSV, filename="a.csv")
    b = core.upload_file(MANAGER, p.id, b'[{"text": "third"}]', filename="b.json")
    report = core.reimport(MANAGER, p.id, [a.id, b.id])
    assert report.task_count == 3 and set(report.found_formats) == {".csv", ".json"}
    assert texts(core, p.id) == ["first", "second", "third"]
    first = core.store.get_file_upload(a.id)
    assert first is not None and len(first.task_ids) == 2
    # an annotation on a replaced task goes with it, as Label Studio's reimport does
    core.submit_annotation(MANAGER, first.task_ids[0], choice())
    again = core.reimport(MANAGER, p.id, [a.id])
    assert again.task_count == 2 and texts(core, p.id) == ["first", "second", "third"]
    assert not set(again.task_ids) & set(first.task_ids)
    assert core.project_counts(MANAGER, p.id).annotation_count == 0


def test_bad_upload_keeps_nothing_and_says_which_row(core: LabelCore) -> None:
    p = make_project(core)
    with pytest.raises(ValidationError) as err:
        core.upload_file(MANAGER, p.id, b'[{"text": "ok"}, {"txt": "bad"}]', filename="t.json")
    assert err.value.code == "import.invalid" and err.value.errors[0]["row"] == 2
    assert core.list_file_uploads(MANAGER, p.id) == [] and texts(core, p.id) == []


def test_upload_size_is_bounded(core: LabelCore) -> None:
    p = make_project(core)
    core.max_upload_bytes = 10
    with pytest.raises(TooLarge):
        core.upload_file(MANAGER, p.id, CSV, filename="t.csv")
    assert core.list_file_uploads(MANAGER, p.id) == []


def test_reimport_is_all_or_nothing_and_names_unknown_ids(core: LabelCore) -> None:
    p = make_project(core)
    other = make_project(core)
    mine = core.upload_file(MANAGER, p.id, CSV, filename="t.csv")
    elsewhere = core.upload_file(MANAGER, other.id, CSV, filename="t.csv")
    with pytest.raises(ValidationError) as err:
        core.reimport(MANAGER, p.id, [mine.id, elsewhere.id])
    assert str(elsewhere.id) in err.value.message and texts(core, p.id) == []
    # the config changed after the upload: the reimport fails whole, nothing is created
    good = core.upload_file(MANAGER, p.id, b'[{"text": "x"}]', filename="g.json")
    core.update_project(
        MANAGER, p.id, label_config='<View><Text name="t" value="$body"/></View>', force=True
    )
    with pytest.raises(ValidationError):
        core.reimport(MANAGER, p.id, [good.id, mine.id])
    assert core.list_tasks(MANAGER, p.id).total == 0
    assert core.store.get_file_upload(good.id).task_ids == ()  # type: ignore[union-attr]


def test_uploads_are_the_uploaders_and_scoped_to_the_project(core: LabelCore) -> None:
    p = make_project(core)
    core.identify(OTHER_MANAGER)
    mine = core.upload_file(MANAGER, p.id, CSV, filename="t.csv")
    assert core.list_file_uploads(OTHER_MANAGER, p.id) == []
    assert core.delete_file_uploads(OTHER_MANAGER, p.id) == 0
    with pytest.raises(ValidationError):
        core.reimport(OTHER_MANAGER, p.id, [mine.id])
    assert core.list_file_uploads(MANAGER, p.id, ids=[mine.id]) == [mine]
    assert core.list_file_uploads(MANAGER, p.id, ids=[]) == []


def test_annotators_and_reviewers_may_not_upload_or_reimport(core: LabelCore) -> None:
    p = make_project(core)
    mine = core.upload_file(MANAGER, p.id, CSV, filename="t.csv")
    for user in (ANN_A, REVIEWER):
        with pytest.raises((Forbidden, NotFound)):
            core.upload_file(user, p.id, CSV, filename="t.csv")
        with pytest.raises((Forbidden, NotFound)):
            core.reimport(user, p.id, [mine.id])
        with pytest.raises((Forbidden, NotFound)):
            core.delete_file_uploads(user, p.id)


def test_delete_uploads_keeps_their_tasks(core: LabelCore) -> None:
    p = make_project(core)
    a = core.upload_file(MANAGER, p.id, CSV, filename="a.csv")
    b = core.upload_file(MANAGER, p.id, CSV, filename="b.csv")
    core.reimport(MANAGER, p.id, [a.id])
    assert core.delete_file_uploads(MANAGER, p.id, [a.id, 10**6]) == 1
    assert [u.id for u in core.list_file_uploads(MANAGER, p.id)] == [b.id]
    assert texts(core, p.id) == ["first", "second"]
    assert core.delete_file_uploads(MANAGER, p.id) == 1
    assert core.list_file_uploads(MANAGER, p.id) == []


def test_one_upload_is_the_uploaders_only(core: LabelCore) -> None:
    p = make_project(core)
    core.identify(OTHER_MANAGER)
    mine = core.upload_file(MANAGER, p.id, CSV, filename="t.csv")
    assert core.get_file_upload(MANAGER, mine.id) == mine
    for user, error in ((OTHER_MANAGER, NotFound), (ANN_A, NotFound)):
        with pytest.raises(error):
            core.get_file_upload(user, mine.id)
        with pytest.raises(error):
            core.delete_file_upload(user, mine.id)
    with pytest.raises(NotFound):
        core.get_file_upload(MANAGER, 10**6)
    core.delete_file_upload(MANAGER, mine.id)
    assert core.list_file_uploads(MANAGER, p.id) == []


def test_upload_url_downloads_through_the_net_policy(core: LabelCore) -> None:
    from labelcore.net import NetPolicy
    from lc_serve_bytes import serve_bytes

    with serve_bytes(CSV, "text/csv", path="/data/reviews.csv") as url:
        p = make_project(core)
        with pytest.raises(ValidationError):  # the default policy: no loopback (SSRF)
            core.upload_url(MANAGER, p.id, url)
        core.net_policy = NetPolicy(allow_loopback=True)
        upload = core.upload_url(MANAGER, p.id, url)
        assert upload.filename == "reviews.csv" and upload.task_count == 2
        assert core.store.file_upload_content(upload.id) == CSV
        core.max_upload_bytes = 5
        with pytest.raises(TooLarge):
            core.upload_url(MANAGER, p.id, url)
        assert len(core.list_file_uploads(MANAGER, p.id)) == 1


def test_the_upload_check_emits_no_event_even_inside_an_outer_transaction(
    core: LabelCore,
) -> None:
    """The check imports the file in a transaction that is undone; its tasks.created must
    not reach webhooks, also when the caller wraps the upload in a transaction of its own."""
    p = make_project(core)
    seen: list[str] = []
    core.events.on("tasks.created", lambda e: seen.append(e.name))
    core.upload_file(MANAGER, p.id, CSV, filename="a.csv")
    with core._tx():  # a host grouping its own writes with the upload
        core.upload_file(MANAGER, p.id, CSV, filename="b.csv")
    assert seen == []
    core.reimport(MANAGER, p.id, [u.id for u in core.list_file_uploads(MANAGER, p.id)])
    assert seen == ["tasks.created", "tasks.created"]
