"""The data protection officer's tools (Ley 21.719): find everything held on a person, export
it, rectify it, block it. Domain functions: they check permissions, write the access trail and
flush; the request commits."""
