"""schemathesis over an OpenAPI description of /open311/v2 (tests/open311_openapi.py): every
answer, to valid and to invalid requests, is no 5xx, is documented, matches its JSON Schema,
and, in XML, is a well-formed document. Bounded examples so it runs in CI."""

import schemathesis
from schemathesis import GenerationMode
from sqlalchemy import select

from app.models import Category, Ticket
from tests.fuzzing import (
    LENIENCY,
    assert_clean,
    assert_well_formed_if_xml,
    fuzz_every_operation,
    hostile,
    no_rate_limits,
)
from tests.open311_openapi import document

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 12}


def test_open311_answers_every_input_within_its_contract(app, demo, api_key, make_ticket):
    codes = list(demo.scalars(select(Category.code).where(Category.is_triage.is_(False))))
    make_ticket(demo.scalar(select(Category).where(Category.code == "luminaria")))
    demo.commit()
    schema = schemathesis.openapi.from_dict(hostile(document(api_key, codes)))
    schema.app = app

    def call(case):
        response = case.call_and_validate(excluded_checks=LENIENCY)
        assert_well_formed_if_xml(response)

    with no_rate_limits():
        calls = fuzz_every_operation(schema, EXAMPLES, call)
    assert len(set(calls)) == 7 and len(calls) >= 7 * 20
    for ticket in demo.scalars(select(Ticket)):
        assert_clean(ticket.description, ticket.address)
