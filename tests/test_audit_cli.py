"""`flask audit seal / verify / archive / keys`: each attack on the trail is found and named, on SQLite and PostgreSQL.

The attacker here can write the database (raw SQL, triggers or not) but holds neither the seal key nor the
outside store. Every attack is run through the real command, as an operator would see it.
"""

import json
import logging
import shutil
import stat
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.audit import sealkeys, seals, sealstore, service
from app.audit.actor import Actor
from app.extensions import db
from app.models.audit import AuditArchive, AuditEvent, AuditSeal
from tests.audit_support import seal_everything, wait_until_sealable
from tests.conftest import TEST_DATABASE_URL

ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
CLI = Actor(email="cli:test", role="cli")


def _append(app: Flask, count: int, *, days_ago: int = 0) -> list[int]:
    with app.app_context():
        for n in range(count):
            audit_event = service.build_event(
                "lookup.plate", "hit", query=f"DAB{n:04d}", record_ids=[f"V{n}"], actor=CLI
            )
            if days_ago:
                audit_event.occurred_at -= timedelta(days=days_ago)
            db.session.add(audit_event)
            db.session.commit()
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _seal(app: Flask) -> list[AuditSeal]:
    with app.app_context():
        made = seal_everything()
        db.session.expunge_all()
        return made


def _raw(app: Flask, statement: str, **params: object) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def _verify(runner: FlaskCliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def _sealed_trail(app: Flask, batches: int = 2, per_batch: int = 3) -> list[int]:
    for _ in range(batches):
        _append(app, per_batch)
        _seal(app)
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


# --- A healthy trail --------------------------------------------------------------------------


def test_an_empty_trail_verifies(app: Flask, runner: FlaskCliRunner) -> None:
    code, output = _verify(runner)
    assert code == 0, output
    assert "OK: no seals yet; no unsealed events" in output


def test_a_sealed_trail_verifies_with_its_counts_keys_store_and_tail(app: Flask, runner: FlaskCliRunner) -> None:
    _sealed_trail(app)
    _append(app, 2)
    code, output = _verify(runner)
    assert code == 0, output
    assert "OK: 2 seal(s) cover 6 event(s); signatures hold (keys s" in output
    assert "the outside store agrees (2 seal(s))" in output
    assert "2 unsealed event(s), the oldest" in output


def test_seal_command_seals_everything_and_says_so(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 4)
    with app.app_context():
        wait_until_sealable()
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0, result.output
    assert "sealed 4 event(s) in 1 seal(s), up to seal 1" in result.output
    assert runner.invoke(args=["audit", "seal"]).output.strip() == "nothing to seal"


def test_seals_are_linked_signed_and_copied_outside_the_database(app: Flask) -> None:
    _sealed_trail(app)
    with app.app_context():
        first, second = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq))
        assert second.prev_seal_hash == first.seal_hash
        assert second.position_from == first.position_to
        key = sealkeys.ring()[second.kid]
        assert sealkeys.signature_holds(key, bytes.fromhex(second.seal_hash), second.signature)
        lines = [json.loads(line) for line in sealstore.path().read_text().splitlines()]
        assert [(line["seq"], line["seal_hash"]) for line in lines] == [(1, first.seal_hash), (2, second.seal_hash)]
        assert stat.S_IMODE(sealstore.path().stat().st_mode) == 0o600
        assert stat.S_IMODE((sealkeys.folder() / f"{key.kid}.pem").stat().st_mode) == 0o600


def test_the_database_never_holds_the_signing_key(app: Flask) -> None:
    _sealed_trail(app, batches=1)
    with app.app_context():
        key = next(iter(sealkeys.ring().values()))
        private = (sealkeys.folder() / f"{key.kid}.pem").read_text()
        dump = " ".join(
            str(value)
            for table in ("audit_events", "audit_seals")
            for row in db.session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608 - fixed names
            for value in row
        )
    body = "".join(private.splitlines()[1:-1])
    assert body not in dump


# --- Attacks on events ------------------------------------------------------------------------


