"""Extension objects, created unbound: ``create_app`` wires them to an application."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.database import db as db  # defined with its session class and engine hooks
from config.settings import settings

migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (Redis when configured, memory otherwise).
limiter = Limiter(get_remote_address)


def _lookup_rate() -> str:
    return settings().tracking_rate_limit


# Every lookup by tracking code or public id (tracking pages, receipts, the API's ticket view,
# Open311's requests/<id> and tokens/<id>) draws on one budget per client address: trying
# codes on one endpoint after another buys nothing.
lookup_limit = limiter.shared_limit(_lookup_rate, scope="lookup")


def quick_redis_options(timeout: float) -> dict:
    """Options for a Redis client in the request path: a frozen Redis (connects, never answers)
    costs at most ``timeout`` per call, with no retries (redis-py retries ten times by default,
    which turned a frozen Redis into 5–15 s for a resident). Callers fail open."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
