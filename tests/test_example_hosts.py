"""Both shipped example hosts, served for real: a user logs in through the host's own form
and sees the seeded demo projects through the labelcore API mounted at /label."""

from __future__ import annotations

import requests

from example_hosts import login


def test_example_host_login_and_projects(example_host: tuple[str, str]) -> None:
    host, url = example_host
    anonymous = requests.get(f"{url}/label/api/projects", timeout=30)
    assert anonymous.status_code == 401
    with requests.Session() as session:
        login(session, url, "bob", host=host)
        projects = session.get(f"{url}/label/api/projects", timeout=30).json()["results"]
        assert {p["title"] for p in projects} == {
            "Demo: people, organisations, places",
            "Demo: shapes in images",
        }
        page = session.get(f"{url}/label/", timeout=30)
        assert page.status_code == 200 and "lc-" in page.text
