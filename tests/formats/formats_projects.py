"""Small fixed projects, one per config family, for the export tests (tasks in LS export shape)."""

from __future__ import annotations

import copy
import struct
from typing import Any

T0 = "2024-03-01T10:00:00Z"


def rle_encode(values: list[int]) -> list[int]:
    """Label Studio brush RLE (word size 8, run sizes 3/4/8/16) of a flat RGBA value list."""
    bits: list[str] = [f"{len(values):032b}", f"{8 - 1:05b}"]
    bits += [f"{s - 1:04b}" for s in (3, 4, 8, 16)]
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i] and j - i < 2**16:
            j += 1
        run = j - i
        if run == 1:
            bits.append("0" + "00" + "000" + f"{values[i]:08b}")
        else:
            for limit, idx, width in (
                (8, "00", 3),
                (16, "01", 4),
                (256, "10", 8),
                (2**16, "11", 16),
            ):
                if run <= limit:
                    bits.append("1" + idx + f"{run - 1:0{width}b}" + f"{values[i]:08b}")
                    break
        i = j
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return [int(text[k : k + 8], 2) for k in range(0, len(text), 8)]


def mask_rle(width: int, height: int, on: set[tuple[int, int]]) -> list[int]:
    values = []
    for y in range(height):
        for x in range(width):
            v = 255 if (x, y) in on else 0
            values += [v, v, v, v]
    return rle_encode(values)


def png_file(width: int, height: int) -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def wav_file(seconds: float, rate: int = 8000) -> bytes:
    import io
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return buf.getvalue()


def task(
    tid: int, data: dict[str, Any], annotations=(), predictions=(), drafts=()
) -> dict[str, Any]:
    anns = [
        {
            "id": a.get("id", tid * 10 + i),
            "completed_by": a.get("completed_by", 1),
            "result": a["result"],
            "was_cancelled": a.get("was_cancelled", False),
            "ground_truth": a.get("ground_truth", False),
            "created_at": a.get("created_at", T0),
            "updated_at": a.get("created_at", T0),
            "draft_created_at": None,
            "lead_time": a.get("lead_time", 12.5),
            "prediction": {},
            "result_count": len(a["result"]),
            "unique_id": f"u-{tid}-{i}",
            "import_id": None,
            "last_action": None,
            "bulk_created": False,
            "task": tid,
            "project": 1,
            "updated_by": a.get("completed_by", 1),
            "parent_prediction": None,
            "parent_annotation": None,
            "last_created_by": None,
        }
        for i, a in enumerate(annotations)
    ]
    return {
        "id": tid,
        "annotations": anns,
        "file_upload": None,
        "drafts": list(drafts),
        "predictions": [
            {
                "id": 900 + tid * 10 + i,
                "result": p["result"],
                "model_version": p.get("model_version", "m1"),
                "score": p.get("score", 0.5),
                "created_at": T0,
                "updated_at": T0,
                "task": tid,
                "project": 1,
            }
            for i, p in enumerate(predictions)
        ],
        "data": data,
        "meta": {},
        "created_at": T0,
        "updated_at": T0,
        "inner_id": tid,
        "total_annotations": sum(1 for a in anns if not a["was_cancelled"]),
        "cancelled_annotations": sum(1 for a in anns if a["was_cancelled"]),
        "total_predictions": len(predictions),
        "project": 1,
        "updated_by": None,
    }


