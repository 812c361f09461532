"""Notifications: the outbox rows ticket changes write, their Spanish templates, and the
state of each delivery (claimed, sent, retried, failed). Sending itself is the channels' job,
driven by workers after commit."""
