"""In-process events, delivered after the transaction that caused them commits.

    from labelcore.service.events import EventBus
    core.events.on("annotation.created", lambda event: print(event.payload["annotation"]["id"]))
    core.events.on("*", audit_log)          # every event

Event names: ``project.created``, ``project.updated``, ``project.deleted``, ``tasks.created``,
``tasks.deleted``, ``annotation.created``, ``annotation.updated``, ``annotations.deleted``,
``draft.saved``, ``draft.deleted``, ``predictions.created``, ``predictions.deleted``,
``members.updated``, ``tasks.assigned``, ``tasks.unassigned``, ``user.erased``,
``review.created``, ``review.updated``, ``reviews.deleted``.
A handler that raises is logged and never fails the write (the write has already committed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from labelcore.model import UserId, utcnow

log = logging.getLogger("labelcore.events")

EVENT_NAMES = frozenset(
    {
        "project.created",
        "project.updated",
        "project.deleted",
        "tasks.created",
        "tasks.deleted",
        "annotation.created",
        "annotation.updated",
        "annotations.deleted",
        "draft.saved",
        "draft.deleted",
        "predictions.created",
        "predictions.deleted",
        "members.updated",
        "tasks.assigned",
        "tasks.unassigned",
        "user.erased",
        "review.created",  # issue 11: a reviewer accepted, rejected or fixed an annotation
        "review.updated",  # its comment changed
        "reviews.deleted",  # verdicts withdrawn (the annotation's state follows)
    }
)


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened. ``payload`` holds Label Studio JSON of the objects involved
    (made with ``labelcore._converter``): ``project`` for project events, ``tasks`` (list) for
    task events, ``annotation`` + ``task`` for annotation events, ``annotations`` (list of
    ``{"id": ...}``) for deletions, ``draft``, ``predictions``."""

    name: str
    project_id: int | None
    payload: dict[str, Any]
    user_id: UserId | None = None
    at: Any = attrs.field(factory=utcnow)


Handler = Callable[[Event], object]


class EventBus:
    """Subscribers per event name; events raised inside ``collect()`` wait for its end.

    ``emit`` inside an open ``collect()`` block queues the event; leaving the outermost block
    without an exception delivers the queue, leaving it with one drops it (nothing committed,
    nothing happened). A nested block left with an exception drops the events it queued,
    as the store undoes a failing nested transaction. ``emit`` outside any block delivers at once.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def on(self, name: str, handler: Handler) -> Handler:
        """Call ``handler(event)`` for each event called ``name`` (``"*"``: all). Returns the
        handler, so ``on`` works as a decorator factory's body."""
        if name != "*" and name not in EVENT_NAMES:
            raise ValueError(f"unknown event {name!r}; known: {', '.join(sorted(EVENT_NAMES))}")
        with self._lock:
            self._handlers.setdefault(name, []).append(handler)
        return handler

    def off(self, name: str, handler: Handler) -> None:
        """Remove a handler added with ``on`` (no error when it is not there)."""
        with self._lock:
            handlers = self._handlers.get(name, [])
            if handler in handlers:
                handlers.remove(handler)

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Queue events until the outermost block ends; deliver them only on success."""
        depth: int = getattr(self._local, "depth", 0)
        if depth == 0:
            self._local.queue = []
        mark = len(self._local.queue)  # a failing inner block drops only its own events
        self._local.depth = depth + 1
        ok = False
        try:
            yield
            ok = True
        finally:
            self._local.depth = depth
            if not ok:
                del self._local.queue[mark:]
            if depth == 0:
                queue: list[Event] = self._local.queue
                self._local.queue = []
                if ok:
                    for event in queue:
                        self._deliver(event)

    def emit(self, event: Event) -> None:
        if getattr(self._local, "depth", 0) > 0:
            self._local.queue.append(event)
        else:
            self._deliver(event)

    def _deliver(self, event: Event) -> None:
        with self._lock:
            handlers = [*self._handlers.get(event.name, ()), *self._handlers.get("*", ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # a hook must never fail the write that already committed
                log.exception("event handler %r failed on %s", handler, event.name)
