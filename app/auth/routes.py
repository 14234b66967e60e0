from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.audit import record
from app.auth import bp
from app.auth.access import any_role_may_change, public
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.service import authenticate, validate_password
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
        outcome = authenticate(form.email.data, form.password.data)
        if outcome.user is not None:
            login_user(outcome.user)
            record("login", outcome.user, {}, user=outcome.user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        error = outcome.error
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
@any_role_may_change
def logout():
    logout_user()
    flash("Du er logget ud.", "info")
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
        elif problem := validate_password(form.new.data):
            form.new.errors.append(problem)
        else:
            current_user.set_password(form.new.data)
            record("password_changed", current_user, {})
            db.session.commit()
            flash("Din adgangskode er ændret.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)
