"""Shared pieces of the converter: the cattrs converter, datetimes, results, small checks."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import cattrs

from labelcore.errors import ValidationError
from labelcore.model import Result, UserId

# -- datetimes --------------------------------------------------------------------------------


def dt_to_json(value: dt.datetime | None) -> str | None:
    """Label Studio's timestamp form: ISO 8601 in UTC with a ``Z`` (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def dt_from_json(value: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp (``Z`` or an offset; naive means UTC) to aware UTC."""
    if not isinstance(value, str):
        raise ValidationError(f"expected an ISO 8601 timestamp string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


# -- the converter ----------------------------------------------------------------------------


def make_converter() -> cattrs.Converter:
    """A fresh converter with labelcore's hooks (datetimes, enums, frozensets, Result)."""
    conv = cattrs.Converter()
    conv.register_unstructure_hook(dt.datetime, dt_to_json)
    conv.register_structure_hook(dt.datetime, lambda v, _t: dt_from_json(v))
    conv.register_unstructure_hook(frozenset, lambda v: sorted(v, key=str))
    conv.register_unstructure_hook(enum.Enum, lambda v: v.value)
    for prim in (bool, int, float, str):
        conv.register_structure_hook(prim, _strict(prim))
    conv.register_structure_hook(UserId, _structure_user_id)
    conv.register_structure_hook(UserId | None, _structure_user_id)
    conv.register_unstructure_hook(Result, result_to_json)
    conv.register_structure_hook(Result, lambda v, _t: result_from_json(v))
    return conv


def _structure_user_id(val: Any, _t: Any) -> UserId | None:
    if val is None or _is_user_id(val):
        return val  # type: ignore[no-any-return]
    raise ValueError(f"expected a user id (string or integer), got {val!r}")


def _strict(t: type) -> Any:
    """cattrs' default would turn "false" into True and "3" into 3: refuse instead."""

    def hook(val: Any, target: Any) -> Any:
        if isinstance(target, type) and issubclass(target, enum.Enum):
            # StrEnum subclasses str, so this hook also receives them
            try:
                return target(val)
            except ValueError:
                allowed = ", ".join(repr(m.value) for m in target)
                raise ValueError(f"expected one of {allowed}, got {val!r}") from None
        ok = isinstance(val, t) and (t is bool or not isinstance(val, bool))
        if t is float and isinstance(val, int) and not isinstance(val, bool):
            return float(val)
        if not ok:
            raise ValueError(f"expected {_json_type(t)}, got {val!r}")
        return val

    return hook


# -- results ----------------------------------------------------------------------------------

# JSON key -> (Result attribute, accepted JSON types)
_NUM = (int, float)
_RESULT_FIELDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "id": ("id", (str,)),
    "type": ("type", (str,)),
    "from_name": ("from_name", (str,)),
    "to_name": ("to_name", (str,)),
    "value": ("value", (dict,)),
    "origin": ("origin", (str,)),
    "score": ("score", _NUM),
    "readonly": ("readonly", (bool,)),
    "parentID": ("parent_id", (str,)),
    "item_index": ("item_index", (int,)),
    "original_width": ("original_width", _NUM),
    "original_height": ("original_height", _NUM),
    "image_rotation": ("image_rotation", _NUM),
    "original_length": ("original_length", _NUM),
    "from_id": ("from_id", (str,)),
    "to_id": ("to_id", (str,)),
    "direction": ("direction", (str,)),
    "labels": ("labels", (list,)),
    "meta": ("meta", (dict,)),
}


def result_from_json(d: Mapping[str, Any]) -> Result:
    """The typed view of one result item; raises ValidationError for a wrongly typed field."""
    if not isinstance(d, Mapping):
        raise ValidationError(f"a result item must be an object, got {type(d).__name__}")
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, val in d.items():
        spec = _RESULT_FIELDS.get(key)
        if spec is None or val is None:
            extra[key] = val
            continue
        attr, types = spec
        bad_bool = isinstance(val, bool) and bool not in types
        if not isinstance(val, types) or bad_bool:
            names = " or ".join(_json_type(t) for t in types)
            raise ValidationError(
                f"result field {key!r} must be {names}, got {val!r}",
                code="result.invalid",
                errors=[{"code": "result.invalid", "message": f"{key} must be {names}"}],
            )
        kwargs[attr] = val
    if "type" not in kwargs:
        raise ValidationError(
            "a result item needs a string 'type'",
            code="result.invalid",
            errors=[{"code": "result.invalid", "message": "type is required"}],
        )
    return Result(extra=extra, **kwargs)


def result_to_json(r: Result) -> dict[str, Any]:
    """Label Studio's JSON for one result item; the exact inverse of result_from_json."""
    out: dict[str, Any] = {}
    for key, (attr, _types) in _RESULT_FIELDS.items():
        val = getattr(r, attr)
        if val is not None:
            out[key] = val
    for key, val in r.extra.items():
        out.setdefault(key, val)
    return out


def results_from_json(items: Iterable[Mapping[str, Any]]) -> list[Result]:
    """Typed views of a result list; a bad item is named by its index."""
    out = []
    for i, item in enumerate(items):
        try:
            out.append(result_from_json(item))
        except ValidationError as exc:
            raise ValidationError(
                f"result item {i}: {exc.message}", code=exc.code, errors=exc.errors
            ) from None
    return out


def _json_type(t: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        dict: "an object",
        list: "a list",
    }.get(t, t.__name__)


converter = make_converter()


def _is_user_id(val: Any) -> bool:
    return (isinstance(val, int) and not isinstance(val, bool)) or (
        isinstance(val, str) and val != ""
    )


def _kind(val: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(val), type(val).__name__)


def _cattrs_messages(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        msgs = [f"{note.name}: {sub}" for sub, note in with_notes]
        msgs += [str(sub) for sub in without]
        return msgs or [str(exc)]
    return [str(exc)]
