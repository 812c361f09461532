"""One package per way a resident talks to the municipality (web, sms, counter, email)."""
