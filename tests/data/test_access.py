"""Viewers read; every upload and change in Data, Køretøjer and Lokationer needs a planner."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

AREAS = ("data.", "vehicles.", "locations.")
ADMIN_ONLY = {
    "data.retention",
    "data.run_retention",
    "vehicles.starter_set",
    "vehicles.edit_model",
    "vehicles.delete_model",
}


def mutating_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(AREAS) and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            yield rule


def fill(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_viewer_gets_403_on_every_upload_and_mutation(app, register, viewer_client):
    token = csrf_token(viewer_client, "/data/")
    rules = list(mutating_rules(app))
    assert len(rules) >= 15
    for rule in rules:
        response = viewer_client.post(fill(rule), data={"csrf_token": token})
        assert response.status_code == 403, rule.rule


def test_planner_gets_403_on_admin_only_views(app, register, planner_client):
    token = csrf_token(planner_client, "/data/")
    for rule in mutating_rules(app):
        if rule.endpoint in ADMIN_ONLY:
            assert planner_client.post(fill(rule), data={"csrf_token": token}).status_code == 403


def test_anonymous_is_sent_to_login_and_the_api_asks_for_a_token(app):
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith((*AREAS, "api.")) and "GET" in rule.methods:
            expected = 401 if rule.endpoint.startswith("api.") else 302
            assert client.get(fill(rule)).status_code == expected, rule.rule


@pytest.mark.parametrize(
    "path",
    [
        "/data/",
        "/data/eksport",
        "/data/api",
        "/koeretoejer/",
        "/koeretoejer/modeller",
        "/lokationer/",
    ],
)
def test_viewer_reads_every_page_without_change_buttons(app, register, viewer_client, path):
    response = viewer_client.get(path)
    assert response.status_code == 200
    assert "Vis forhåndsvisning" not in response.text and "Opret køretøj" not in response.text


def test_post_without_csrf_token_is_rejected(app, register, planner_client):
    response = planner_client.post("/data/upload", data={"kind": "trips"})
    assert response.status_code == 400
