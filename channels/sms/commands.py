"""What a text message asks for: Spanish keywords (case- and accent-insensitive) with English
synonyms. Parsing only; acting on it is the webhook's job."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.tickets.text import fold

STATUS_WORDS = {"estado", "status", "seguimiento"}
OPT_OUT_WORDS = {
    "baja",
    "stop",
    "stopall",
    "alto",
    "cancelar",
    "parar",
    "unsubscribe",
    "end",
    "quit",
    "cancel",
    "detener",
}
OPT_IN_WORDS = {"alta", "start", "inicio", "unstop", "iniciar", "reanudar"}
HELP_WORDS = {"ayuda", "help", "info", "informacion"}
GREETINGS = {
    "hola",
    "buenas",
    "buenos",
    "dias",
    "tardes",
    "noches",
    "ola",
    "hello",
    "hi",
    "alo",
    "si",
    "no",
    "ok",
    "gracias",
    "consulta",
    "ayuda",
}
# The survey's short form: the overall score alone ("5"), or up to four scores in the order
# asked (overall, kind treatment, clarity, time: "5 4 5 3", "5,4,5,3" or "5453"); after four
# scores, words answer "¿Qué deberíamos mejorar?" ("5 4 5 3 mas horario").
SCORES = re.compile(r"([1-5])(?:[\s,;.\-/]*([1-5]))?(?:[\s,;.\-/]*([1-5]))?(?:[\s,;.\-/]*([1-5]))?")
MIN_WORDS = 3
MIN_LETTERS = 12


@dataclass(frozen=True)
class Command:
    kind: str  # status, my_tickets, opt_out, opt_in, help, rating, text, too_short
    argument: str = ""


def parse(body: str, opt_out_type: str | None = None) -> Command:
    """Classify a message. Twilio's ``OptOutType`` (STOP, START, HELP) wins when present."""
    if opt_out_type:
        kind = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}.get(opt_out_type.upper())
        if kind:
            return Command(kind)
    folded = fold(body)
    words = re.findall(r"[a-z0-9ñ]+", folded)
    if not words:
        return Command("too_short")
    first, rest = words[0], " ".join(body.split()[1:]).strip()
    if first in STATUS_WORDS and len(words) <= 5:
        return Command("status", rest) if rest else Command("my_tickets")
    if len(words) == 1 and first in OPT_OUT_WORDS:
        return Command("opt_out")
    if len(words) == 1 and first in OPT_IN_WORDS:
        return Command("opt_in")
    if len(words) == 1 and first in HELP_WORDS:
        return Command("help")
    if rating_form(body) is not None:
        return Command("rating", body.strip())
    letters = sum(ch.isalpha() for ch in folded)
    if len(words) < MIN_WORDS or letters < MIN_LETTERS or set(words) <= GREETINGS:
        return Command("too_short", body.strip())
    return Command("text", body.strip())


def rating_form(body: str) -> tuple[list[int], str | None] | None:
    """The scores (1 to 4 of them) and the words after four scores, or None: not a rating."""
    text = body.strip().rstrip(" .!")
    found = SCORES.match(text)
    if found is None:
        return None
    scores = [int(digit) for digit in found.groups() if digit is not None]
    rest = text[found.end() :].strip(" ,;.-:")
    if not rest:
        return scores, None
    if (
        len(scores) == 4
        and not rest[0].isdigit()
        and found.end() < len(text)
        and text[found.end()] in " ,;.-:"
    ):
        return scores, rest
    return None
