"""The SMS channel (Twilio): intake webhooks and outbound delivery."""
