"""Continuous percentiles (``percentile_cont``: linear interpolation between the two nearest
ranks) computed by the database: Postgres' own ordered-set aggregate, elsewhere (SQLite) the
same definition with window functions. Either way in SQL, never a loop over rows in Python."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, case, cast, func, literal, select
from sqlalchemy.orm import Session

Groups = dict[Any, list[float | None]]


def percentiles(
    session: Session,
    source: Select,
    values: Sequence[str],
    fractions: Sequence[float],
    *,
    native: bool | None = None,
) -> Groups:
    """Percentiles of ``source``'s ``values`` columns per its ``group`` column.

    ``source`` selects a column labelled ``group`` (a constant when there is one group) and the
    labelled value columns; NULL values are ignored. Answers {group: [each value at each
    fraction, value by value]}.
    """
    dialect = session.get_bind().dialect.name
    if native is None:
        native = dialect == "postgresql"
    rows = source.subquery()
    if native:
        statement = select(
            rows.c.group,
            *(func.percentile_cont(f).within_group(rows.c[v]) for v in values for f in fractions),
        ).group_by(rows.c.group)
        return {row[0]: [_number(v) for v in row[1:]] for row in session.execute(statement)}
    answer: Groups = {}
    for position, value in enumerate(values):
        statement = _windowed(rows, value, fractions, floor_by_cast=dialect == "sqlite")
        for row in session.execute(statement):
            found = answer.setdefault(row[0], [None] * (len(values) * len(fractions)))
            found[position * len(fractions) : (position + 1) * len(fractions)] = map(
                _number, row[1:]
            )
    return answer


def _number(value) -> float | None:
    return None if value is None else float(value)


def _windowed(rows, value: str, fractions: Sequence[float], *, floor_by_cast: bool) -> Select:
    ranked = (
        select(
            rows.c.group,
            rows.c[value].label("value"),
            (func.row_number().over(partition_by=rows.c.group, order_by=rows.c[value]) - 1).label(
                "rank"
            ),
            func.count().over(partition_by=rows.c.group).label("n"),
        )
        .where(rows.c[value].is_not(None))
        .subquery()
    )
    return select(
        ranked.c.group, *(_interpolated(ranked, f, floor_by_cast) for f in fractions)
    ).group_by(ranked.c.group)


def _interpolated(ranked, fraction: float, floor_by_cast: bool) -> ColumnElement:
    position = literal(fraction) * (ranked.c.n - 1)
    # SQLite may lack floor(); its integer cast truncates, which floors positions (>= 0).
    low = cast(position, Integer) if floor_by_cast else func.floor(position)
    weight = position - low
    return func.sum(
        case(
            (ranked.c.rank == low, ranked.c.value * (1 - weight)),
            (ranked.c.rank == low + 1, ranked.c.value * weight),
            else_=0,
        )
    )
