from __future__ import annotations

import hashlib

import pytest
from svc_fixtures import ANN_A, ANN_B, MANAGER, REVIEWER, choice, core, make_project

from labelcore import LabelCore, NotFound, User, ValidationError
from labelcore.storage.memory import MemoryStore

__all__ = ["core"]


def test_identify_fills_the_directory(core: LabelCore) -> None:
    rows = core.get_users(MANAGER, [ANN_A.id, ANN_B.id, 404])
    assert rows[ANN_A.id].name == "Ada" and rows["b"].email == "bo@example.org"
    assert 404 not in rows
    core.identify(User(id=ANN_A.id, name="Ada L.", email="ada@example.org"))
    assert core.get_users(MANAGER, [ANN_A.id])[ANN_A.id].name == "Ada L."
    with pytest.raises(ValidationError):
        core.identify(User(id=""))


def test_lookup_users_fills_gaps() -> None:
    seen: list[list] = []

    def lookup(ids):
        seen.append(list(ids))
        return [User(id=i, name=f"host {i}") for i in ids]

    core = LabelCore(store=MemoryStore(), start_jobs=False, lookup_users=lookup)
    core.identify(ANN_A)
    rows = core.get_users(MANAGER, [ANN_A.id, 9])
    assert rows[9].name == "host 9" and rows[ANN_A.id].name == "Ada"
    assert seen == [[9]]


def test_tokens_are_hashed_shown_once_and_revocable(core: LabelCore) -> None:
    issued = core.create_token(MANAGER, name="ci")
    assert len(issued.key) == 40
    assert issued.token.token_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in repr(core.list_tokens(MANAGER))
    user = core.authenticate_token(issued.key)
    assert user is not None and user.id == MANAGER.id and user.name == "Mia"
    assert core.authenticate_token("wrong") is None
    assert core.authenticate_token("x" * 10_000) is None
    with pytest.raises(NotFound):
        core.revoke_token(ANN_A, issued.token.id)
    core.revoke_token(MANAGER, issued.token.id)
    assert core.authenticate_token(issued.key) is None


def test_token_user_has_the_roles_last_seen(core: LabelCore) -> None:
    issued = core.create_token(MANAGER, name="ci")
    user = core.authenticate_token(issued.key)
    assert user is not None and user.roles == MANAGER.roles


def test_token_user_without_known_roles_is_an_annotator(core: LabelCore) -> None:
    issued = core.create_token(User(id=50, roles={"guest"}))
    user = core.authenticate_token(issued.key)
    assert user is not None and user.roles == {"annotator"}


def test_token_owner_is_matched_by_id_and_id_type(core: LabelCore) -> None:
    """The store reads a token with its owner's directory row in one statement (SQLStore's
    find_token_owner): the owner is the row of exactly that id, ``"7"`` is not ``7``."""
    core.identify(User(id=7, name="int seven", roles={"manager"}))
    issued = core.create_token(User(id="7", name="str seven", roles={"annotator"}))
    user = core.authenticate_token(issued.key)
    assert user is not None
    assert user.id == "7" and user.name == "str seven" and user.roles == {"annotator"}
    other = core.create_token(User(id=7, name="int seven", roles={"manager"}))
    owner = core.authenticate_token(other.key)
    assert owner is not None and owner.id == 7 and owner.roles == {"manager"}


def test_erase_user_delete_and_anonymise(core: LabelCore) -> None:
    p = make_project(core, 2)
    t1, t2 = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    core.set_members(MANAGER, p.id, {ANN_A.id: "annotator", ANN_B.id: "annotator"})
    core.submit_annotation(ANN_A, t1, choice())
    core.save_draft(ANN_A, t2, choice())
    core.next_task(ANN_A, p.id)
    core.assign_tasks(MANAGER, p.id, [t2], [ANN_A.id])
    token = core.create_token(ANN_A)
    counts = core.erase_user(ANN_A.id)
    assert counts == {
        "drafts": 1,
        "claims": 1,
        "assignments": 1,
        "annotations": 1,
        "tokens": 1,
        "memberships": 1,
        "file_uploads": 0,
    }
    assert core.get_task(MANAGER, t1).task.total_annotations == 0
    assert core.authenticate_token(token.key) is None
    assert core.get_users(MANAGER, [ANN_A.id])[ANN_A.id].email == ""
    assert [m.user_id for m in core.list_members(MANAGER, p.id)] == [ANN_B.id]

    b = core.submit_annotation(ANN_B, t1, choice())
    core.erase_user(ANN_B.id, mode="anonymise")
    kept = core.get_annotation(MANAGER, b.id)
    assert kept.completed_by is None and kept.result == choice()
    with pytest.raises(ValidationError):
        core.erase_user(ANN_B.id, mode="shred")  # type: ignore[arg-type]


