"""A demo municipality loaded once per test module, with finished scenarios to look at."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import Location, User
from tests.conftest import PASSWORD, create_user, login, make_app
from tests.support import work_queue

DEMO_END = date(2026, 11, 27)
# Four weeks of one location keep engine runs in tests to seconds.
SHORT_START = date(2026, 10, 31)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from app.demo.service import load_demo_data

    app = make_app(tmp_path_factory.mktemp("scenarios"))
    for role in ("viewer", "planner", "admin"):
        create_user(app, role)
    create_user(app, "planner", "anden.planner@kommune.dk")
    with app.app_context():
        load_demo_data(seed=2026, end=DEMO_END)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def location_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Location.id).where(Location.name == name))


def user(app, email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def run_scenario(app, setup, email: str = "planner@kommune.dk") -> int:
    """Create and run a scenario through the queue; returns its id."""
    from app.scenarios.service import create_scenario, start_run

    with app.app_context():
        owner = user(app, email)
        scenario = create_scenario(setup, owner)
        start_run(scenario, owner)
        work_queue()
        return scenario.id


def client_for(app, email: str):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client
