"""Transparencia Focalizada: the focused units' initiatives (``service``: the rules and the one
writer; ``opendata`` and ``feeds``: what the public reads; ``views``: the public pages)."""
