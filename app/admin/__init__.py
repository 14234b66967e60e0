from flask import Blueprint
from flask_login import current_user

bp = Blueprint("admin", __name__)


@bp.before_request
def admins_only():
    # Belt and braces: every admin view also carries role_required(Role.ADMIN).
    from flask import abort

    from app.models import Role

    if not current_user.is_authenticated or not current_user.has_role(Role.ADMIN):
        abort(403)


from app.admin import routes  # noqa: E402,F401