def test_a_sealed_event_changed_through_raw_sql_is_named(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _sealed_trail(app)
    _raw(app, "UPDATE audit_events SET outcome = 'miss' WHERE id = :id", id=ids[4])
    code, output = _verify(runner)
    assert code == 1
    assert f"BROKEN: seal 2 (events {ids[3]}–{ids[5]}, sealed " in output
    assert f"event {ids[4]} was changed after it was sealed" in output
    assert "(1 seal(s) before it verified" in output


def test_a_sealed_event_removed_is_named(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _sealed_trail(app)
    _raw(app, "DELETE FROM audit_events WHERE id = :id", id=ids[1])
    code, output = _verify(runner)
    assert code == 1
    assert f"seal 1 (events {ids[0]}–{ids[2]}" in output
    assert f"event {ids[1]} was removed after it was sealed" in output


def test_an_event_inserted_into_a_sealed_range_is_named(app: Flask, runner: FlaskCliRunner) -> None:
    _sealed_trail(app)
    with app.app_context():
        first = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq)).first()
        assert first is not None
        # SQLite: an id inside the sealed range; PostgreSQL: a transaction id inside it.
        forged_id, forged_txid = (900_001, first.position_from + 1) if ON_POSTGRES else (0, None)
    _raw(
        app,
        "INSERT INTO audit_events (id, txid, occurred_at, action, outcome, record_ids, detail)"
        " VALUES (:id, :txid, :at, 'auth.login', 'ok', '', '{}')",
        id=forged_id,
        txid=forged_txid,
        at=datetime.now(UTC),
    )
    code, output = _verify(runner)
    assert code == 1
    assert f"event {forged_id} was inserted after the seal was made" in output


