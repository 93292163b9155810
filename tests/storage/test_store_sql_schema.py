"""SQL store schema: own MetaData, migrations that keep rows, the host's database untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from labelcore.model import NewTask, ProjectSettings
from labelcore.query import PageRequest, TaskQuery, parse_query
from labelcore.storage.sql import SQLStore, current_revision, make_engine, metadata, upgrade
from labelcore.storage.sql.querysql import trigram_query
from lc_old_db import fill_old_database

HEAD = "0025"  # 0009 uploads; 0010 project task count; 0011 review stream; 0012 counts index;
# 0013 row-ids-only text index; 0014 started-tasks index; 0015 prediction score index;
# 0016 open overlap > 1 tasks index; 0017 rejected annotation states index; 0018 data columns;
# 0019 sole annotator and fresh tasks indexes; 0020 skips index; 0021 annotator pairs;
# 0022 project tasks in id order index; 0023 the limits' leases and token buckets;
# 0024 inner_id in the sole annotator index; 0025 organizations (tenants)


def test_tables_live_on_their_own_metadata() -> None:
    assert metadata is not SQLModel.metadata
    assert not any(name.startswith("labelcore_") for name in SQLModel.metadata.tables)
    assert metadata.tables and all(name.startswith("labelcore_") for name in metadata.tables)


def _contains(needle: str, key: str = "text") -> TaskQuery:
    item = {"filter": f"filter:tasks:data.{key}", "operator": "contains", "type": "String"}
    return parse_query({"filters": {"items": [{**item, "value": needle}]}})


def _upgrade_keeps_rows(url: str) -> None:
    upgrade(url, "0001")
    engine = make_engine(url)
    assert current_revision(engine) == "0001"
    before = fill_old_database(url)
    assert before["labelcore_task"] == 30 and before["labelcore_annotation_version"] == 30
    upgrade(url)  # what `labelcore db upgrade` runs
    assert current_revision(engine) == HEAD
    with engine.connect() as conn:
        after = {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    assert {k: v for k, v in after.items() if k in before} == before
    filled = {"labelcore_data_column"}  # 0018 records the data keys of the tasks there
    assert all(after[k] == 0 for k in after.keys() - before.keys() - filled)  # the rest start empty
    with engine.connect() as conn:  # 0010 counted the tasks already there
        assert conn.exec_driver_sql("SELECT task_count FROM labelcore_project").scalar() == 30
        # 0019 found each task's one annotator (user 7 annotated all 30)
        soles = conn.exec_driver_sql(
            "SELECT sole_annotator, count(*) FROM labelcore_task GROUP BY 1"
        )
        assert [tuple(r) for r in soles] == [("7", 30)]
    store = SQLStore(url)  # idempotent: already at head
    pid = store.list_projects()[0].id
    keys = {
        k
        for t in store.query_tasks(pid, TaskQuery(), PageRequest(page_size=100)).tasks
        for k in t.data
    }
    assert store.data_columns(pid) == sorted(keys) and keys
    page = store.query_tasks(pid, _contains("zürich 1"), PageRequest(page_size=100))
    assert sorted(t.data["i"] for t in page.tasks) == [1] + list(range(10, 20))
    store.close()


def test_upgrade_from_older_revision_keeps_every_row_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _upgrade_keeps_rows(url)
    with make_engine(url).connect() as conn:  # the FTS index was back-filled (0002, 0013)
        hits = conn.exec_driver_sql(
            "SELECT count(*) FROM labelcore_task_fts WHERE labelcore_task_fts MATCH ?",
            (trigram_query("Zürich"),),
        ).scalar_one()
    assert hits == 30


@pytest.mark.postgres
def test_upgrade_from_older_revision_keeps_every_row_postgres(pg_url: str) -> None:
    _upgrade_keeps_rows(pg_url)


def _downgrade_to_0005_and_back_keeps_rows(url: str) -> None:
    """0011 -> 0005 (every downgrade of this session's migrations) and up again keeps the
    rows and re-counts the projects' tasks (0010)."""
    from alembic import command

    from labelcore.storage.sql.engine import _config

    upgrade(url)
    store = SQLStore(url)
    pid = store.add_project(ProjectSettings(title="down"), created_by=7).id
    store.add_tasks(pid, [NewTask(data={"i": i}) for i in range(25)])
    store.close()
    engine = make_engine(url)
    kept = ("labelcore_project", "labelcore_task")

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return {
                t: conn.execute(
                    sa.select(sa.func.count()).select_from(metadata.tables[t])
                ).scalar_one()
                for t in kept
            }

    before = counts()
    for target, step in (("0005", command.downgrade), ("head", command.upgrade)):
        with engine.connect() as conn:
            conn.info["labelcore_write"] = True
            step(_config(conn), target)
            if conn.in_transaction():
                conn.commit()
        assert current_revision(engine) == ("0005" if target == "0005" else HEAD)
        assert counts() == before
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT task_count FROM labelcore_project").scalar() == 25
    engine.dispose()


def test_downgrade_to_0005_and_back_keeps_rows_sqlite(tmp_path: Path) -> None:
    _downgrade_to_0005_and_back_keeps_rows(f"sqlite:///{tmp_path / 'down.db'}")


@pytest.mark.postgres
def test_downgrade_to_0005_and_back_keeps_rows_postgres(pg_url: str) -> None:
    _downgrade_to_0005_and_back_keeps_rows(pg_url)


def test_host_tables_and_alembic_history_are_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('host_rev_42')")
        conn.exec_driver_sql("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
        conn.exec_driver_sql("INSERT INTO orders VALUES (1, 9.5)")
    store = SQLStore(url)
    store.add_project(ProjectSettings(), created_by=1)
    store.migrate()
    store.close()
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            == "host_rev_42"
        )
        assert conn.exec_driver_sql("SELECT total FROM orders").scalar() == 9.5
        names = sa.inspect(conn).get_table_names()
    engine.dispose()
    assert "labelcore_alembic_version" in names and "labelcore_task" in names


def test_without_fts_contains_still_filters(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nofts.db'}"
    upgrade(url)
    with make_engine(url).begin() as conn:  # what 0002 leaves on a SQLite without FTS5 trigram
        for suffix in ("_ai", "_ad", "_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS labelcore_task_fts{suffix}")
        conn.exec_driver_sql("DROP TABLE labelcore_task_fts")
    store = SQLStore(url, auto_migrate=False)
    assert store.fts is False
    pid = store.add_project(ProjectSettings(), created_by=1).id
    store.add_tasks(pid, [NewTask(data={"t": "Hello World"}), NewTask(data={"t": "bye"})])
    assert store.query_tasks(pid, _contains("WORLD", key="t"), PageRequest()).total == 1
    store.close()


def test_text_index_keeps_row_ids_only_and_contains_stays_exact(tmp_path: Path) -> None:
    """0013: the trigram index stores row ids only (no positions) and is searched with the
    needle's trigrams ANDed; a row holding every trigram but not the needle is not a match.
    Downgrading restores the positional index of 0002."""
    from alembic import command

    from labelcore.storage.sql.engine import _config

    url = f"sqlite:///{tmp_path / 'rowids.db'}"
    store = SQLStore(url)
    pid = store.add_project(ProjectSettings(title="rowids"), created_by=1).id
    texts = ["abc bcd cde", "xx abcde yy", "ABCDE", "ab cd"]
    store.add_tasks(pid, [NewTask(data={"text": t}) for t in texts])
    page = store.query_tasks(pid, _contains("bcde"), PageRequest(page_size=100))
    assert sorted(t.data["text"] for t in page.tasks) == ["ABCDE", "xx abcde yy"]
    assert page.total == 2
    store.close()
    engine = make_engine(url)

    def index_sql() -> str:
        with engine.connect() as conn:
            return str(
                conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'labelcore_task_fts'"
                ).scalar_one()
            )

    def candidates(match: str) -> int:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM labelcore_task_fts WHERE labelcore_task_fts MATCH ?",
                    (match,),
                ).scalar_one()
            )

    assert "detail='none'" in index_sql()
    assert candidates(trigram_query("bcde")) == 3  # the superset the exact check narrows
    with engine.connect() as conn:
        conn.info["labelcore_write"] = True
        command.downgrade(_config(conn), "0012")
        if conn.in_transaction():
            conn.commit()
    assert "detail" not in index_sql()
    assert candidates('"bcde"') == 2  # a phrase query on the positional index
    upgrade(url)
    assert "detail='none'" in index_sql() and candidates(trigram_query("bcde")) == 3
    engine.dispose()


