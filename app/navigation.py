"""The main menu: an entry appears once its area exists and the user's role may see it."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from app.models import Role

MENU = [
    ("main.index", "Forside", Role.VIEWER),
    ("data.index", "Data", Role.VIEWER),
    ("vehicles.index", "Køretøjer", Role.VIEWER),
    ("locations.index", "Lokationer", Role.VIEWER),
    ("scenarios.index", "Scenarier", Role.VIEWER),
    ("dashboards.index", "Dashboards", Role.VIEWER),
    ("reports.index", "Rapporter", Role.VIEWER),
    ("admin.index", "Administration", Role.ADMIN),
]


def nav_items() -> list[tuple[str, str, Role]]:
    return [
        item
        for item in MENU
        if item[0] in current_app.view_functions and current_user.has_role(item[2])
    ]


def register(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})
