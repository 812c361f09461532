"""The fake Twilio lives beside the SMS channel (``channels/sms/fake_twilio.py``), where
``bench/`` can use it without importing ``tests``; re-exported here for the tests."""

from channels.sms.fake_twilio import ERRORS, FakeTwilio

__all__ = ["ERRORS", "FakeTwilio"]
