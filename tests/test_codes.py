"""Ticket codes: readable over the phone, impossible to guess, and typo-detecting."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.tickets import codes

bodies = st.text(alphabet=codes.ALPHABET, min_size=8, max_size=8)


def make(body: str) -> str:
    return body + codes.check_symbol(body)


@given(bodies)
def test_every_code_round_trips_through_display_and_tolerant_parsing(body):
    code = make(body)
    shown = codes.display(code)
    assert len(shown) == 11 and shown[4] == "-" and shown[9] == "-"
    assert codes.parse(shown) == code
    assert codes.parse(shown.lower()) == code
    assert codes.parse(f"  {code[:3]} {code[3:6]}-{code[6:]} ") == code
    # A person may read 0 as O and 1 as I or L.
    assert codes.parse(code.replace("0", "O").replace("1", "l")) == code


@given(bodies, st.integers(0, 8), st.sampled_from(codes.ALPHABET))
def test_every_single_symbol_substitution_is_detected(body, position, symbol):
    code = make(body)
    if code[position] == symbol:
        return
    typo = code[:position] + symbol + code[position + 1 :]
    with pytest.raises(codes.MistypedCode):
        codes.parse(typo)


def test_generated_codes_are_valid_and_random():
    generated = {codes.generate() for _ in range(500)}
    assert len(generated) == 500
    assert all(codes.is_valid(code) for code in generated)


@pytest.mark.parametrize(
    "text", ["", "ABC", "K7M4-QX9P-ZZ", "K7M4-QX9P-U", "K7M4/QX9P/Ñ", "1234567890"]
)
def test_malformed_text_is_not_a_code(text):
    with pytest.raises(codes.MalformedCode):
        codes.parse(text)


def test_a_wrong_check_symbol_is_a_typo_not_unknown(session, make_ticket):
    from app.tickets import NotFound, get_by_code

    ticket = make_ticket()
    assert get_by_code(session, codes.display(ticket.code).lower()) is ticket

    wrong = ticket.code[:-1] + next(c for c in codes.ALPHABET if c != ticket.code[-1])
    with pytest.raises(codes.MistypedCode):
        get_by_code(session, wrong)

    other = codes.generate()
    while other == ticket.code:
        other = codes.generate()
    with pytest.raises(NotFound):
        get_by_code(session, other)
