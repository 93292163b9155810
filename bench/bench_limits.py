"""What the API limits cost a request: off (the default) and on, SQLite and PostgreSQL.

    python bench/bench_limits.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
    PYTHONPATH=<old checkout>/src python bench/bench_limits.py --off-only   # the code before

Times ``WebApp.handle`` of ``GET /api/projects/{id}`` (the cheapest identified API read)
in rounds that alternate the configurations, and the ``check_api`` call alone, with the
statements each check sends (counted on the limit backend's engine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from labelcore import LabelCore, User
from labelcore.web.app import WebApp
from labelcore.web.http import Request

BOSS = User(id="boss", name="Boss", roles=frozenset({"manager"}))
CONFIG = (
    '<View><Text name="t" value="$t"/>'
    '<Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
)


def _core(url: str, limits: Any) -> LabelCore:
    if limits is None:
        return LabelCore(store=url, start_jobs=False)
    return LabelCore(store=url, start_jobs=False, limits=limits)


def _handler(core: LabelCore, pid: int) -> Callable[[], None]:
    web = WebApp(core, identify=lambda native: BOSS, csrf=None)

    def one() -> None:
        response = web.handle(Request(method="GET", path=f"/api/projects/{pid}"))
        assert response.status == 200, response.body

    return one


def _per_call(fn: Callable[[], None], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def _counter(core: LabelCore) -> list[int]:
    """Statements sent by the store's engine and the limit backend's (when it has one)."""
    sent = [0]

    def count(*_: Any) -> None:
        sent[0] += 1

    engines = {id(e): e for e in (getattr(core.store, "engine", None), _limit_engine(core))}
    for engine in engines.values():
        if engine is not None:
            sa.event.listen(engine, "before_cursor_execute", count)
    return sent


def _limit_engine(core: LabelCore) -> Any:
    limiter = getattr(core, "limiter", None)
    return None if limiter is None else getattr(limiter.backend, "engine", None)


def bench_requests(
    url: str, configs: dict[str, Any], rounds: int, n: int
) -> dict[str, tuple[float, float]]:
    """Per configuration: median wall microseconds and statements per request."""
    cores = {name: _core(url, limits) for name, limits in configs.items()}
    calls = {
        name: _handler(core, core.create_project(BOSS, title="Bench", label_config=CONFIG).id)
        for name, core in cores.items()
    }
    counters = {name: _counter(core) for name, core in cores.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for fn in calls.values():
        _per_call(fn, 50)  # warm up
    for counter in counters.values():
        counter[0] = 0
    for _ in range(rounds):
        for name, fn in calls.items():
            times[name].append(_per_call(fn, n))
    for core in cores.values():
        core.close()
    return {
        name: (statistics.median(t), counters[name][0] / (rounds * n)) for name, t in times.items()
    }


def bench_check(url: str, rate: Any, n: int) -> tuple[float, float, float]:
    from labelcore import Limits

    core = _core(url, Limits(api_per_user=rate))
    limiter = core.limiter
    assert limiter is not None
    engine = getattr(limiter.backend, "engine", None)
    sent = [0]
    if engine is not None:

        def count(*_: Any) -> None:
            sent[0] += 1

        sa.event.listen(engine, "before_cursor_execute", count)
    limiter.check_api("warm")
    sent[0] = 0
    cpu = time.process_time()
    per = _per_call(lambda: limiter.check_api("bench"), n)
    cpu_per = (time.process_time() - cpu) / n * 1e6
    statements = sent[0] / n
    core.close()
    return per, cpu_per, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--off-only", action="store_true", help="for code without limits")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="lc-bench-limits-")
    urls = {"memory": "memory://", "sqlite": f"sqlite:///{tmp}/bench.db"}
    admin = None
    if args.pg:
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"lc_bench_limits_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        urls["postgres"] = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        configs: dict[str, Any] = {"off": None}
        if not args.off_only:
            from labelcore import Limits, Rate

            rate = Rate(10**9, per=1)
            configs["on"] = Limits(api_per_user=rate)
        heads = [f"GET project, limits {c}: us, statements" for c in configs]
        print("| store | " + " | ".join(heads) + " |")
        print("|---|" + "---|" * len(configs))
        for store, url in urls.items():
            got = bench_requests(url, configs, args.rounds, args.n)
            cells = [f"{got[c][0]:.0f}, {got[c][1]:.1f}" for c in configs]
            print(f"| {store} | " + " | ".join(cells) + " |")
        if not args.off_only:
            print()
            print("| store | check_api alone: wall us | CPU us | statements per check |")
            print("|---|---|---|---|")
            for store, url in urls.items():
                per, cpu, statements = bench_check(url, rate, args.n * 3)
                print(f"| {store} | {per:.1f} | {cpu:.1f} | {statements:.1f} |")
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
