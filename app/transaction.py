"""The one transaction boundary of every request and job: views, webhooks and API resources
parse, make one domain call and render; this commits or rolls back around them.

    @bp.post("/tickets/<code>")
    @transaction(on_error=show_again)
    def ticket_action(code): ...

- The view returns: what it did is committed (a form shown again with its errors has written
  nothing but, perhaps, the access-trail row of what it showed — which must stay).
- The domain refuses (a ``DomainError``): everything is rolled back, then ``on_error(error,
  *args)`` renders the answer (the form again, with what was typed) and whatever *it* writes —
  the trail of what it shows — is committed. Without ``on_error``, or when it returns None, the
  error goes on to the door's error handler (API and Open311 answer it in their format).
- Anything else raised (``abort(404)``, a bug): rolled back, raised.
- A transient database fault is retried once (``retry_transient``: only before a COMMIT was
  sent, or always when the door is ``idempotent``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from app.database import retry_transient
from app.extensions import db
from app.tickets.errors import DomainError

ErrorRenderer = Callable[..., Any]


def transaction(
    view: Callable[..., Any] | None = None,
    *,
    on_error: ErrorRenderer | None = None,
    idempotent: bool = False,
):
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        @retry_transient(idempotent=idempotent)
        def boundary(*args: Any, **kwargs: Any) -> Any:
            try:
                response = func(*args, **kwargs)
            except DomainError as error:
                db.session.rollback()
                answer = on_error(error, *args, **kwargs) if on_error is not None else None
                if answer is None:
                    raise
                db.session.commit()
                return answer
            except BaseException:
                db.session.rollback()
                raise
            db.session.commit()
            return response

        return boundary

    return decorate(view) if view is not None else decorate


def job(func: Callable[..., Any]) -> Callable[..., Any]:
    """A periodic job's boundary: commit what it did on return, roll back if it raised. (The
    delivery job commits at each step on purpose — the claim before anything leaves the
    machine, the outcome after — see workers/jobs.py.)"""

    @functools.wraps(func)
    def boundary(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return boundary
