"""Fakes at the process boundary: servers our real clients (twilio, smtplib, redis) talk to.
The fake Twilio itself lives in ``channels/sms/fake_twilio.py`` (bench/ uses it too);
``tests.fakes.twilio`` re-exports it."""
