from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import UserForm
from app.args import bounded_int
from app.audit import changes, record
from app.auth import throttle
from app.auth.access import role_required
from app.auth.service import create_user, normalise_email, validate_password
from app.auth.sessions import keep_this_session, revoke_sessions
from app.extensions import db
from app.models import AuditEvent, ParameterSet, Role, User
from app.parameters.catalogue import CATALOGUE
from app.parameters.forms import format_value, parse_value
from app.parameters.service import ensure_default_parameter_set, save_new_version


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    return redirect(url_for("admin.users"))


@bp.get("/brugere")
@role_required(Role.ADMIN)
def users():
    rows = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/brugere/ny", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("Angiv en adgangskode.")
        else:
            try:
                user = create_user(
                    form.email.data, form.password.data, Role(form.role.data), form.name.data
                )
            except ValueError as error:
                form.email.errors.append(str(error))
            else:
                if not form.active.data:
                    user.active = False
                    db.session.commit()
                flash(f"Brugeren {user.email} er oprettet.", "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


def _snapshot(user: User) -> dict:
    return {"email": user.email, "name": user.name, "role": str(user.role), "active": user.active}


@bp.route("/brugere/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        before = _snapshot(user)
        email = normalise_email(form.email.data)
        clash = db.session.scalar(db.select(User).where(User.email == email, User.id != user.id))
        demoting_self = user.id == current_user.id and (
            form.role.data != Role.ADMIN or not form.active.data
        )
        if clash:
            form.email.errors.append("Der findes allerede en bruger med den e-mail.")
        elif demoting_self:
            form.role.errors.append("Du kan ikke fjerne din egen administratorrolle.")
        elif form.password.data and (problem := validate_password(form.password.data, email)):
            form.password.errors.append(problem)
        else:
            user.email = email
            user.name = form.name.data or ""
            user.role = Role(form.role.data)
            user.active = form.active.data
            if form.password.data:
                user.set_password(form.password.data)
                throttle.clear_account(email)
            details = changes(before, _snapshot(user))
            if form.password.data:
                details["adgangskode"] = "ændret"
            # A new role, (de)activation or password ends the user's sessions.
            revoked = bool(form.password.data) or any(k in details for k in ("role", "active"))
            if revoked:
                revoke_sessions(user)
                details["sessioner"] = "afsluttet"
            record("user_updated", user, details)
            db.session.commit()
            if revoked and user.id == current_user.id:
                keep_this_session(user)
            flash(f"Brugeren {user.email} er gemt.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.post("/brugere/<int:user_id>/aktiv")
@role_required(Role.ADMIN)
def toggle_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash("Du kan ikke deaktivere dig selv.", "error")
    else:
        user.active = not user.active
        revoke_sessions(user)  # reactivating must not revive sessions from before
        record(
            "user_updated",
            user,
            {"active": {"før": not user.active, "efter": user.active}, "sessioner": "afsluttet"},
        )
        db.session.commit()
        state = "aktiveret" if user.active else "deaktiveret"
        flash(f"Brugeren {user.email} er {state}.", "success")
    return redirect(url_for("admin.users"))


@bp.get("/log")
@role_required(Role.ADMIN)
def audit_log():
    page = max(1, request.args.get("side", 1, type=bounded_int))
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action := request.args.get("handling"):
        query = query.where(AuditEvent.action == action)
    events = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template("admin/audit_log.html", events=events, action=action)


@bp.route("/parametre", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def parameters():
    """The global default parameters; saving creates a new version (old ones are kept)."""
    current = ensure_default_parameter_set()
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        values = {key: dict(entry) for key, entry in current.values.items()}
        for spec in CATALOGUE:
            typed[spec.key] = request.form.get(spec.key, "")
            try:
                value = parse_value(spec.key, typed[spec.key])
            except ValueError as error:
                errors[spec.key] = str(error)
                continue
            entry = values.setdefault(spec.key, {"unit": spec.unit})
            entry["value"] = value
            entry["source"] = request.form.get(f"{spec.key}__source", "").strip() or spec.source
            year = request.form.get(f"{spec.key}__year", "").strip()
            if year:
                try:
                    entry["year"] = bounded_int(year, 1900, 2100)
                except ValueError:
                    errors[spec.key] = f"{spec.label}: årstallet '{year[:20]}' er ikke et årstal."
        if not errors:
            if values == current.values:
                flash("Ingen ændringer at gemme.", "info")
            else:
                new = save_new_version(current, values, current_user, request.form.get("notes", ""))
                flash(f"Parametrene er gemt som version {new.version}.", "success")
            return redirect(url_for("admin.parameters"))
    history = db.session.scalars(
        db.select(ParameterSet).order_by(ParameterSet.id.desc()).limit(20)
    ).all()
    return render_template(
        "admin/parameters.html",
        current=current,
        catalogue=CATALOGUE,
        errors=errors,
        typed=typed,
        format_value=format_value,
        history=history,
    ), (400 if errors else 200)
