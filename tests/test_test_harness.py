"""The test harness itself (tests/conftest.py): every test starts on an empty database, and the parallel workers
of `make test` never share one; reused URL builders build the same URLs."""

from flask import Flask, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.conftest import make_app, reset_database, worker_database_url
from tests.factories import make_user

POSTGRES = "postgresql+psycopg://envoy:secret@127.0.0.1:5432/envoy_test"


def test_each_worker_gets_a_postgresql_database_of_its_own() -> None:
    assert worker_database_url(POSTGRES, "gw1") == POSTGRES.replace("envoy_test", "envoy_test_gw1")
    assert worker_database_url(POSTGRES, "gw0") != worker_database_url(POSTGRES, "gw1")


def test_one_process_and_sqlite_keep_the_database_they_were_given() -> None:
    assert worker_database_url(POSTGRES, None) == POSTGRES
    assert worker_database_url("sqlite://", "gw1") == "sqlite://"


def test_a_reset_empties_the_tables_and_restarts_the_ids(app: Flask) -> None:
    with app.app_context():
        make_user("officer")
        make_user("admin")
        db.session.commit()
        reset_database()
        db.create_all()  # SQLite drops the tables; PostgreSQL keeps them
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert make_user("officer").id == 1


def test_apps_built_one_after_another_build_the_same_urls() -> None:
    for _ in range(2):
        app = make_app()
        with app.test_request_context():
            assert url_for("cards.admin_card", card_number="ZZ 1") == "/admin/cards/ZZ%201"
            assert url_for("cards.admin_qr", card_number="ZZ1", fmt="png", size=3) == "/admin/cards/ZZ1/qr.png?size=3"
            assert url_for("static", filename="app.css", _external=True).endswith("/static/app.css")
