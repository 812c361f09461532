"""Shared pieces of the fuzz tests: bounded Hypothesis settings, text no door should choke on,
and a runner that drives every operation of an OpenAPI description with schemathesis."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.tickets.text import strip_unprintable


def bounded(examples: int) -> settings:
    """Few, reproducible examples: the suite must stay fast in CI."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# What a careless or hostile client sends: NUL and other controls, line breaks, the BOM,
# right-to-left overrides, very long and very short text, digits beyond any column.
NASTY = [
    "\x00",
    "a\x00b",
    "\r\n",
    "\x0b\x1b[31m",
    "\ufeff",
    "\u202e",
    "\ufffe",
    "𝕏" * 3,
    "99999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "x" * 5000,
]
# Form values: any text but lone surrogates (a form arrives as UTF-8 bytes, which cannot
# carry them; JSON can, and the JSON tests add them).
form_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(codec="utf-8"), max_size=60),
)
json_text = st.one_of(
    form_text,
    st.sampled_from(["\ud800", "a\udfffb", "\ud83d"]),
    st.text(st.characters(exclude_categories=()), max_size=20),
)


# Strings in URLs and forms can be any of these; integers and dates in URLs too, so the generator
# also sends the out-of-range values of the bug reports (registered as string formats below).
integer_text = st.one_of(
    st.integers().map(str),
    st.sampled_from(["99999999999999999", str(2**31), str(2**63), "-0", "1_000", "٣", "²"]),
)
datetime_text = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(
        ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "2026-02-30T10:00:00Z"]
    ),
)
FORMATS = {
    "hostile": form_text,
    "hostile-json": json_text,
    "hostile-integer": integer_text,
    "hostile-datetime": datetime_text,
}
for _name, _strategy in FORMATS.items():
    schemathesis.openapi.format(_name, _strategy)


def hostile(node, *, in_json: bool = False):
    """The OpenAPI document with its plain strings, dates and URL integers drawn from the
    strategies above (``format`` keywords), so fuzzing reaches the boundary's edge cases."""
    if isinstance(node, list):
        return [hostile(item, in_json=in_json) for item in node]
    if not isinstance(node, dict):
        return node
    found = {k: hostile(v, in_json=in_json or k == "application/json") for k, v in node.items()}
    kind = found.get("type")
    if kind == "string" and found.get("format") in ("date-time", "date"):
        return {**found, "format": "hostile-datetime"}
    if kind == "string" and not {"format", "enum", "pattern"} & found.keys():
        return {**found, "format": "hostile-json" if in_json else "hostile"}
    if found.get("in") in ("query", "path") and found.get("schema", {}).get("type") == "integer":
        return {**found, "schema": {"type": "string", "format": "hostile-integer"}}
    return found


def assert_clean(*texts: str | None) -> None:
    """Stored text carries nothing a database or an XML document would refuse."""
    for text in texts:
        if text is not None:
            assert strip_unprintable(text) == text, repr(text)


def assert_well_formed_if_xml(response) -> None:
    content_type = response.headers.get("Content-Type", "")
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if "xml" in content_type:
        ET.fromstring(response.content)  # noqa: S314 - our own answer; raises if malformed


def fuzz_every_operation(
    schema,
    examples: dict[GenerationMode, int],
    call: Callable,
) -> list[str]:
    """Run ``call(case)`` on bounded examples of every operation in each generation mode;
    returns the labels of the operations called (one per example)."""
    calls: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for mode, count in examples.items():
        for operation in operations:

            @bounded(count)
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                call(case)
                calls.append(case.operation.label)

            try:
                check()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode == GenerationMode.NEGATIVE
    return calls


# Checks that would blame the server for being lenient (ignoring an unknown parameter,
# refusing a well-typed value that names nothing) rather than for breaking.
LENIENCY = [positive_data_acceptance, negative_data_rejection]


@contextmanager
def no_rate_limits():
    from app.extensions import limiter

    limiter.enabled = False
    try:
        yield
    finally:
        limiter.enabled = True
