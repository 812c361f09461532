"""MMS photos: fetched from Twilio with the account's credentials (a worker job does it,
never the webhook). Only URLs on Twilio's API host are fetched: the credentials go nowhere
else, and no webhook can make the server fetch an address of its choosing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests


class MediaUnavailable(Exception):
    """Permanent: not Twilio's URL, deleted, or refused (4xx)."""


class MediaRetry(Exception):
    """Transient: Twilio answered 5xx or 429, or did not answer in time."""


def fetch_media(url: str, config: Mapping[str, Any], max_bytes: int) -> bytes:
    """The media's bytes (at most ``max_bytes`` + 1, so an oversized one is told apart)."""
    base = urlsplit(config["TWILIO_API_BASE_URL"])
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        raise MediaUnavailable(f"not a media URL of the Twilio API host: {parts.netloc}")
    try:
        with requests.get(
            url,
            auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]),
            timeout=float(config["TWILIO_TIMEOUT_SECONDS"]),
            stream=True,
        ) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise MediaRetry(f"Twilio answered {response.status_code}")
            if response.status_code != 200:
                raise MediaUnavailable(f"Twilio answered {response.status_code}")
            data = b""
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    break
            return data
    except requests.RequestException as error:
        raise MediaRetry(str(error)) from error
