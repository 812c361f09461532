"""``/opina``: the attention survey anyone can answer, without a ticket and without JavaScript.

``/opina`` is the web channel (linked from every public page); ``/opina/meson`` is shown at the
counter (a poster with its QR at each desk, and on the printed receipt) and ``/opina/telefono``
is read out by phone staff. ``?u=<unit code>`` and ``?tema=<category code>`` (set by the desk's
poster or the receipt) say which unit and topic the visit was about. Anonymous: no ticket, no
contact, the day only; a honeypot and a rate limit per address (``SURVEY_RATE_LIMIT``).
"""

from __future__ import annotations

import segno
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired

from app.diagnoses.external import OPEN_CHANNELS, record_open_answer
from app.extensions import db, limiter
from app.public.blueprint import bp
from app.public.survey import RATINGS, SurveyFields
from app.public.views import public_url
from app.transaction import transaction
from config.settings import settings


def opinion_url(canal: str = "meson", **args: str) -> str:
    """The absolute short URL of the open survey (what QR codes and receipts carry)."""
    return public_url("public.opinion", canal=canal, **{k: v for k, v in args.items() if v})


def opinion_qr(url: str, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_inline(
        scale=scale, title=_("Código QR de la encuesta de atención")
    )


def survey_limit() -> str:
    return settings().survey_rate_limit


class OpinionForm(SurveyFields):
    rating = RadioField(
        _l("En general, ¿qué tan satisfecho o satisfecha quedó con la atención?"),
        choices=RATINGS,
        validators=[InputRequired(_l("Elija una nota del 1 al 5."))],
    )
    # Honeypot: hidden from people (and from screen readers); bots fill it in.
    website = StringField(_l("No complete este campo"))


@bp.route("/opina", defaults={"canal": "web"}, methods=["GET", "POST"])
@bp.route("/opina/<canal>", methods=["GET", "POST"])
@limiter.limit(survey_limit, methods=["POST"])
@transaction
def opinion(canal: str):
    if canal not in OPEN_CHANNELS:
        abort(404)
    if canal == "web" and request.path != url_for("public.opinion"):
        return redirect(url_for("public.opinion", **request.args), code=301)
    form = OpinionForm()
    if request.method == "POST" and form.website.data:
        return render_template("public/opinion.html", thanks=True, canal=canal)
    if form.validate_on_submit():
        record_open_answer(
            db.session,
            OPEN_CHANNELS[canal],
            int(form.rating.data),
            *form.scores(),
            form.comment.data,
            department_code=request.args.get("u") or None,
            category_code=request.args.get("tema") or None,
        )
        return render_template("public/opinion.html", thanks=True, canal=canal)
    status = 422 if form.errors else 200
    return render_template("public/opinion.html", form=form, canal=canal), status
