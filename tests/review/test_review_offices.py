"""A reviewer's home office: set by an admin on /admin/users or with `flask users create --office`; the demo reviewer
works at headquarters."""

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.offices import Office

PASSWORD = "harbour lights over the quay"


def office_of(app: Flask, email: str) -> Office | None:
    with app.app_context():
        return db.session.scalars(select(User.office).where(User.email == email)).one()


def test_an_admin_gives_a_new_reviewer_a_home_office(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="office"' in form and "New York" in form
    response = client.post(
        "/admin/users",
        data={"email": "rae@ofm.example.gov", "role": "reviewer", "agency": "OFM", "password": PASSWORD,
              "office": "new_york"},
    )  # fmt: skip
    assert response.status_code == 302
    assert office_of(app, "rae@ofm.example.gov") is Office.NEW_YORK


def test_an_office_sent_with_another_role_is_not_kept(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("admin")
    client.post(
        "/admin/users",
        data={"email": "sam@pd.example.gov", "role": "officer", "agency": "PD", "password": PASSWORD,
              "office": "miami"},
    )  # fmt: skip
    assert office_of(app, "sam@pd.example.gov") is None


def test_an_unknown_office_is_refused(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("admin")
    response = client.post(
        "/admin/users",
        data={"email": "rae@ofm.example.gov", "role": "reviewer", "agency": "OFM", "password": PASSWORD,
              "office": "atlantis"},
    )  # fmt: skip
    assert response.status_code == 400 and "Choose an office" in response.get_data(as_text=True)


def test_the_cli_creates_a_reviewer_with_a_home_office(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "lee@ofm.example.gov", "--role", "reviewer", "--agency", "OFM", "--office",
              "chicago"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "office chicago" in result.output
    assert office_of(app, "lee@ofm.example.gov") is Office.CHICAGO


def test_the_cli_refuses_an_office_for_an_officer(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "kim@pd.example.gov", "--role", "officer", "--agency", "PD", "--office", "miami"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "for reviewers only" in result.output


def test_the_demo_reviewer_works_at_headquarters(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    assert office_of(app, "reviewer@ofm.example") is Office.HEADQUARTERS