def test_two_sealed_events_swapped_are_found(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _sealed_trail(app, batches=1)
    with app.app_context():
        queries = {row.id: row.query for row in db.session.execute(select(AuditEvent.id, AuditEvent.query))}
    _raw(app, "UPDATE audit_events SET query = :q WHERE id = :id", q=queries[ids[1]], id=ids[0])
    _raw(app, "UPDATE audit_events SET query = :q WHERE id = :id", q=queries[ids[0]], id=ids[1])
    code, output = _verify(runner)
    assert code == 1
    assert f"event {ids[0]} was changed after it was sealed" in output


def test_the_newest_events_deleted_are_found(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _sealed_trail(app)
    _raw(app, "DELETE FROM audit_events WHERE id >= :id", id=ids[3])
    code, output = _verify(runner)
    assert code == 1
    assert f"event {ids[3]} was removed after it was sealed (3 removed)" in output


def test_the_newest_events_deleted_with_their_seal_are_found_by_the_outside_store(
    app: Flask, runner: FlaskCliRunner
) -> None:
    ids = _sealed_trail(app)
    _raw(app, "DELETE FROM audit_events WHERE id >= :id", id=ids[3])
    _raw(app, "DELETE FROM audit_seals WHERE seq = 2")
    code, output = _verify(runner)
    assert code == 1
    assert "the outside store holds seals 2–2" in output
    assert "rolled back to an older copy, or its newest seals and events were deleted" in output


def test_a_chain_recomputed_without_the_key_fails_its_signature(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _sealed_trail(app)
    _raw(app, "UPDATE audit_events SET outcome = 'miss' WHERE id = :id", id=ids[1])
    with app.app_context():
        # The attacker recomputes the digest, the index and the seal hashes of every seal from the changed one on.
        previous_hash = None
        for seal in db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq)).all():
            summary = seals.digest(seals.events_in(seal.position_kind, seal.position_from, seal.position_to))
            forged = AuditSeal(**{c.key: getattr(seal, c.key) for c in AuditSeal.__table__.columns})
            forged.events_digest, forged.event_index = summary.events_digest, summary.event_index
            if previous_hash:
                forged.prev_seal_hash = previous_hash
            forged.seal_hash = seals.seal_hash(forged)
            previous_hash = forged.seal_hash
            db.session.execute(
                text(
                    "UPDATE audit_seals SET events_digest = :d, event_index = :i, prev_seal_hash = :p, seal_hash = :h"
                    " WHERE seq = :s"
                ),
                {
                    "d": forged.events_digest,
                    "i": forged.event_index,
                    "p": forged.prev_seal_hash,
                    "h": forged.seal_hash,
                    "s": seal.seq,
                },
            )
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert "seal 1 (" in output
    assert "its signature does not hold: the seal was written without the signing key" in output


def test_a_chain_re_signed_with_the_attackers_own_key_names_the_unknown_key(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _sealed_trail(app, batches=1)
    with app.app_context():
        seal = db.session.scalars(select(AuditSeal)).one()
        ours = app.config["AUDIT_SEAL_KEY_DIR"]
        app.config["AUDIT_SEAL_KEY_DIR"] = str(tmp_path / "attacker")
        own = sealkeys.rotate()
        app.config["AUDIT_SEAL_KEY_DIR"] = ours
        seal.kid = own.kid
        new_hash = seals.seal_hash(seal)
        signature = sealkeys.sign(own, bytes.fromhex(new_hash))
        db.session.expunge(seal)
        db.session.execute(
            text("UPDATE audit_seals SET kid = :k, seal_hash = :h, signature = :s WHERE seq = 1"),
            {"k": own.kid, "h": new_hash, "s": signature},
        )
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert f"it was signed with key {own.kid}, which is not in" in output


# --- Rollback ---------------------------------------------------------------------------------


@pytest.mark.skipif(ON_POSTGRES, reason="copies the SQLite database file; PostgreSQL is covered by the next test")
def test_a_database_restored_from_an_older_copy_is_found(tmp_path: Path, app_with: Callable[..., Flask]) -> None:
    database = tmp_path / "envoy.db"
    app = app_with(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    _sealed_trail(app, batches=1)
    with app.app_context():
        db.engine.dispose()
    shutil.copy(database, tmp_path / "backup.db")
    _sealed_trail(app, batches=2)
    with app.app_context():
        db.engine.dispose()
    shutil.copy(tmp_path / "backup.db", database)
    code, output = _verify(app.test_cli_runner())
    assert code == 1
    assert "the outside store holds seals 2–3" in output


def test_a_rolled_back_database_that_sealed_again_differs_from_the_outside_store(
    app: Flask, runner: FlaskCliRunner
) -> None:
    ids = _sealed_trail(app)
    # The state of an older copy: seal 2 and its events gone. Then the copy goes on working and seals again.
    _raw(app, "DELETE FROM audit_seals WHERE seq = 2")
    _raw(app, "DELETE FROM audit_events WHERE id >= :id", id=ids[3])
    _append(app, 1)
    _seal(app)
    code, output = _verify(runner)
    assert code == 1
    assert "the outside store holds two different seals numbered 2" in output
    assert "the database was rolled back to an older copy and sealed again" in output


def test_a_seal_missing_from_the_outside_store_is_found(app: Flask, runner: FlaskCliRunner) -> None:
    _sealed_trail(app)
    with app.app_context():
        store = sealstore.path()
    store.write_text(store.read_text().splitlines(keepends=True)[0])
    code, output = _verify(runner)
    assert code == 1
    assert "seal 2 (" in output and "it is not in the outside store" in output


# --- Crashes ----------------------------------------------------------------------------------


def test_a_crash_between_writing_events_and_sealing_them_loses_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    _sealed_trail(app, batches=1)
    _append(app, 3)  # written and acknowledged; the process dies before any seal
    code, output = _verify(runner)
    assert code == 0, output
    assert "3 unsealed event(s)" in output
    _seal(app)
    code, output = _verify(runner)
    assert code == 0, output
    # 6 lookups, and the first verify's own audit event.
    assert "cover 7 event(s)" in output and "no unsealed events" in output


def test_a_crash_after_the_seal_commits_but_before_the_outside_copy_is_repaired_by_the_next_seal(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sealed_trail(app, batches=1)
    _append(app, 2)

    def crash(_entry: object) -> None:
        raise OSError("killed before the store was written")

    with monkeypatch.context() as patch:
        patch.setattr(sealstore, "append", crash)
        with pytest.raises(OSError):
            _seal(app)
    code, output = _verify(runner)
    assert code == 1 and "seal 2 (" in output and "not in the outside store" in output
    _append(app, 1)
    _seal(app)  # publishes seal 2, then makes seal 3
    code, output = _verify(runner)
    assert code == 0, output
    assert "the outside store agrees (3 seal(s))" in output


def test_a_verify_that_finds_tampering_raises_an_alert(
    app: Flask, runner: FlaskCliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _sealed_trail(app, batches=1)
    _raw(app, "UPDATE audit_events SET outcome = 'miss' WHERE id = :id", id=ids[0])
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        code, _ = _verify(runner)
    assert code == 1
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "envoy.alerts"]
    assert line["alert"] == "audit.tampering" and f"event {ids[0]} was changed" in line["problem"]
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["audit.verify", "alert.audit.tampering"]


def test_verifying_is_itself_audited(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 1)
    runner.invoke(args=["audit", "verify"])
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        assert (last.action, last.outcome, last.user_role) == ("audit.verify", "ok", "cli")


# --- Order: a late commit is never skipped -------------------------------------------------------


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's writers take turns: an event cannot commit late")
def test_an_event_that_commits_late_is_sealed_in_the_next_batch_never_skipped(
    app: Flask, runner: FlaskCliRunner
) -> None:
    before = _append(app, 2)
    with app.app_context():
        late = Session(db.engine)
    try:
        late.add(service.build_event("incident.create", "ok", actor=CLI))
        late.flush()  # its id and transaction id are taken; it has not committed
        late_id = late.scalars(select(AuditEvent.id).where(AuditEvent.action == "incident.create")).one()
        after = [i for i in _append(app, 3) if i not in before]
        assert min(after) > late_id  # committed before the late event, with higher ids
        with app.app_context():
            # Only what lies below the open transaction can be sealed (once other writers on the cluster are done).
            deadline = datetime.now(UTC) + timedelta(seconds=60)
            while _sealed_count(app) < 2 and datetime.now(UTC) < deadline:
                seals.seal_all()
                time.sleep(0.05)
            assert _sealed_count(app) == 2
            newest = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc())).first()
            assert newest is not None and newest.last_event_id == before[-1]
        late.commit()
    finally:
        late.close()
    _seal(app)
    with app.app_context():
        second = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc())).first()
        assert second is not None and second.first_event_id == late_id and second.event_count == 4
    code, output = _verify(runner)
    assert code == 0, output
    assert "cover 6 event(s)" in output


