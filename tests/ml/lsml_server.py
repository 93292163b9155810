"""Run a real ``label-studio-ml`` 1.0.x server with small test models (not a test module).

Usage: ``<venv>/python lsml_server.py ner|boxes <model_dir>``; prints ``PORT <n>`` once the
server listens on 127.0.0.1 (port chosen by the OS), then serves until killed. Runs in the
separate virtual environment that has ``label-studio-ml`` (it pins an old Flask).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from label_studio_ml.api import init_app
from label_studio_ml.model import LabelStudioMLBase
from werkzeug.serving import make_server

FITS: list[int] = []


class KeywordNER(LabelStudioMLBase):
    """Labels every capitalised word "Name"; learns extra words from annotations."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        out = self.train_output or {}
        self.extra = set(out.get("words", []))

    def predict(self, tasks: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
        predictions = []
        for task in tasks:
            text = task["data"]["text"]
            regions = []
            for m in re.finditer(r"\b\w+\b", text):
                word = m.group(0)
                if word[0].isupper() or word in self.extra:
                    regions.append(
                        {
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {
                                "start": m.start(),
                                "end": m.end(),
                                "text": word,
                                "labels": ["Name"],
                            },
                            "score": 0.6,
                        }
                    )
            predictions.append({"result": regions, "score": 0.6 if regions else 0.1})
        return predictions

    def fit(self, tasks: Any, workdir: str | None = None, **kwargs: Any) -> dict[str, Any]:
        words = set()
        count = 0
        for task in tasks:
            count += 1
            for ann in task.get("annotations", []):
                for r in ann.get("result", []):
                    words.add(r.get("value", {}).get("text", ""))
        return {"words": sorted(w for w in words if w), "tasks_seen": count}


class FixedBox(LabelStudioMLBase):
    """Proposes the same box on every image."""

    def predict(self, tasks: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
        box = {
            "x": 10,
            "y": 10,
            "width": 50,
            "height": 40,
            "rotation": 0,
            "rectanglelabels": ["Car"],
        }
        return [
            {
                "result": [
                    {
                        "from_name": "box",
                        "to_name": "image",
                        "type": "rectanglelabels",
                        "original_width": 640,
                        "original_height": 480,
                        "value": box,
                        "score": 0.8,
                    }
                ],
                "score": 0.8,
            }
            for _ in tasks
        ]

    def fit(self, tasks: Any, workdir: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return {"tasks_seen": len(list(tasks))}


def main() -> None:
    model = {"ner": KeywordNER, "boxes": FixedBox}[sys.argv[1]]
    app = init_app(model_class=model, model_dir=sys.argv[2])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    print(json.dumps({"model": sys.argv[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
