"""Card QR tokens: issuing, strict verification, key rotation and scanner input (qr-tokens.md §3, T1-T24)."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
import qrcode
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from app.cards import tokens
from app.cards.numbers import IN_TOKEN
from app.cards.tokens import (
    LEEWAY,
    MAX_TOKEN_CHARS,
    KeyRing,
    KeyRingError,
    KeyStatus,
    Reason,
    SigningKey,
    TokenError,
    VerifiedToken,
    card_url,
    expiry_timestamp,
    extract,
    generate_key,
    issue,
    new_kid,
    verify,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EXPIRES_ON = date(2029, 6, 30)
CARD = "AB12CD34"
BASE_URL = "https://envoy.example.gov"
# Order of the P-256 group, for the malleable twin (r, n - s) of a signature (T13).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# qr-tokens.md §2: ES256 with `typ` dropped measured 201 characters; more would cost a QR version.
TOKEN_BUDGET = 201
MISSING = object()


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key("k1")


@pytest.fixture(scope="module")
def ring(key: SigningKey) -> KeyRing:
    return KeyRing([key])


@pytest.fixture(scope="module")
def token(ring: KeyRing) -> str:
    return issue(CARD, EXPIRES_ON, ring, NOW)


@pytest.fixture
def decode_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Record every call verify makes to PyJWT's decoder, and still decode."""
    calls: list[dict[str, Any]] = []
    real_decode = jwt.decode

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", spy)
    yield calls


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_segment(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    assert key.private_pem is not None
    loaded = serialization.load_pem_private_key(key.private_pem, password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return loaded


def es256(signing_input: str, signer: ec.EllipticCurvePrivateKey) -> str:
    r, s = decode_dss_signature(signer.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def forge(header: Any, payload: Any, signer: ec.EllipticCurvePrivateKey) -> str:
    """A correctly ES256-signed token with any header and payload; raw JSON text is used as given."""
    header_segment = b64(header.encode()) if isinstance(header, str) else json_segment(header)
    payload_segment = b64(payload.encode()) if isinstance(payload, str) else json_segment(payload)
    signing_input = f"{header_segment}.{payload_segment}"
    return f"{signing_input}.{es256(signing_input, signer)}"


def claims(**changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"cid": CARD, "iat": int(NOW.timestamp()), "exp": expiry_timestamp(EXPIRES_ON)}
    result.update(changes)
    return {name: value for name, value in result.items() if value is not MISSING}


def reason(raw: str, ring: KeyRing, now: datetime = NOW) -> Reason:
    with pytest.raises(TokenError) as caught:
        verify(raw, ring, now)
    return caught.value.reason


def segments(raw: str) -> list[Any]:
    header, payload, _ = raw.split(".")
    return [json.loads(base64.urlsafe_b64decode(part + "==")) for part in (header, payload)]


# Issuing


def test_issued_token_header_is_only_alg_and_kid(token: str) -> None:
    header, _ = segments(token)
    assert header == {"alg": "ES256", "kid": "k1"}


def test_issued_token_claims_are_card_number_and_integer_times_only(token: str) -> None:
    _, payload = segments(token)
    assert payload == {"cid": CARD, "iat": int(NOW.timestamp()), "exp": expiry_timestamp(EXPIRES_ON)}
    assert type(payload["iat"]) is int and type(payload["exp"]) is int


def test_exp_is_the_last_second_of_the_expiry_day_in_utc() -> None:
    assert datetime.fromtimestamp(expiry_timestamp(EXPIRES_ON), UTC) == datetime(2029, 6, 30, 23, 59, 59, tzinfo=UTC)


def test_issued_token_verifies_to_its_card(token: str, ring: KeyRing) -> None:
    assert verify(token, ring, NOW) == VerifiedToken(
        card_number=CARD,
        kid="k1",
        issued_at=NOW,
        expires_at=datetime(2029, 6, 30, 23, 59, 59, tzinfo=UTC),
    )


@pytest.mark.parametrize("card_number", ["", "ab12cd34", "AB 12", "-AB12", "A" * 21, "x' OR 1=1--"])
def test_issue_refuses_a_card_number_verify_would_refuse(card_number: str, ring: KeyRing) -> None:
    with pytest.raises(ValueError):
        issue(card_number, EXPIRES_ON, ring, NOW)


@pytest.mark.parametrize("expires_on", [date(2026, 11, 22), date(2040, 1, 1)])
def test_issue_refuses_an_expiry_verify_would_refuse(expires_on: date, ring: KeyRing) -> None:
    with pytest.raises(ValueError):
        issue(CARD, expires_on, ring, NOW)


def test_issue_refuses_a_naive_clock(ring: KeyRing) -> None:
    with pytest.raises(ValueError):
        issue(CARD, EXPIRES_ON, ring, NOW.replace(tzinfo=None))


def test_issue_needs_an_active_key(key: SigningKey) -> None:
    with pytest.raises(KeyRingError):
        issue(CARD, EXPIRES_ON, KeyRing([replace(key, status=KeyStatus.RETIRED)]), NOW)


def test_issue_needs_the_private_part_of_the_active_key(key: SigningKey) -> None:
    with pytest.raises(KeyRingError):
        issue(CARD, EXPIRES_ON, KeyRing([replace(key, private_pem=None)]), NOW)


def test_issue_refuses_a_private_part_that_does_not_match_the_public_part(key: SigningKey) -> None:
    mismatched = replace(key, private_pem=generate_key("k9").private_pem)
    with pytest.raises(KeyRingError):
        issue(CARD, EXPIRES_ON, KeyRing([mismatched]), NOW)


def test_issue_refuses_a_card_that_would_outlive_its_signing_key(key: SigningKey) -> None:
    short_lived = replace(key, not_after=datetime(2028, 1, 1, tzinfo=UTC))
    with pytest.raises(KeyRingError):
        issue(CARD, EXPIRES_ON, KeyRing([short_lived]), NOW)


# Key material


def test_generated_key_is_an_active_p256_key_pair(key: SigningKey) -> None:
    public = serialization.load_pem_public_key(key.public_pem)
    assert isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1)
    assert private_key(key).public_key().public_numbers() == public.public_numbers()
    assert key.status is KeyStatus.ACTIVE and key.not_after is None


def test_new_kid_is_short_and_safe_in_urls_and_shells() -> None:
    kids = {new_kid(set()) for _ in range(200)}
    assert all(len(kid) == 5 and kid[0].isalpha() and kid.isalnum() and kid.islower() for kid in kids)
    assert all(tokens.KID.fullmatch(kid) for kid in kids)


def test_new_kid_avoids_existing_kids(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter("aaaaabbbbb")
    monkeypatch.setattr(secrets, "choice", lambda _: next(draws))
    assert new_kid({"aaaaa"}) == "bbbbb"


def test_signing_key_repr_hides_the_private_part(key: SigningKey) -> None:
    assert key.private_pem is not None
    assert "PRIVATE" not in repr(key) and key.private_pem.decode() not in repr(key)


def test_key_ring_refuses_duplicate_kids(key: SigningKey) -> None:
    with pytest.raises(KeyRingError):
        KeyRing([key, replace(key, status=KeyStatus.RETIRED)])


def test_key_ring_refuses_two_active_keys(key: SigningKey) -> None:
    with pytest.raises(KeyRingError):
        KeyRing([key, generate_key("k2")])


def test_key_ring_refuses_a_key_that_is_not_p256(key: SigningKey) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = p384.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(KeyRingError):
        KeyRing([replace(key, public_pem=pem)])


@pytest.mark.parametrize("kid", ["", "dos-2026-q1", "k/1", "k 1"])
def test_signing_key_refuses_a_long_or_unsafe_kid(key: SigningKey, kid: str) -> None:
    with pytest.raises(KeyRingError):
        replace(key, kid=kid)


def test_key_status_read_from_storage_as_plain_text_still_counts(key: SigningKey, token: str) -> None:
    withdrawn = replace(key, status="withdrawn")  # type: ignore[arg-type]
    assert withdrawn.status is KeyStatus.WITHDRAWN
    assert reason(token, KeyRing([withdrawn])) is Reason.KEY_WITHDRAWN


# JWKS


def test_jwks_lists_active_and_retired_keys_but_not_withdrawn_ones(key: SigningKey) -> None:
    keys = [
        key,
        replace(generate_key("old"), status=KeyStatus.RETIRED),
        replace(generate_key("bad"), status=KeyStatus.WITHDRAWN),
    ]
    assert [entry["kid"] for entry in KeyRing(keys).jwks()["keys"]] == ["k1", "old"]


def test_jwks_has_public_fields_only(ring: KeyRing) -> None:
    (entry,) = ring.jwks()["keys"]
    assert set(entry) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert "d" not in entry
    assert (entry["kty"], entry["crv"], entry["alg"], entry["use"]) == ("EC", "P-256", "ES256", "sig")


def test_jwks_key_verifies_a_card_token(ring: KeyRing, token: str) -> None:
    (entry,) = ring.jwks()["keys"]
    payload = jwt.decode(
        token, jwt.PyJWK(entry).key, algorithms=["ES256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert payload["cid"] == CARD


# qr-tokens.md §3 T-cases


def test_t1_every_decode_pins_the_es256_allow_list_and_required_claims(
    token: str, ring: KeyRing, decode_calls: list[dict[str, Any]]
) -> None:
    verify(token, ring, NOW)
    assert [call["algorithms"] for call in decode_calls] == [["ES256"]]
    assert set(decode_calls[0]["options"]["require"]) == {"cid", "iat", "exp"}


def test_t2_alg_none_with_empty_signature_is_a_bad_signature(ring: KeyRing) -> None:
    for header in ({"alg": "none"}, {"alg": "none", "kid": "k1"}):
        assert reason(f"{json_segment(header)}.{json_segment(claims())}.", ring) is Reason.BAD_SIGNATURE


def test_t3_hs256_keyed_with_our_public_key_is_a_bad_signature(key: SigningKey, ring: KeyRing) -> None:
    signing_input = f"{json_segment({'alg': 'HS256', 'kid': 'k1'})}.{json_segment(claims())}"
    mac = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert reason(f"{signing_input}.{b64(mac)}", ring) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("alg", ["es256", "ES384", "RS256", "HS256", "ES256 "])
def test_t3_any_algorithm_but_exactly_es256_is_a_bad_signature(key: SigningKey, ring: KeyRing, alg: str) -> None:
    assert reason(forge({"alg": alg, "kid": "k1"}, claims(), private_key(key)), ring) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("claim", ["exp", "iat", "cid"])
def test_t4_token_without_a_required_claim_is_malformed(key: SigningKey, ring: KeyRing, claim: str) -> None:
    raw = forge({"alg": "ES256", "kid": "k1"}, claims(**{claim: MISSING}), private_key(key))
    assert reason(raw, ring) is Reason.MALFORMED


def test_t5_token_30_seconds_past_exp_is_expired_with_no_leeway(key: SigningKey, ring: KeyRing) -> None:
    exp = int(NOW.timestamp()) - 30
    raw = forge({"alg": "ES256", "kid": "k1"}, claims(iat=exp - 86400, exp=exp), private_key(key))
    assert reason(raw, ring) is Reason.EXPIRED


def test_t5_card_verifies_until_the_end_of_its_expiry_day(token: str, ring: KeyRing) -> None:
    last_second = datetime(2029, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert verify(token, ring, last_second - timedelta(seconds=1)).card_number == CARD
    assert reason(token, ring, last_second) is Reason.EXPIRED


@pytest.mark.parametrize("ahead", [61, 90, 600])
def test_t6_token_issued_beyond_the_leeway_in_the_future_is_malformed(
    key: SigningKey, ring: KeyRing, ahead: int
) -> None:
    raw = forge({"alg": "ES256", "kid": "k1"}, claims(iat=int(NOW.timestamp()) + ahead), private_key(key))
    assert reason(raw, ring) is Reason.MALFORMED


def test_t6_issuer_clock_up_to_60_seconds_ahead_is_accepted(key: SigningKey, ring: KeyRing) -> None:
    assert LEEWAY == timedelta(seconds=60)
    raw = forge({"alg": "ES256", "kid": "k1"}, claims(iat=int(NOW.timestamp()) + 60), private_key(key))
    assert verify(raw, ring, NOW).card_number == CARD


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": 1e30},
        {"exp": float(expiry_timestamp(EXPIRES_ON))},
        {"exp": int(NOW.timestamp()) + 50 * 366 * 86400},
        {"exp": int(NOW.timestamp())},
        {"iat": -1},
    ],
    ids=["float-1e30", "integral-float", "50-years", "exp-equals-iat", "negative-iat"],
)
def test_t7_validity_outside_policy_is_malformed(key: SigningKey, ring: KeyRing, changes: dict[str, Any]) -> None:
    assert reason(forge({"alg": "ES256", "kid": "k1"}, claims(**changes), private_key(key)), ring) is Reason.MALFORMED


@pytest.mark.parametrize(
    "changes",
    [{"iat": str(int(NOW.timestamp()))}, {"exp": str(expiry_timestamp(EXPIRES_ON))}, {"iat": True}, {"exp": None}],
    ids=["iat-string", "exp-string", "iat-bool", "exp-null"],
)
def test_t8_times_that_are_not_integers_are_malformed(key: SigningKey, ring: KeyRing, changes: dict[str, Any]) -> None:
    assert reason(forge({"alg": "ES256", "kid": "k1"}, claims(**changes), private_key(key)), ring) is Reason.MALFORMED


@pytest.mark.parametrize(
    "cid",
    [["AB12CD34"], "", "A" * 10_000, "ab12cd34", "x' OR 1=1--", "A" * 21, 12345678, {"n": "AB12CD34"}],
    ids=["list", "empty", "10kB", "lower-case", "sql", "21-chars", "number", "object"],
)
def test_t9_card_number_that_is_not_a_card_number_is_malformed(key: SigningKey, ring: KeyRing, cid: Any) -> None:
    assert reason(forge({"alg": "ES256", "kid": "k1"}, claims(cid=cid), private_key(key)), ring) is Reason.MALFORMED


@pytest.mark.parametrize("kid", ["../../../../dev/null", "x' OR 1=1--", "k2", "K1"])
def test_t10_kid_not_in_the_ring_is_an_unknown_key(key: SigningKey, ring: KeyRing, kid: str) -> None:
    assert reason(forge({"alg": "ES256", "kid": kid}, claims(), private_key(key)), ring) is Reason.UNKNOWN_KEY


@pytest.mark.parametrize("kid", [1, None, "", "k" * 65], ids=["number", "null", "empty", "65-chars"])
def test_t10_kid_that_is_not_a_short_string_is_malformed(key: SigningKey, ring: KeyRing, kid: Any) -> None:
    assert reason(forge({"alg": "ES256", "kid": kid}, claims(), private_key(key)), ring) is Reason.MALFORMED


@pytest.mark.parametrize("field", ["jwk", "jku", "x5u"])
def test_t11_attacker_key_offered_in_the_header_is_refused(ring: KeyRing, field: str) -> None:
    attacker = generate_key("k1")
    offered = KeyRing([attacker]).jwks()["keys"][0] if field == "jwk" else "https://evil.example/keys.json"
    raw = forge({"alg": "ES256", "kid": "k1", field: offered}, claims(), private_key(attacker))
    assert reason(raw, ring) is Reason.MALFORMED


def test_t11_attacker_key_under_our_kid_is_a_bad_signature(ring: KeyRing) -> None:
    attacker = generate_key("k1")
    assert reason(issue(CARD, EXPIRES_ON, KeyRing([attacker]), NOW), ring) is Reason.BAD_SIGNATURE


def test_t12_unknown_critical_extension_is_malformed(key: SigningKey, ring: KeyRing) -> None:
    raw = forge({"alg": "ES256", "kid": "k1", "crit": ["exp2"], "exp2": 1}, claims(), private_key(key))
    assert reason(raw, ring) is Reason.MALFORMED


def test_t13_malleable_twin_signature_gives_the_same_card_and_iat(token: str, ring: KeyRing) -> None:
    signing_input, signature = token.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(signature + "==")
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    twin = f"{signing_input}.{b64(r + (P256_ORDER - s).to_bytes(32, 'big'))}"
    assert twin != token
    # Equal results: nothing the caller keys revocation or caches on comes from the signature bytes.
    assert verify(twin, ring, NOW) == verify(token, ring, NOW)


def test_t14_padded_signature_is_handled_like_the_canonical_token(token: str, ring: KeyRing) -> None:
    assert verify(token + "==", ring, NOW) == verify(token, ring, NOW)


def test_t14_set_spare_bits_in_the_last_signature_character_are_malformed(token: str, ring: KeyRing) -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    variants = [token[:-1] + alphabet[(last & ~0xF) | bits] for bits in range(16) if (last & ~0xF) | bits != last]
    assert [reason(variant, ring) for variant in variants] == [Reason.MALFORMED] * 15


@pytest.mark.parametrize(
    ("before", "after"), [("", "\n"), ("", "\r\n"), ("  \t", ""), ("", "\x00"), ("\r\n ", "\r\n\x00")]
)
def test_t15_scanner_whitespace_and_nul_are_trimmed(token: str, ring: KeyRing, before: str, after: str) -> None:
    assert verify(before + token + after, ring, NOW) == verify(token, ring, NOW)


def test_t15_scanned_url_with_a_trailing_line_end_gives_the_token(token: str) -> None:
    assert extract(card_url(token, BASE_URL) + "\r\n", BASE_URL) == token


def test_t16_duplicate_claim_is_malformed(key: SigningKey, ring: KeyRing) -> None:
    iat, exp = int(NOW.timestamp()), expiry_timestamp(EXPIRES_ON)
    payload = f'{{"cid":"AB12CD34","cid":"ZZ999999","iat":{iat},"exp":{exp}}}'
    assert reason(forge({"alg": "ES256", "kid": "k1"}, payload, private_key(key)), ring) is Reason.MALFORMED


def test_t16_duplicate_header_field_is_malformed(key: SigningKey, ring: KeyRing) -> None:
    header = '{"alg":"ES256","kid":"k1","kid":"k1"}'
    assert reason(forge(header, claims(), private_key(key)), ring) is Reason.MALFORMED


@pytest.mark.parametrize(
    "extra",
    [{"iss": "verify.state"}, {"iss": "https://verify.state.gov"}, {"aud": "someone-else"}, {"nbf": 0}, {"name": "X"}],
    ids=["t17-wrong-iss", "t17-any-iss", "t18-aud", "nbf", "personal-data"],
)
def test_t17_t18_claims_beyond_cid_iat_exp_are_malformed(key: SigningKey, ring: KeyRing, extra: dict[str, Any]) -> None:
    assert reason(forge({"alg": "ES256", "kid": "k1"}, claims(**extra), private_key(key)), ring) is Reason.MALFORMED


def test_t19_huge_token_is_refused_before_parsing(
    token: str, ring: KeyRing, decode_calls: list[dict[str, Any]]
) -> None:
    huge = token + "A" * 266_000
    started = time.perf_counter()
    assert reason(huge, ring) is Reason.MALFORMED
    assert time.perf_counter() - started < 0.1
    assert reason("eyJ" + "A" * (MAX_TOKEN_CHARS - 5) + "..", ring) is Reason.MALFORMED
    assert decode_calls == []


@pytest.mark.parametrize("typ", ["at+jwt", "JWT"])
def test_t20_token_of_another_type_is_malformed(key: SigningKey, ring: KeyRing, typ: str) -> None:
    raw = forge({"alg": "ES256", "kid": "k1", "typ": typ}, claims(), private_key(key))
    assert reason(raw, ring) is Reason.MALFORMED


def test_t21_der_encoded_signature_is_a_bad_signature(key: SigningKey, ring: KeyRing) -> None:
    signing_input = f"{json_segment({'alg': 'ES256', 'kid': 'k1'})}.{json_segment(claims())}"
    der = private_key(key).sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    assert reason(f"{signing_input}.{b64(der)}", ring) is Reason.BAD_SIGNATURE


def test_t24_token_signed_with_a_retired_key_still_verifies(key: SigningKey, token: str) -> None:
    rotated = KeyRing([replace(key, status=KeyStatus.RETIRED, private_pem=None), generate_key("k2")])
    assert verify(token, rotated, NOW).kid == "k1"


def test_t24_token_signed_with_a_withdrawn_key_is_refused_at_once(key: SigningKey, token: str) -> None:
    withdrawn = KeyRing([replace(key, status=KeyStatus.WITHDRAWN, private_pem=None), generate_key("k2")])
    assert reason(token, withdrawn) is Reason.KEY_WITHDRAWN


def test_t24_new_kid_is_unknown_before_deployment_and_verifies_after(key: SigningKey) -> None:
    new = generate_key("k2")
    raw = issue(CARD, EXPIRES_ON, KeyRing([new]), NOW)
    assert reason(raw, KeyRing([key])) is Reason.UNKNOWN_KEY
    deployed = KeyRing([replace(key, status=KeyStatus.RETIRED), replace(new, private_pem=None)])
    assert verify(raw, deployed, NOW).kid == "k2"


def test_t24_after_rotation_new_cards_are_signed_with_the_new_key(key: SigningKey) -> None:
    rotated = KeyRing([replace(key, status=KeyStatus.RETIRED), generate_key("k2")])
    assert verify(issue(CARD, EXPIRES_ON, rotated, NOW), rotated, NOW).kid == "k2"


def test_t24_retired_key_verifies_nothing_after_its_not_after(key: SigningKey, token: str) -> None:
    not_after = NOW + timedelta(days=30)
    retired = KeyRing([replace(key, status=KeyStatus.RETIRED, not_after=not_after)])
    assert verify(token, retired, not_after).kid == "k1"
    assert reason(token, retired, not_after + timedelta(seconds=1)) is Reason.KEY_WITHDRAWN


# Shape checks without a T number


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "a.b", "a.b.c.d", "eyJ!.e30.AA", "eyJhbGciOiJFUzI1NiJ9.e30=.AA", "bm90IGpzb24.e30.AA", "WzFd.e30.AA"],
    ids=["empty", "one-segment", "two-segments", "four-segments", "bad-char", "bad-padding", "not-json", "array"],
)
def test_text_that_is_not_a_jws_is_malformed(ring: KeyRing, raw: str) -> None:
    assert reason(raw, ring) is Reason.MALFORMED


def test_verify_refuses_a_naive_clock(token: str, ring: KeyRing) -> None:
    with pytest.raises(ValueError):
        verify(token, ring, NOW.replace(tzinfo=None))


def test_every_reason_code_of_the_spec_exists() -> None:
    spec = {"bad_signature", "unknown_key", "key_withdrawn", "expired", "malformed", "revoked", "superseded"}
    assert {r.value for r in Reason} == spec | {"not_in_registry", "not_envoy"}


# Size and QR fit (qr-tokens.md §2)


def test_token_length_is_within_the_budget(ring: KeyRing) -> None:
    assert len(issue(CARD, EXPIRES_ON, KeyRing([generate_key(new_kid(set()))]), NOW)) <= TOKEN_BUDGET


def qr_version(data: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return int(code.version)


def test_card_url_with_the_longest_card_number_and_kid_fits_qr_version_11_at_m() -> None:
    longest = issue("A" * 20, date(2029, 12, 31), KeyRing([generate_key("k" * 8)]), NOW)
    assert qr_version(card_url(longest, BASE_URL)) <= 11


# Reading scanner input


def test_extract_takes_the_token_from_our_url(token: str) -> None:
    assert extract(f"{BASE_URL}/v/{token}", BASE_URL) == token


def test_extract_takes_a_bare_token(token: str) -> None:
    assert extract(f" {token}\n", BASE_URL) == token


def test_extract_ignores_case_in_scheme_and_host_only(token: str) -> None:
    assert extract(f"HTTPS://ENVOY.Example.GOV/v/{token}", BASE_URL) == token
    with pytest.raises(TokenError) as caught:
        extract(f"https://envoy.example.gov/V/{token}", BASE_URL)
    assert caught.value.reason is Reason.NOT_ENVOY


def test_extract_honours_a_base_url_with_a_path(token: str) -> None:
    assert extract(f"https://gov.example/envoy/v/{token}", "https://gov.example/envoy/") == token


@pytest.mark.parametrize(
    "prefix",
    [
        "https://evil.example/v/",
        "https://envoy.example.gov.evil.example/v/",
        "https://envoy.example.gov@evil.example/v/",
        "https://evil.example@envoy.example.gov/v/",
        "http://envoy.example.gov/v/",
        "https://envoy.example.gov:8443/v/",
        "https://envoy.example.gov/c/",
        "https://envoy.example.gov/x/v/",
        "//envoy.example.gov/v/",
        "envoy.example.gov/v/",
    ],
)
def test_extract_refuses_a_url_of_another_site_or_path(token: str, prefix: str) -> None:
    with pytest.raises(TokenError) as caught:
        extract(prefix + token, BASE_URL)
    assert caught.value.reason is Reason.NOT_ENVOY


@pytest.mark.parametrize(
    "scanned",
    [
        "hello",
        "WIFI:S:home;T:WPA;P:secret;;",
        "https://example.com",
        "HC1:6BFOXN%TS3DH",
        "shc:/5676290952432060346",
        "",
    ],
)
def test_extract_refuses_content_that_is_not_a_card_code(scanned: str) -> None:
    with pytest.raises(TokenError) as caught:
        extract(scanned, BASE_URL)
    assert caught.value.reason is Reason.NOT_ENVOY


@pytest.mark.parametrize(
    "suffix", ["/evil.example", "../admin", "%2F%2Fevil.example", "", "x?next=https://evil.example", "x#frag", "x/y"]
)
def test_extract_returns_nothing_that_could_become_a_redirect(suffix: str) -> None:
    with pytest.raises(TokenError) as caught:
        extract(f"{BASE_URL}/v/{suffix}", BASE_URL)
    assert caught.value.reason is Reason.MALFORMED


def test_extract_refuses_a_huge_scan(token: str) -> None:
    with pytest.raises(TokenError) as caught:
        extract(card_url(token, BASE_URL) + "A" * 266_000, BASE_URL)
    assert caught.value.reason is Reason.MALFORMED


def test_extract_refuses_a_base_url_that_is_not_absolute() -> None:
    with pytest.raises(ValueError):
        extract("anything", "envoy.example.gov")


# Properties


@given(data=st.data())
def test_changing_any_single_character_of_a_token_never_verifies(
    token: str, ring: KeyRing, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    replacement = data.draw(
        st.one_of(
            st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= \n\x00"),
            st.characters(),
        ),
        label="replacement",
    )
    if replacement == token[index]:
        return
    with pytest.raises(TokenError):
        verify(token[:index] + replacement + token[index + 1 :], ring, NOW)


@given(
    card_number=st.from_regex(IN_TOKEN, fullmatch=True),
    expires_on=st.dates(min_value=date(2026, 11, 23), max_value=date(2036, 11, 20)),
)
def test_every_card_that_issue_accepts_verifies_to_itself(ring: KeyRing, card_number: str, expires_on: date) -> None:
    verified = verify(issue(card_number, expires_on, ring, NOW), ring, NOW)
    assert (verified.card_number, verified.expires_at.date()) == (card_number, expires_on)
