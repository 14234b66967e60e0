"""`flask db upgrade` on an empty database gives exactly the schema of the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def schema_diff(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_gives_the_models_schema(any_db_app):
    # any_db_app ran the real migrations on an empty SQLite / PostgreSQL database.
    assert schema_diff(any_db_app) == []


def test_upgrade_and_downgrade_round_trip(any_db_app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    with any_db_app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "round_trip" in inspect(db.engine).get_table_names()
    assert schema_diff(any_db_app) == []


def test_flask_db_check_reports_nothing(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
