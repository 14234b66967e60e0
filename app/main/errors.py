"""Danish error pages (and small fragments for HTMX requests)."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.extensions import db

MESSAGES = {
    400: ("Ugyldig forespørgsel", "Forespørgslen kunne ikke forstås."),
    401: ("Log ind", "Du skal logge ind for at se siden."),
    403: ("Ingen adgang", "Din brugerrolle giver ikke adgang til denne side eller handling."),
    404: ("Siden findes ikke", "Adressen findes ikke. Måske er den flyttet eller slettet."),
    405: ("Ikke tilladt", "Handlingen er ikke tilladt her."),
    413: ("Filen er for stor", "Filen er større end den tilladte grænse."),
    500: ("Der opstod en fejl", "Der skete en uventet fejl. Fejlen er logget."),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, code=code, title=title, message=detail or message), code


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Sikkerhedstokenet mangler eller er udløbet. Genindlæs siden.")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _render(413, f"Filen er større end grænsen på {limit_mb} MB.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500)
