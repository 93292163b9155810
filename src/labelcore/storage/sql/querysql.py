"""A validated ``TaskQuery`` as SQLAlchemy expressions: allow-listed columns, bound values.

    from labelcore.storage.sql.querysql import QuerySQL
    qs = QuerySQL(dialect="sqlite", fts=True)
    where = qs.where(validate_query(query))     # a list of boolean expressions

Semantics match ``labelcore.storage.evaluate`` (the reference): data keys are read with the
database's JSON functions (SQLite ``json_extract``/``json_type`` with a bound path,
PostgreSQL ``jsonb_extract_path`` with bound keys), substring filters are narrowed by the
FTS5 trigram / pg_trgm index when it exists, and no user text ever becomes SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from labelcore.query import (
    NEGATIVE,
    NUMERIC_TEXT,
    Filter,
    FilterGroup,
    Ordering,
    TaskQuery,
    data_path,
    uses_operators,
)
from labelcore.storage.sql._dataindex import indexable
from labelcore.storage.sql.tables import ANNOTATIONS, DRAFTS, PREDICTIONS, TASKS

T, A, P, D = TASKS, ANNOTATIONS, PREDICTIONS, DRAFTS
FTS_TABLE = "labelcore_task_fts"
_POSITIVE = {
    "not_equal": "equal",
    "not_contains": "contains",
    "not_in": "in",
    "not_in_list": "in_list",
}
_RANGE = {
    "less": "__lt__",
    "less_or_equal": "__le__",
    "equal": "__eq__",
    "greater": "__gt__",
    "greater_or_equal": "__ge__",
}
_JSON_ESCAPED = frozenset('"\\') | {chr(i) for i in range(32)}
# SQLAlchemy expression trees (typed loosely: the builders mix functions, CASEs and columns)
Expr = Any
Cond = Any


def _floats(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(float(v) for v in value)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def trigram_query(needle: str) -> str:
    """An FTS5 query for the rows whose text holds every trigram of ``needle`` (at least 3
    characters): a superset of the rows that contain it, which the exact condition narrows.
    The index keeps row ids only (migration 0013), so it cannot answer a phrase query."""
    grams = dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 2))
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


class QuerySQL:
    """Builds WHERE and ORDER BY expressions for one dialect."""

    def __init__(self, dialect: str, *, fts: bool, indexed: frozenset[str] = frozenset()) -> None:
        self.pg = dialect == "postgresql"
        self.fts = fts
        self.indexed = indexed  # data keys with an expression index (see _dataindex)

    # -- value expressions ------------------------------------------------------------------
    def _data(self, column: str, part: str) -> Any:
        """One expression over a data key: text, number, bool, empty, exists or order.
        Only the asked part is built (expression trees are costly to construct)."""
        keys = data_path(column)
        # an index-safe key (ASCII identifiers) is written inline, so expression indexes match
        inline = indexable(column)
        if self.pg:
            args = [
                sa.literal_column(f"'{k}'", sa.Text) if inline else sa.literal(k, sa.Text)
                for k in keys
            ]
            raw = sa.func.jsonb_extract_path(T.c.data, *args)
            text = sa.func.jsonb_extract_path_text(T.c.data, *args)
            if part == "text":
                return text
            kind = sa.func.jsonb_typeof(raw)
            if part == "number":
                return sa.case(
                    (kind == "number", sa.cast(text, sa.Float)),
                    (
                        sa.and_(kind == "string", text.op("~")(NUMERIC_TEXT)),
                        sa.cast(text, sa.Float),
                    ),
                )
            if part == "bool":
                return sa.case((kind == "boolean", sa.cast(text, sa.Boolean)))
            if part == "exists":
                return sa.and_(raw.is_not(None), kind != "null")
            if part == "empty":
                return sa.or_(
                    raw.is_(None),
                    kind == "null",
                    sa.and_(kind == "string", text == ""),
                    sa.and_(kind == "array", sa.func.jsonb_array_length(raw) == 0),
                    sa.and_(kind == "object", text == "{}"),
                )
            # constants inline (they are ours, not the user's): a bound parameter would keep
            # PostgreSQL from matching the data-key index built on these expressions
            c = sa.literal_column
            return [
                sa.case(
                    (kind.is_(None), None),
                    (kind == c("'null'"), None),
                    (kind.in_([c("'number'"), c("'boolean'")]), c("0")),
                    (kind == c("'string'"), c("1")),
                    else_=c("2"),
                ),
                sa.case(
                    (kind == c("'number'"), sa.cast(text, sa.Float)),
                    (
                        kind == c("'boolean'"),
                        sa.case((text == c("'true'"), c("1.0")), else_=c("0.0")),
                    ),
                ),
                sa.case(
                    (kind.in_([c("'string'"), c("'object'"), c("'array'")]), text.collate("C"))
                ),
            ]
        dotted = "$" + "".join(f'."{k}"' for k in keys)
        path = sa.literal_column(f"'{dotted}'", sa.Text) if inline else sa.literal(dotted, sa.Text)
        value = sa.func.json_extract(T.c.data, path)
        if part == "order":
            return [value]
        kind = sa.func.json_type(T.c.data, path)
        # simple CASE forms: json_type() runs once per row
        if part == "text":
            return sa.case(
                {"text": value, "true": "true", "false": "false", "null": None},
                value=kind,
                else_=sa.cast(value, sa.Text),
            )
        if part == "number":
            return sa.case(
                {"integer": value, "real": value, "text": sa.func.lc_num(value)}, value=kind
            )
        if part == "bool":
            return sa.case({"true": True, "false": False}, value=kind)
        if part == "exists":
            return sa.and_(kind.is_not(None), kind != "null")
        return sa.or_(
            kind.is_(None),
            kind == "null",
            sa.and_(kind == "text", value == ""),
            sa.and_(kind == "array", sa.func.json_array_length(T.c.data, path) == 0),
            sa.and_(kind == "object", value == "{}"),
        )

    def _scalar(self, column: str) -> Expr:
        if column == "predictions_score":
            return sa.select(sa.func.avg(P.c.score)).where(P.c.task_id == T.c.id).scalar_subquery()
        if column == "avg_lead_time":
            return (
                sa.select(sa.func.avg(A.c.lead_time)).where(A.c.task_id == T.c.id).scalar_subquery()
            )
        if column == "draft_exists":
            return sa.case((sa.exists().where(D.c.task_id == T.c.id), True), else_=False)
        if column in ("review_state", "agreement"):
            from labelcore.storage.sql._reviews import quality_column

            return quality_column(column)
        if column in ("reviews_accepted", "reviews_rejected"):
            from labelcore.storage.sql._reviews import REVIEWS

            return (
                sa.select(sa.func.count())
                .select_from(REVIEWS)
                .where(
                    REVIEWS.c.task_id == T.c.id,
                    REVIEWS.c.accepted == (column == "reviews_accepted"),
                )
                .scalar_subquery()
            )
        return T.c[column]

    def order_exprs(self, ordering: Sequence[Ordering]) -> list[list[Expr]]:
        """Per ordering column, the expressions to sort by (PostgreSQL data keys need three)."""
        return [
            self._data(o.column, "order")
            if o.column.startswith("data.")
            else [self._scalar(o.column)]
            for o in ordering
        ]

    # -- conditions -------------------------------------------------------------------------
    def _icontains(self, expr: Expr, needle: str) -> Cond:
        if self.pg:
            return expr.ilike(_like_pattern(needle), escape="\\")
        if needle.isascii():  # SQLite's lower() folds ASCII only: enough for an ASCII needle
            return sa.func.instr(sa.func.lower(expr), needle.lower()) > 0
        return sa.func.lc_icontains(expr, needle) == 1

    def _text_index(self, needle: str) -> Cond | None:
        """A cheap pre-filter on the whole task text, when an index can serve it."""
        if len(needle) < 3 or any(ch in _JSON_ESCAPED for ch in needle):
            return None
        if self.pg:
            return sa.cast(T.c.data, sa.Text).ilike(_like_pattern(needle), escape="\\")
        if not self.fts:
            return None
        match = sa.text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :lc_fts"  # noqa: S608 - constant
        ).bindparams(sa.bindparam("lc_fts", trigram_query(needle), unique=True))
        return T.c.id.in_(match.columns(sa.column("rowid", sa.Integer)))

    def _positive(self, expr: Expr, op: str, value: Any) -> Cond:
        if op == "equal":
            return expr == value
        if op == "in_list":
            return expr.in_(list(value))
        if op == "contains":
            return self._icontains(expr, value)
        if op == "starts_with":
            return sa.func.substr(expr, 1, len(value)) == value if value else expr.is_not(None)
        if op == "ends_with":
            if not value:
                return expr.is_not(None)
            tail = sa.func.right(expr, len(value)) if self.pg else sa.func.substr(expr, -len(value))
            return tail == value
        if op == "regex":
            return expr.op("~")(value) if self.pg else sa.func.lc_regexp(value, expr) == 1
        if op == "in":
            return expr.between(value[0], value[1])
        comparisons = {
            "less": "__lt__",
            "greater": "__gt__",
            "less_or_equal": "__le__",
            "greater_or_equal": "__ge__",
        }  # noqa: E501
        if op in comparisons:
            cond: Cond = getattr(expr, comparisons[op])(value)
            return cond
        raise AssertionError(f"unhandled operator {op}")

    def _index_range(self, column: str, part: str, op: str, value: Any) -> Cond | None:
        """A condition on the key's indexed sort expressions that holds every row the exact
        condition can match (the exact one still decides), so the index can be searched.

        SQLite (one expression, ``json_extract``) orders NULL < numbers < text: text rows
        (numeric text for a Number filter, numbers and booleans for a String ``equal``) are
        kept by the ``>= ''``/``< ''`` arms. PostgreSQL (kind 0 number/boolean, 1 string,
        2 object/array; a number; a text): numbers in range or any string for a Number
        filter, the text or any number/boolean for a String ``equal``."""
        if column not in self.indexed:
            return None
        number = part == "number" and (
            (op in _RANGE and isinstance(value, float)) or (op == "in" and isinstance(value, tuple))
        )
        if self.pg:
            kind, num, text = self._data(column, "order")
            if number:
                in_range = num.between(*value) if op == "in" else getattr(num, _RANGE[op])(value)
                return sa.or_(sa.and_(kind == 0, in_range), kind == 1)
            if part == "text" and op == "equal" and isinstance(value, str):
                return sa.or_(text == value, kind == 0)
            return None
        (raw,) = self._data(column, "order")
        if number and op in ("greater", "greater_or_equal"):
            return getattr(raw, _RANGE[op])(value)
        if number:
            in_range = raw.between(*value) if op == "in" else getattr(raw, _RANGE[op])(value)
            return sa.or_(in_range, raw >= "")
        if part == "text" and op == "equal" and isinstance(value, str):
            return sa.or_(raw == value, raw < "")
        return None

    def _related(self, flt: Filter) -> Cond:
        """Filters on annotations/predictions of the task: EXISTS sub-queries."""
        column, op, value = flt.column, flt.operator, flt.value
        if column in ("annotators", "annotations_ids", "annotations_results"):
            table, base = A, [A.c.task_id == T.c.id]
            if column == "annotators":
                base.append(A.c.completed_by.is_not(None))
        else:
            table, base = P, [P.c.task_id == T.c.id]
        any_row = sa.exists().where(*base)
        if op == "empty":
            return ~any_row if value else any_row
        if op == "exists":
            return any_row if flt.type != "List" else sa.true()
        if op == "not_exists":
            return ~any_row if flt.type != "List" else sa.false()
        positive = _POSITIVE.get(op, op)
        if column.endswith("_results"):
            cond: Any = sa.exists().where(
                *base, self._icontains(sa.cast(table.c.result, sa.Text), value)
            )
        else:
            field = {"annotators": A.c.completed_by, "annotations_ids": A.c.id}.get(
                column, P.c.model_version
            )
            wanted = [
                v
                for v in value
                if (isinstance(v, int | str) and not isinstance(v, bool))
                and (column == "annotators" or isinstance(v, int) == (column == "annotations_ids"))
            ]
            cond = sa.exists().where(*base, field.in_(wanted)) if wanted else sa.false()
        return ~cond if positive != op else cond

    def _filter(self, flt: Filter) -> Cond:
        if flt.column == "annotation_states":
            from labelcore.storage.sql._reviews import annotation_states_filter

            return annotation_states_filter(flt)
        if flt.column in (
            "annotators",
            "annotations_ids",
            "annotations_results",
            "predictions_results",
            "predictions_model_versions",
        ):
            return self._related(flt)
        op, value = flt.operator, flt.value
        if flt.column.startswith("data."):
            part = {"Number": "number", "Boolean": "bool"}.get(flt.type, "text")
            if op in ("empty", "exists", "not_exists"):
                part = "exists" if op != "empty" else "empty"
                cond = self._data(flt.column, part)
                if op == "empty":
                    return cond if value else ~cond
                return cond if op == "exists" else ~cond
            expr = self._data(flt.column, part)
            if flt.type == "Number":
                expr = sa.type_coerce(expr, sa.Float)
                value = _floats(value)  # bind 5 and 10.5 alike (SQLAlchemy types 5 as INTEGER)
            narrow = self._index_range(flt.column, part, op, value)
            if narrow is not None:
                return sa.and_(narrow, self._positive(expr, op, value))
            empty: Any = None
            exists: Any = None
        else:
            expr = self._scalar(flt.column)
            empty = expr.is_(None)
            if flt.column == "file_upload":
                empty = sa.or_(empty, expr == "")
            exists = expr.is_not(None)
            values = value if isinstance(value, tuple) else (value,)
            if flt.type == "Number" and any(isinstance(v, float) for v in values):
                expr = sa.type_coerce(expr, sa.Float)
                value = _floats(value)
        if op == "empty":
            return empty if value else ~empty
        if op == "exists":
            return exists
        if op == "not_exists":
            return ~exists
        cond = self._positive(expr, _POSITIVE.get(op, op), value)
        if op in NEGATIVE:
            return ~sa.func.coalesce(cond, sa.false())
        if op == "contains" and flt.column.startswith("data."):
            narrowed = self._text_index(value)
            if narrowed is not None:
                return sa.and_(narrowed, cond)
        return cond

    def _group(self, group: FilterGroup) -> Cond:
        conds = [
            self._group(i) if isinstance(i, FilterGroup) else self._filter(i) for i in group.items
        ]
        if not conds:
            return sa.true()
        return sa.and_(*conds) if group.conjunction == "and" else sa.or_(*conds)

    def where(self, query: TaskQuery) -> list[Cond]:
        """Conditions for the query's filters and selection (already validated)."""
        conds: list[Cond] = []
        if query.filters is not None and query.filters.items:
            conds.append(self._group(query.filters))
        sel = query.selection
        if sel is not None:
            if sel.all:
                if sel.excluded:
                    conds.append(T.c.id.not_in(list(sel.excluded)))
            else:
                conds.append(T.c.id.in_(list(sel.included)) if sel.included else sa.false())
        return conds

    def uses_regex(self, query: TaskQuery) -> bool:
        return self.uses(query, frozenset({"regex"}))

    @staticmethod
    def uses(query: TaskQuery, operators: frozenset[str]) -> bool:
        """Whether any filter of the query has one of ``operators``."""
        return uses_operators(query, operators)


def after(exprs: Sequence[tuple[Expr, bool]], values: Sequence[Any], last_id: int) -> Cond:
    """Rows strictly after a cursor in ``(exprs..., id)`` order, nulls last either way."""
    clauses: list[Cond] = []
    prefix: list[Cond] = []
    for (expr, descending), value in zip(exprs, values):
        if value is not None:
            beyond = expr < value if descending else expr > value
            clauses.append(sa.and_(*prefix, sa.or_(beyond, expr.is_(None))))
            prefix.append(expr == value)
        else:
            prefix.append(expr.is_(None))
    clauses.append(sa.and_(*prefix, T.c.id > last_id))
    return sa.or_(*clauses)
