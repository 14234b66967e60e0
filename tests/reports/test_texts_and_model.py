"""Danish drafting rules without a database, and the Report row on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from reports.builder import at_points
from reports.facts import PoolFacts, RemovedGroup
from reports.texts import (
    bikes_sentence,
    co2_change,
    composition,
    fleet_sentence,
    join,
    money_change,
    place,
    plain_number,
)


def test_danish_lists_numbers_and_plurals():
    assert join(["a"]) == "a"
    assert join(["a", "b", "c"]) == "a, b og c"
    assert plain_number(2.52) == "2,52"
    assert plain_number(1500.0) == "1.500"
    assert plain_number(0.001) == "0,001"
    assert plain_number(12345.678) == "12.345,678"
    assert composition({"ev": 1, "petrol": 2, "bike": 1}) == "1 elbil, 2 benzinbiler og 1 cykel"
    assert composition({}) == "ingen"
    assert place(["Område Nord"]) == "lokationen Område Nord"
    assert place(["A", "B"]) == "lokationerne A og B"


def test_changes_are_said_in_words_not_signs():
    assert money_change(619_622.3, 582_792.9) == "falder med 36.829 kr. om året (5,9 %)"
    assert money_change(100_000, 110_000) == "stiger med 10.000 kr. om året (10,0 %)"
    assert money_change(100_000, 100_000.2) == "er uændrede"
    assert co2_change(9.33, 1.71) == "falder med 7,6 t CO2e om året (82 %)"


def test_the_at_point_of_the_reference_example():
    pool = PoolFacts(
        name="Område Nord",
        locations=["Område Nord"],
        today={"petrol": 30, "ev": 12},
        proposal={"petrol": 15, "ev": 20},
        removed=[RemovedGroup("Toyota Yaris", 15, [date(2027, 3, 31)] * 15)],
    )
    assert fleet_sentence(pool) == (
        "flåden på lokationen Område Nord reduceres fra 42 til 35 biler, heraf 20 elbiler, "
        "ved de kommende leasingudløb"
    )
    one = PoolFacts("X", ["X"], {"ev": 2}, {"ev": 1})
    assert fleet_sentence(one) == (
        "flåden på lokationen X reduceres fra 2 til 1 bil, som er en elbil"
    )
    three = PoolFacts("X", ["X", "Y"], {"petrol": 3}, {"ev": 3})
    assert fleet_sentence(three) == (
        "den fælles flåde på lokationerne X og Y fortsat har 3 biler, alle elbiler"
    )
    bikes = PoolFacts("X", ["X"], {"bike": 2, "ebike": 3}, {"bike": 2, "ebike": 1})
    assert bikes_sentence(bikes) == (
        "antallet af cykler og elcykler på lokationen X ændres fra 5 til 3 (1 elcykel og 2 cykler)"
    )


def test_lease_ends_are_grouped():
    group = RemovedGroup("Yaris", 3, [date(2027, 1, 31), None, None], date(2026, 10, 21))
    assert group.lease_end_text == "31. januar 2027; 2 kan udgå med det samme"
    later = RemovedGroup("Yaris", 3, [date(2027, 1, 31)] * 2 + [date(2028, 1, 31)])
    assert later.lease_end_text == "31. januar 2027 (2); 31. januar 2028"


def test_no_at_point_promises_lease_ends_that_have_passed():
    decision = date(2026, 11, 1)
    expired = PoolFacts(
        "X", ["X"], {"petrol": 3}, {"petrol": 2},
        removed=[RemovedGroup("Yaris", 1, [date(2025, 3, 31)], decision)],
    )  # fmt: skip
    assert fleet_sentence(expired) == "flåden på lokationen X reduceres fra 3 til 2 biler"


def test_at_points_one_per_line_without_typed_numbers():
    text = "1. at A godkendes\r\n\n- at B\n  2. at C  \n• at D"
    assert at_points(text) == ["at A godkendes", "at B", "at C", "at D"]


def test_report_row_round_trip(any_db_app):
    from app.extensions import db
    from app.models import Report, Role, User

    with any_db_app.app_context():
        user = User(email="p@kommune.dk", role=Role.PLANNER, password_hash="x")
        db.session.add(user)
        db.session.flush()
        user_id = user.id
        report = Report(
            title="Flådeanalyse: Æbeltoft",
            organisation="Syddjurs Kommune",
            created_by_id=user_id,
            alternative_ids=[2, 3],
            scenario_names={"2": "B", "3": "C"},
            texts={"resume": "Kort.", "indstilling": "at ..."},
            sections=["resume"],
            parameters={"co2_value_dkk_per_t": 1500.0},
        )
        db.session.add(report)
        db.session.commit()
        report_id = report.id
        db.session.expunge_all()
        stored = db.session.get(Report, report_id)
        assert stored.status == "draft" and stored.status_label == "Kladde"
        assert stored.alternative_ids == [2, 3]
        assert stored.texts["resume"] == "Kort."
        assert stored.include_baseline is True
        assert stored.created_at.tzinfo is not None
        assert not stored.has_file
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()
        kept = db.session.get(Report, report_id)
        assert kept is not None and kept.created_by is None  # the report outlives its author
        if any_db_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # SQLite here runs without PRAGMA foreign_keys, so only PostgreSQL sets NULL.
            assert kept.created_by_id is None