def _sealed_count(app: Flask) -> int:
    with app.app_context():
        return sum(seal.event_count for seal in db.session.scalars(select(AuditSeal)))


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time by design")
def test_an_audited_request_does_not_wait_for_another_requests_open_transaction(
    app: Flask, login_as: Callable[..., object], client: object
) -> None:
    from tests.factories import make_vehicle  # noqa: PLC0415 - only this test needs the registry

    with app.app_context():
        make_vehicle(plate="DAB1234")
        holder = Session(db.engine)
        holder.add(service.build_event("incident.create", "ok", actor=CLI))
        holder.flush()  # an audited request mid-transaction: its event written, not committed
    login_as("officer")
    answers: list[int] = []
    worker = threading.Thread(
        target=lambda: answers.append(
            client.post("/lookup", data={"q": "DAB1234"}, headers={"HX-Request": "true"}).status_code
        )
    )  # type: ignore[attr-defined]
    worker.start()
    worker.join(timeout=15)
    finished = not worker.is_alive()
    holder.rollback()
    holder.close()
    worker.join(timeout=15)
    assert finished, "the lookup waited for another request's open audit transaction"
    assert answers == [200]


# --- Archive ------------------------------------------------------------------------------------


def _old_sealed_trail(app: Flask) -> list[int]:
    _append(app, 3, days_ago=400)
    _seal(app)
    _append(app, 2)
    _seal(app)
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _cutoff() -> str:
    return (date.today() - timedelta(days=365)).isoformat()


def test_archive_moves_old_sealed_events_to_a_signed_file_that_verify_still_checks(
    app: Flask, runner: FlaskCliRunner
) -> None:
    ids = _old_sealed_trail(app)
    result = runner.invoke(args=["audit", "archive", "--before", _cutoff()])
    assert result.exit_code == 0, result.output
    assert "archived 3 event(s) of seals 1–1 to " in result.output
    with app.app_context():
        remaining = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        row = db.session.scalars(select(AuditArchive)).one()
        path = Path(app.instance_path) / "audit-archive" / row.file_name
    assert remaining[:2] == ids[3:] and not set(ids[:3]) & set(remaining)
    assert remaining[-1] > ids[-1]  # the archive's own audit event
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, output = _verify(runner)
    assert code == 0, output
    assert "OK: 2 seal(s) cover 2 event(s), 3 archived" in output


def test_verify_names_an_archive_file_that_was_changed(app: Flask, runner: FlaskCliRunner) -> None:
    _old_sealed_trail(app)
    runner.invoke(args=["audit", "archive", "--before", _cutoff()])
    path = next((Path(app.instance_path) / "audit-archive").iterdir())
    path.write_text(path.read_text().replace("DAB0001", "DAB9999"))
    code, output = _verify(runner)
    assert code == 1
    assert f"archive {path.name}: the file is not the one that was archived" in output


