"""Compare our parse of a config with label-studio-sdk's LabelInterface (a test-only reference).

Returned as {name: (tag, sorted toName)} for controls and {name: tag} for objects, tags
lowercased (the SDK keeps the spelling of the XML). Two deliberate differences are folded in:
the SDK drops a control without ``toName`` (we keep it; the gallery's chatbot assessment has a
Rating so) and calls the control side of ``<Chat toName="chat">`` "Chat" (ours is always
ChatMessage).
"""

from __future__ import annotations

from typing import Any

from labelcore import parse_config

Parsed = tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str]]


def ours(xml: str) -> Parsed:
    cfg = parse_config(xml)
    controls = {
        n: (c.tag.lower(), tuple(sorted(c.to_names))) for n, c in cfg.controls.items() if c.to_names
    }
    return controls, {n: o.tag.lower() for n, o in cfg.objects.items()}


def sdk(xml: str) -> Parsed:
    from label_studio_sdk.label_interface import LabelInterface

    li: Any = LabelInterface(xml)
    controls = {}
    for name, c in li._controls.items():
        tag = "chatmessage" if c.tag.lower() == "chat" else c.tag.lower()
        controls[name] = (tag, tuple(sorted(c.to_name or [])))
    return controls, {n: o.tag.lower() for n, o in li._objects.items()}
