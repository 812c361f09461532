"""The email channel: outbound delivery through SMTP."""