def test_verify_without_the_archive_file_says_what_it_could_not_check(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _old_sealed_trail(app)
    runner.invoke(args=["audit", "archive", "--before", _cutoff()])
    code, output = _verify(runner, "--archive", str(tmp_path / "elsewhere"))
    assert code == 0, output
    assert "note: seals 1–1 were archived to audit-archive-00000001-00000001.jsonl, which is not in" in output


def test_archive_refuses_a_date_inside_the_retention_period_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    ids = _old_sealed_trail(app)
    result = runner.invoke(args=["audit", "archive", "--before", date.today().isoformat()])
    assert result.exit_code == 1
    assert "events are kept at least 365 days" in result.output and "nothing was archived" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id))) == ids


def test_archive_never_touches_unsealed_events(app: Flask, runner: FlaskCliRunner) -> None:
    ids = _append(app, 3, days_ago=400)
    result = runner.invoke(args=["audit", "archive", "--before", _cutoff()])
    assert result.exit_code == 0, result.output
    assert "nothing to archive" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id))) == ids


# --- Keys -----------------------------------------------------------------------------------------


def test_a_rotated_key_signs_new_seals_and_the_old_one_still_verifies_its_own(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _sealed_trail(app, batches=1)
    result = runner.invoke(args=["audit", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    _sealed_trail(app, batches=1)
    with app.app_context():
        kids = [s.kid for s in db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq))]
    assert len(set(kids)) == 2
    code, output = _verify(runner)
    assert code == 0, output
    listing = runner.invoke(args=["audit", "keys", "list"]).output
    assert f"{max(kids)}  signs  private" in listing and f"{min(kids)}  verifies  private" in listing


def test_a_key_file_readable_by_others_is_refused(app: Flask) -> None:
    _sealed_trail(app, batches=1)
    with app.app_context():
        path = next(sealkeys.folder().glob("*.pem"))
        path.chmod(0o644)
        with pytest.raises(sealkeys.SealKeyError, match="readable by other users"):
            sealkeys.ring()


# --- Sealing off the request path -----------------------------------------------------------------


def test_requests_seal_the_trail_after_their_response_is_sent(app_with: Callable[..., Flask]) -> None:
    app = app_with(AUDIT_SEAL_INTERVAL_SECONDS=0.001)
    _append(app, 3)
    client = app.test_client()
    response = client.get("/login")
    with app.app_context():
        assert db.session.scalars(select(AuditSeal)).first() is None, "sealed before the response was sent"
    response.close()  # what the WSGI server does once the response has gone out
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while datetime.now(UTC) < deadline:
        with app.app_context():
            sealed = sum(s.event_count for s in db.session.scalars(select(AuditSeal)))
        if sealed == 3:
            break
        client.get("/login").close()  # PostgreSQL: a seal waits out other writers on the cluster
    assert sealed == 3


def test_a_sealer_that_finds_another_at_work_skips_its_turn_instead_of_waiting(
    app: Flask, tmp_path: Path, app_with: Callable[..., Flask]
) -> None:
    url = TEST_DATABASE_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'seal.db'}"
    shared = app_with(SQLALCHEMY_DATABASE_URI=url)
    _append(shared, 2)
    with shared.app_context():
        other = Session(db.engine)
        try:
            if ON_POSTGRES:
                other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": seals.SEAL_LOCK_KEY})
            else:
                other.connection().connection.dbapi_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
            started = datetime.now(UTC)
            assert seals.seal_once(wait=False) is None
            assert datetime.now(UTC) - started < timedelta(seconds=2)
        finally:
            other.rollback()
            other.close()
            db.session.rollback()


def test_each_seal_also_goes_to_syslog_when_configured(app_with: Callable[..., Flask]) -> None:
    import socket  # noqa: PLC0415

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        app = app_with(AUDIT_SEAL_SYSLOG=f"127.0.0.1:{receiver.getsockname()[1]}")
        _sealed_trail(app, batches=1)
        message = receiver.recv(4096).decode()
    finally:
        receiver.close()
    with app.app_context():
        seal = db.session.scalars(select(AuditSeal)).one()
    assert "envoy audit seal" in message and seal.seal_hash in message and seal.signature in message


def test_by_default_the_key_and_the_outside_store_live_in_the_instance_folder(app_with: Callable[..., Flask]) -> None:
    app = app_with(AUDIT_SEAL_KEY_DIR="", AUDIT_SEAL_STORE="")
    _sealed_trail(app, batches=1)
    instance = Path(app.instance_path)
    assert len(list((instance / "audit-seal-keys").glob("*.pem"))) == 1
    assert (instance / "audit-seals.jsonl").read_text().count("\n") == 1