def test_tasks_added_before_and_after_the_upgrade_to_0013_are_all_found(tmp_path: Path) -> None:
    """Up to 0012 an insert trigger filled the text index; from 0013 the store does. A store
    that imported under the old schema and then migrates must start indexing by itself
    (even when something read ``store.fts`` in between) and never index a row twice."""
    url = f"sqlite:///{tmp_path / 'switch.db'}"
    upgrade(url, "0012")
    store = SQLStore(url, auto_migrate=False)
    # today's store reads and writes the project's organization (0024), which 0012 lacks:
    # the column is there while it imports, and gone again before the upgrade
    project_organization = "labelcore_project {} COLUMN organization"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE " + project_organization.format("ADD") + " TEXT")
    pid = store.add_project(ProjectSettings(title="switch"), created_by=1).id
    store.add_tasks(pid, [NewTask(data={"text": f"old {i} Zürich"}) for i in range(1500)])
    assert store.fts
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE " + project_organization.format("DROP"))
    store.migrate()
    assert store.fts
    store.add_tasks(pid, [NewTask(data={"text": f"new {i} Zürich"}) for i in range(1200)])
    assert store.query_tasks(pid, _contains("zürich"), PageRequest()).total == 2700
    assert store.query_tasks(pid, _contains("new 11"), PageRequest()).total == 111
    with store.engine.begin() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        conn.exec_driver_sql(
            "INSERT INTO labelcore_task_fts (labelcore_task_fts) VALUES ('integrity-check')"
        )
        indexed = conn.exec_driver_sql(
            "SELECT count(*) FROM labelcore_task_fts WHERE labelcore_task_fts MATCH ?",
            (trigram_query("Zürich"),),
        ).scalar_one()
    assert indexed == 2700
    assert "labelcore_task_fts_ai" not in names and "labelcore_task_fts_defer" not in names
    store.close()
