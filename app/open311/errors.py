"""The one error an Open311 view raises: an HTTP status and the descriptions to show."""

from __future__ import annotations


class Open311Error(Exception):
    """Answered as ``[{code, description}, ...]`` (``<errors><error>`` in XML)."""

    def __init__(self, status: int, *descriptions: str) -> None:
        self.status = status
        self.descriptions = list(descriptions)
        super().__init__("; ".join(self.descriptions))