def test_erase_user_removes_their_review_claims_and_kept_uploads(core: LabelCore) -> None:
    """Erasure covers what this session added: a reviewer's review claims and the files a
    user staged with commit_to_project=false (their content is the user's data)."""
    import datetime as dt

    p = make_project(core, 1)
    (t1,) = (t.id for t in core.list_tasks(MANAGER, p.id).tasks)
    ann = core.submit_annotation(ANN_A, t1, choice())
    now = dt.datetime.now(dt.UTC)
    assert core.store.claim_review(ann.id, REVIEWER.id, now, dt.timedelta(hours=1))
    kept = core.upload_file(MANAGER, p.id, b'[{"text": "mine"}]', filename="mine.json")
    other = core.upload_file(
        MANAGER, make_project(core).id, b'[{"text": "x"}]', filename="x.json"
    )

    assert core.erase_user(REVIEWER.id)["claims"] == 1
    assert core.store.review_claims(p.id, now) == {}
    counts = core.erase_user(MANAGER.id, mode="anonymise")
    assert counts["file_uploads"] == 2
    assert core.store.get_file_upload(kept.id) is None
    assert core.store.file_upload_content(other.id) is None


def _assigned(core: LabelCore) -> tuple[list[int], list[int]]:
    """Two projects with ANN_A and ANN_B assigned to tasks of each; their task ids."""
    ids = []
    for n in (3, 4):
        p = make_project(core, n)
        tasks = [t.id for t in core.list_tasks(MANAGER, p.id).tasks]
        core.assign_tasks(MANAGER, p.id, tasks, [ANN_A.id, ANN_B.id])
        ids.append(tasks)
    return ids[0], ids[1]


def test_erase_user_unassigns_without_listing_the_projects_tasks(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's assignments in every project go in one statement: no project's task ids
    are read (the erase listed every task id of every project in memory, then unassigned
    them); the other user's stay."""

    def listed(*_: object) -> None:
        raise AssertionError("the erase read a project's task ids")

    first, second = _assigned(core)
    monkeypatch.setattr(core.store, "task_ids", listed)
    assert core.erase_user(ANN_A.id)["assignments"] == 7
    left = core.store.assignees([*first, *second])
    assert left == {t: [ANN_B.id] for t in [*first, *second]}


def test_erase_user_on_a_store_without_unassign_user_goes_a_batch_at_a_time(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store without ``unassign_user`` (a host's own) is asked project by project, the
    task ids a batch at a time: the same result."""
    import labelcore.service.users as users

    first, second = _assigned(core)
    monkeypatch.setattr(users, "ERASE_BATCH", 2)
    monkeypatch.setattr(core.store, "unassign_user", None)
    calls: list[int] = []
    unassign = core.store.unassign

    def counted(project_id: int, ids: list[int], user_ids: list[object]) -> int:
        calls.append(len(ids))
        return unassign(project_id, ids, user_ids)

    monkeypatch.setattr(core.store, "unassign", counted)
    assert core.erase_user(ANN_A.id)["assignments"] == 7
    assert sorted(calls) == [1, 2, 2, 2]
    assert core.store.assignees([*first, *second]) == {t: [ANN_B.id] for t in [*first, *second]}


def test_erase_user_is_atomic_with_its_unassignment(
    core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure later in the erase puts the user's assignments back with the rest."""
    first, second = _assigned(core)

    def broken(*_: object) -> None:
        raise RuntimeError("directory down")

    monkeypatch.setattr(core.store, "upsert_user", broken)
    with pytest.raises(RuntimeError):
        core.erase_user(ANN_A.id)
    left = core.store.assignees([*first, *second])
    assert left == {t: [ANN_A.id, ANN_B.id] for t in [*first, *second]}


@pytest.mark.postgres
def test_erase_user_unassigns_by_id_and_id_type_on_postgres(pg_url: str) -> None:
    """On PostgreSQL too: user 7 and user "7" are two users; erasing one leaves the other's
    assignments."""
    core = LabelCore(store=pg_url, start_jobs=False)
    try:
        for user in (MANAGER, ANN_A, User(id=str(ANN_A.id), name="text id")):
            core.identify(user)
        p = make_project(core, 3)
        tasks = [t.id for t in core.list_tasks(MANAGER, p.id).tasks]
        core.assign_tasks(MANAGER, p.id, tasks, [ANN_A.id, str(ANN_A.id)])
        assert core.erase_user(ANN_A.id)["assignments"] == 3
        assert core.store.assignees(tasks) == {t: [str(ANN_A.id)] for t in tasks}
    finally:
        core.close()
