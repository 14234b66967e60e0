from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.audit import record
from app.auth import bp, devices
from app.auth.access import any_role_may_change, public
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.service import authenticate, validate_password
from app.auth.sessions import keep_this_session, revoke_sessions
from app.extensions import db


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never redirect to another host after login.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        device_cookie = request.cookies.get(devices.COOKIE_NAME)
        outcome = authenticate(
            form.email.data, form.password.data, request.remote_addr, device_cookie
        )
        if outcome.user is not None:
            login_user(outcome.user)
            record("login", outcome.user, {}, user=outcome.user)
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")))
            # This browser may log in to the account again during a flood (devices.py).
            devices.remember(response, outcome.user, device_cookie)
            return response
        error = outcome.error
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
@any_role_may_change
def logout():
    # Logging out ends every session of the user, also a copied cookie (see sessions.py).
    user = current_user._get_current_object()
    revoke_sessions(user)
    record("logout_everywhere", user, {}, user=user)
    db.session.commit()
    logout_user()
    flash("Du er logget ud alle steder (alle browsere og enheder).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/profil", methods=["GET", "POST"])
@login_required
@any_role_may_change
def profile():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Den nuværende adgangskode er forkert.")
        elif form.new.data != form.repeat.data:
            form.repeat.errors.append("De to adgangskoder er ikke ens.")
        elif problem := validate_password(form.new.data, current_user.email):
            form.new.errors.append(problem)
        else:
            user = current_user._get_current_object()
            user.set_password(form.new.data)
            revoke_sessions(user)  # other browsers and copied cookies are logged out
            record("password_changed", user, {"andre_sessioner": "afsluttet"})
            db.session.commit()
            keep_this_session(user)
            flash("Din adgangskode er ændret. Du er logget ud alle andre steder.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)
