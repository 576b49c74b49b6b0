"""Signed, encrypted link tokens (chalicelib.core.links)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from chalicelib.core.http.errors import status_for
from chalicelib.core.links import InvalidLink, make_token, read_token
from chalicelib.core.settings import get_settings, reset_settings

NOW = 1_767_623_400.0  # 2026-01-05T14:30:00Z
ADDRESS = "sian.jones@cardiff.gov.uk"
DATA = {"a": ADDRESS, "l": "practice-notes", "m": "msg-0001"}
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


def assert_invalid(token: str, purpose: str = "unsubscribe", **kwargs: object) -> InvalidLink:
    with pytest.raises(InvalidLink) as info:
        read_token(token, purpose, **kwargs)  # type: ignore[arg-type]
    error = info.value
    assert error.code == "invalid_link"
    assert error.field == "token"
    assert status_for(error) == 400
    return error


def flip(token: str, index: int) -> str:
    """Replace one character with a different character of the URL-safe base64 alphabet."""
    current = token[index]
    replacement = B64_ALPHABET[(B64_ALPHABET.index(current) + 17) % len(B64_ALPHABET)]
    return token[:index] + replacement + token[index + 1:]


# --- round trip ---------------------------------------------------------------------------------------------------

def test_round_trip() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)

    assert read_token(token, "unsubscribe") == DATA
    assert read_token(token, "unsubscribe", max_age_seconds=3600, now=NOW + 10) == DATA


def test_token_is_url_safe_and_unpadded() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)

    assert set(token) <= set(B64_ALPHABET)
    assert not token.endswith("=")


def test_unicode_data_round_trips() -> None:
    data = {"name": "Siân Ŵyn", "n": 3, "nested": {"ok": True}}

    assert read_token(make_token("feedback", data, now=NOW), "feedback") == data


def test_tokens_differ_each_time() -> None:
    # Fernet uses a random IV: the same data gives different tokens, so tokens cannot be compared to guess content
    assert make_token("unsubscribe", DATA, now=NOW) != make_token("unsubscribe", DATA, now=NOW)


# --- refusals -----------------------------------------------------------------------------------------------------

def test_wrong_purpose_is_invalid_link() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)

    error = assert_invalid(token, "decline")
    assert ADDRESS not in error.message


@pytest.mark.parametrize("position", [0, 5, 20, 40, 60, 80, -30, -10, -2])
def test_tampered_token_is_invalid_link(position: int) -> None:
    token = make_token("unsubscribe", DATA, now=NOW)
    index = position % len(token)
    tampered = flip(token, index)
    assert tampered != token

    assert_invalid(tampered)


def test_truncated_and_extended_tokens_are_invalid() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)

    assert_invalid(token[:-4])
    assert_invalid(token + "AAAA")
    assert_invalid("not a token at all")


def test_token_made_with_another_key_is_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINK_SIGNING_KEY", "another-key-of-at-least-32-characters-xyz")
    reset_settings()
    foreign = make_token("unsubscribe", DATA, now=NOW)
    monkeypatch.undo()
    reset_settings()

    assert_invalid(foreign)


@pytest.mark.parametrize("token", ["", "A" * 2049])
def test_empty_or_oversized_token_is_invalid_link(token: str) -> None:
    assert_invalid(token)


def test_a_token_of_exactly_the_limit_is_read_not_rejected_for_size() -> None:
    # 2048 characters pass the size check and then fail as an invalid token (still InvalidLink, not a crash)
    assert_invalid("A" * 2048)


# --- expiry -------------------------------------------------------------------------------------------------------

def test_max_age_expiry_uses_now() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)

    assert read_token(token, "unsubscribe", max_age_seconds=600, now=NOW) == DATA
    assert read_token(token, "unsubscribe", max_age_seconds=600, now=NOW + 600) == DATA
    assert_invalid(token, max_age_seconds=600, now=NOW + 601)
    assert_invalid(token, max_age_seconds=600, now=NOW + 86_400)


def test_without_max_age_an_old_token_is_still_read() -> None:
    token = make_token("unsubscribe", DATA, now=NOW - 10 * 365 * 86_400)

    assert read_token(token, "unsubscribe") == DATA


def test_token_from_the_future_is_refused_when_max_age_is_checked() -> None:
    token = make_token("unsubscribe", DATA, now=NOW + 3600)

    assert_invalid(token, max_age_seconds=600, now=NOW)


# --- privacy ------------------------------------------------------------------------------------------------------

def test_token_does_not_reveal_the_address() -> None:
    token = make_token("unsubscribe", DATA, now=NOW)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    assert ADDRESS not in token
    assert ADDRESS.lower() not in token.lower()
    assert ADDRESS.encode() not in raw
    for shift in range(3):  # base64 of the address at each alignment, standard and URL-safe
        prefix = b"x" * shift
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(prefix + ADDRESS.encode()).decode().rstrip("=")
            core = encoded[4:-4]  # drop the characters that depend on the neighbours
            assert core not in token
    assert "cardiff" not in token.lower()


# --- key configuration --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_short_signing_key_is_a_runtime_error(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    good = make_token("unsubscribe", DATA, now=NOW)
    monkeypatch.setenv("LINK_SIGNING_KEY", key)
    reset_settings()
    try:
        with pytest.raises(RuntimeError, match="link signing keys"):
            make_token("unsubscribe", DATA, now=NOW)
        with pytest.raises(RuntimeError, match="link signing keys"):
            read_token(good, "unsubscribe")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert len(get_settings().link_signing_key) >= 32
    assert read_token(good, "unsubscribe") == DATA


def test_key_of_exactly_32_characters_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINK_SIGNING_KEY", "k" * 32)
    reset_settings()
    try:
        assert read_token(make_token("unsubscribe", DATA, now=NOW), "unsubscribe") == DATA
    finally:
        monkeypatch.undo()
        reset_settings()


# --- one key per purpose, rotation (issue 9, section 3) -----------------------------------------------------------

def test_each_purpose_has_its_own_derived_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet, InvalidToken

    token = make_token("unsubscribe", DATA, now=NOW)
    secret = get_settings().link_signing_key
    import hashlib

    plain_sha = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))
    with pytest.raises(InvalidToken):  # the key is not the bare secret's hash: it is derived (HKDF) per purpose
        plain_sha.decrypt((token + "=" * (-len(token) % 4)).encode())
    other = make_token("workshop-decline", DATA, now=NOW)
    assert_invalid(other, "unsubscribe")  # another purpose's key cannot even decrypt it


def test_keys_rotate_newest_first_and_old_tokens_still_open(monkeypatch: pytest.MonkeyPatch) -> None:
    old_key, new_key = "o" * 40, "n" * 40
    monkeypatch.setenv("LINK_SIGNING_KEY", old_key)
    reset_settings()
    before = make_token("unsubscribe", DATA, now=NOW)

    monkeypatch.setenv("LINK_SIGNING_KEYS", f"{new_key}, {old_key}")
    reset_settings()
    after = make_token("unsubscribe", DATA, now=NOW)
    assert read_token(before, "unsubscribe") == DATA  # made with the old key: still accepted
    assert read_token(after, "unsubscribe") == DATA

    monkeypatch.setenv("LINK_SIGNING_KEYS", new_key)  # the old key retired
    reset_settings()
    assert read_token(after, "unsubscribe") == DATA  # the newest key made it
    assert_invalid(before, "unsubscribe")


def test_a_short_key_in_the_list_is_refused_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINK_SIGNING_KEYS", "n" * 40 + ",short")
    reset_settings()
    assert any("LINK_SIGNING_KEYS" in p for p in get_settings().problems())