def span(rid: str, start: int, end: int, text: str, label: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


NER_XML = """<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
  <TextArea name="comment" toName="text"/>
</View>"""

NER_TEXT = 'Alice Smith joined Acme Corp. in "New York" yesterday.'


def ner_tasks() -> list[dict[str, Any]]:
    return [
        task(
            1,
            {"text": NER_TEXT, "sentiment": "collides with a control name"},
            [
                {
                    "result": [
                        span("a", 0, 11, "Alice Smith", "PER"),
                        span("b", 19, 29, "Acme Corp.", "ORG"),
                        span("c", 34, 42, "New York", "LOC"),
                        {
                            "id": "s",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Positive"]},
                        },
                        {
                            "id": "t",
                            "from_name": "comment",
                            "to_name": "text",
                            "type": "textarea",
                            "value": {"text": ["looks right"]},
                        },
                        {"from_id": "a", "to_id": "b", "type": "relation", "direction": "right"},
                    ]
                },
                {
                    "result": [],
                    "was_cancelled": True,
                    "completed_by": 2,
                    "created_at": "2024-03-02T10:00:00Z",
                },
            ],
            predictions=[{"result": [span("p", 0, 5, "Alice", "PER")]}],
        ),
        task(
            2,
            {"text": "Bob works at Initech, Inc. today"},
            [
                {
                    "result": [span("d", 0, 3, "Bob", "PER")],
                    "completed_by": 2,
                    "created_at": "2024-03-01T09:00:00Z",
                },
                {
                    "result": [span("e", 13, 26, "Initech, Inc.", "ORG")],
                    "completed_by": 3,
                    "ground_truth": True,
                    "created_at": "2024-03-01T11:00:00Z",
                },
            ],
        ),
        task(3, {"text": "Nothing labeled here."}),
    ]


IMAGE_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Person" category="7"/><Label value="Car"/><Label value="Bike"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="Road"/></PolygonLabels>
</View>"""


def box(
    rid: str,
    x: float,
    y: float,
    w: float,
    h: float,
    label: str,
    rotation: float = 0,
    ow: int = 800,
    oh: int = 600,
) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": "box",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": ow,
        "original_height": oh,
        "image_rotation": 0,
        "value": {
            "x": x,
            "y": y,
            "width": w,
            "height": h,
            "rotation": rotation,
            "rectanglelabels": [label],
        },
    }


def image_tasks() -> list[dict[str, Any]]:
    poly = {
        "id": "p1",
        "from_name": "poly",
        "to_name": "image",
        "type": "polygonlabels",
        "original_width": 800,
        "original_height": 600,
        "value": {
            "points": [[10, 50], [90, 50], [90, 100], [10, 100]],
            "closed": True,
            "polygonlabels": ["Road"],
        },
    }
    return [
        task(
            1,
            {"image": "/data/upload/1/abc123-street.jpg"},
            [
                {
                    "result": [
                        box("b1", 10, 20, 30, 40, "Car"),
                        box("b2", 50, 10, 20, 20, "Person", 30),
                        poly,
                    ]
                },
            ],
        ),
        task(
            2,
            {"image": "https://cdn.example.com/imgs/cat%20photo.png?sig=abc"},
            [
                {"result": [box("b3", 25, 25, 50, 50, "Bike", ow=1024, oh=768)], "completed_by": 4},
            ],
        ),
        # no annotations: size from a prediction on the same image
        task(
            3,
            {"image": "s3://bucket/night.jpg"},
            predictions=[{"result": [box("q", 1, 1, 2, 2, "Car", ow=1920, oh=1080)]}],
        ),
        # no annotations, no results: size from the local file header (media_root)
        task(4, {"image": "/data/local-files/?d=photos/local.png"}),
    ]


POSE_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Person"/><Label value="Dog"/>
  </RectangleLabels>
  <KeyPointLabels name="kp" toName="image">
    <Label value="head" model_index="0"/><Label value="left_hand" model_index="1"/>
    <Label value="right_hand" model_index="2"/>
  </KeyPointLabels>
</View>"""


def kp(rid: str, x: float, y: float, label: str, parent: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": "kp",
        "to_name": "image",
        "type": "keypointlabels",
        "original_width": 640,
        "original_height": 480,
        "parentID": parent,
        "value": {"x": x, "y": y, "width": 0.5, "keypointlabels": [label]},
    }


def pose_tasks() -> list[dict[str, Any]]:
    return [
        task(
            1,
            {"image": "/data/upload/1/people.jpg"},
            [
                {
                    "result": [
                        box("r1", 10, 10, 30, 60, "Person", ow=640, oh=480),
                        kp("k2", 15, 40, "right_hand", "r1"),
                        kp("k1", 25, 12, "head", "r1"),
                    ]
                },
            ],
        ),
        task(2, {"image": "/data/upload/1/empty.jpg"}),
    ]


BRUSH_XML = """<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="tag" toName="image"><Label value="Cat"/><Label value="Dog/Wolf"/></BrushLabels>
</View>"""


def brush_tasks() -> list[dict[str, Any]]:
    def brush(rid: str, label: str, on: set[tuple[int, int]]) -> dict[str, Any]:
        return {
            "id": rid,
            "from_name": "tag",
            "to_name": "image",
            "type": "brushlabels",
            "original_width": 8,
            "original_height": 6,
            "image_rotation": 0,
            "value": {"format": "rle", "rle": mask_rle(8, 6, on), "brushlabels": [label]},
        }

    square = {(x, y) for x in range(2, 5) for y in range(1, 4)}
    line = {(x, 5) for x in range(8)}
    return [
        task(
            1,
            {"image": "/data/upload/1/pets.png"},
            [
                {
                    "result": [
                        brush("m1", "Cat", square),
                        brush("m2", "Cat", line),
                        brush("m3", "Dog/Wolf", {(7, 0)}),
                    ],
                    "completed_by": {"id": 5, "email": "ann@example.com"},
                },
            ],
        ),
    ]


AUDIO_XML = """<View>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" rows="2" editable="true"/>
</View>"""


def audio_tasks() -> list[dict[str, Any]]:
    def text(rid: str, words: str, length: float | None = None) -> dict[str, Any]:
        r = {
            "id": rid,
            "from_name": "transcription",
            "to_name": "audio",
            "type": "textarea",
            "value": {"text": [words]},
        }
        if length is not None:
            r["original_length"] = length
        return r

    return [
        task(1, {"audio": "/data/upload/1/hello.wav"}, [{"result": [text("t1", "hello world")]}]),
        task(
            2,
            {"audio": "https://example.com/remote.mp3"},
            [{"result": [text("t2", "good morning", 2.75)], "completed_by": 3}],
        ),
        task(
            3,
            {"audio": "https://example.com/unknown.mp3"},
            [{"result": [text("t3", "no duration anywhere")]}],
        ),
        task(4, {"audio": "/data/upload/1/untranscribed.wav"}),
    ]


CLASSIFY_XML = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="multiple">
    <Choice value="Good"/><Choice value="Bad"/><Choice value="Funny"/>
  </Choices>
  <Rating name="stars" toName="text" maxRating="5"/>
</View>"""


def classify_tasks() -> list[dict[str, Any]]:
    return [
        task(
            1,
            {"review": "Great, would buy again", "meta_info": {"lang": "en"}},
            [
                {
                    "result": [
                        {
                            "id": "c1",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Good"]},
                        },
                        {
                            "id": "c2",
                            "from_name": "stars",
                            "to_name": "text",
                            "type": "rating",
                            "value": {"rating": 5},
                        },
                    ]
                },
            ],
        ),
        task(
            2,
            {"review": "Terrible; also funny", "meta_info": {"lang": "en"}},
            [
                {
                    "result": [
                        {
                            "id": "c3",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Bad", "Funny"]},
                        },
                    ],
                    "completed_by": "host-user-7",
                },
            ],
        ),
        task(3, {"review": "Not labeled yet", "meta_info": {"lang": "de"}}),
    ]


FAMILIES = {
    "ner": (NER_XML, ner_tasks),
    "image": (IMAGE_XML, image_tasks),
    "pose": (POSE_XML, pose_tasks),
    "brush": (BRUSH_XML, brush_tasks),
    "audio": (AUDIO_XML, audio_tasks),
    "classify": (CLASSIFY_XML, classify_tasks),
}


def family(name: str) -> tuple[str, list[dict[str, Any]]]:
    xml, make = FAMILIES[name]
    return xml, copy.deepcopy(make())
