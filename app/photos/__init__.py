"""Photos of tickets: checked and cleaned images (images), where they are kept (storage), and
what may be done with them (service)."""
