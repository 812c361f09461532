"""Reading the directory: active units with their topics, and "¿quién ve esto?" — which unit
handles what a resident describes in a few words, from the categories' keywords (accents and
case do not matter: "Pérro", "PERROS" and "perro" find the same)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Category, Department
from app.tickets.text import fold

MIN_WORD = 3
MAX_QUERY = 200
MAX_RESULTS = 8


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9ñ]+", fold(text)) if len(w) >= MIN_WORD]


def _forms(word: str) -> set[str]:
    """The word and its possible singulars ("postes" -> "poste", "luces" -> "luz",
    "árboles" -> "arbol")."""
    forms = {word}
    if word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    if word.endswith("ces") and len(word) > 4:
        forms.add(word[:-3] + "z")
    return forms


def directory(session: Session) -> list[Department]:
    """Every active unit, by name, with its categories loaded."""
    return list(
        session.scalars(
            select(Department)
            .where(Department.active.is_(True))
            .options(selectinload(Department.categories))
            .order_by(Department.name)
        )
    )


def public_topics(department: Department) -> list[Category]:
    """The topics a resident may choose (the triage category is not one)."""
    return sorted(
        (c for c in department.categories if c.active and not c.is_triage), key=lambda c: c.name
    )


def find_unit(session: Session, code: str) -> Department | None:
    return session.scalar(
        select(Department)
        .where(func.lower(Department.code) == code.lower(), Department.active.is_(True))
        .options(selectinload(Department.categories))
    )


@dataclass(frozen=True)
class Match:
    category: Category
    score: int


def _score(category: Category, words: set[str]) -> int:
    """3 a keyword (or a word of one) said exactly, 1 a keyword begun, 2 a word of the name."""
    keywords = [fold(k) for k in category.keyword_list]
    keyword_words = {part for keyword in keywords for part in keyword.split()}
    names = set(_words(category.name))
    score = 0
    for word in words:
        forms = _forms(word)
        if forms & (set(keywords) | keyword_words):
            score += 3
        elif len(word) >= 4 and any(k.startswith(word) for k in keywords):
            score += 1
        if forms & names:
            score += 2
    return score


def who_handles(session: Session, query: str) -> list[Match]:
    """The topics whose keywords or name match the words, best first (at most a handful)."""
    words = set(_words(query[:MAX_QUERY]))
    if not words:
        return []
    found = []
    for department in directory(session):
        for category in public_topics(department):
            score = _score(category, words)
            if score:
                found.append(Match(category, score))
    found.sort(key=lambda m: (-m.score, m.category.name))
    return found[:MAX_RESULTS]


def general_desk(session: Session) -> Department | None:
    """Where a question nobody's keywords match goes: the unit of the triage category (the
    OIRS), else the unit coded OIRS."""
    triage = session.scalar(
        select(Category).where(Category.is_triage.is_(True), Category.active.is_(True))
    )
    if triage is not None and triage.department.active:
        return triage.department
    return find_unit(session, "OIRS")
