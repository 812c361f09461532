"""Fakes at the process boundary: servers our real clients (twilio, smtplib) talk to."""
