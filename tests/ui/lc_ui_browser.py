"""Helpers for the browser tests (a uniquely named module: tests/adapters has a conftest too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class Harness:
    def __init__(self, page: Any) -> None:
        self.page = page

    def mount(
        self, config: str, data: dict[str, Any] | None = None, results: list[Any] | None = None
    ) -> None:
        self.page.evaluate(
            "([c, d, r]) => window.lcHarness.mount(c, d, r)", [config, data or {}, results or []]
        )

    def result(self) -> list[dict[str, Any]]:
        return self.page.evaluate("() => window.lcHarness.result()")  # type: ignore[no-any-return]

    def call(self, name: str, *args: Any) -> Any:
        return self.page.evaluate(f"(a) => window.lcHarness.{name}(...a)", list(args))

    def drag_select(self, selector: str, substring: str, occurrence: int = 0) -> None:
        """Select `substring` inside the element with a real mouse drag."""
        box = self.page.evaluate(
            """([sel, sub, occ]) => {
              const root = document.querySelector(sel);
              const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
              let all = "", nodes = [];
              for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
              let at = -1; for (let i = 0; i <= occ; i++) at = all.indexOf(sub, at + 1);
              if (at < 0) throw new Error("not found: " + sub);
              const pos = (x) => { for (const [n, s] of nodes) if (x >= s && x < s + n.data.length) return [n, x - s]; };
              const r1 = document.createRange(); const [n1, o1] = pos(at); r1.setStart(n1, o1); r1.setEnd(n1, o1 + 1);
              const end = at + sub.length; const [n2, o2] = pos(end - 1); const r2 = document.createRange(); r2.setStart(n2, o2); r2.setEnd(n2, o2 + 1);
              const a = r1.getClientRects()[0], b = r2.getClientRects()[0];
              return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
            }""",
            [selector, substring, occurrence],
        )
        m = self.page.mouse
        m.move(box["x1"], box["y1"])
        m.down()
        m.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=3)
        m.move(box["x2"], box["y2"], steps=3)
        m.up()


def strip_ids(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results without the random ids (relations keep their shape, ids replaced by indexes)."""
    ids = [r["id"] for r in results if "id" in r]
    out = []
    for r in results:
        r = dict(r)
        if "id" in r:
            r["id"] = f"#{ids.index(r['id'])}"
        if r.get("type") == "relation":
            r["from_id"] = f"#{ids.index(r['from_id'])}"
            r["to_id"] = f"#{ids.index(r['to_id'])}"
        out.append(r)
    return out


def login(page: Any, base_url: str, who: str) -> None:
    page.context.add_cookies([{"name": "who", "value": who, "url": base_url}])
