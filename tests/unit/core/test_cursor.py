"""Opaque pagination cursors (chalicelib.core.dynamo.cursor)."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.core.dynamo import cursor
from chalicelib.core.errors import BadRequest

SCOPE = "listing_index|organisation|local_authority#"
KEY_NAMES = ("code", "listing", "sort_key")
LAST_KEY = {"code": {"S": "E09000033"}, "listing": {"S": "organisation"},
            "sort_key": {"S": "local_authority#westminster#E09000033"}}


def craft(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def assert_invalid(value: str, scope: str = SCOPE, key_names: tuple[str, ...] = KEY_NAMES) -> None:
    with pytest.raises(BadRequest) as info:
        cursor.decode(value, scope, key_names)
    assert (info.value.code, info.value.field) == ("invalid_cursor", "cursor")


def test_round_trip_gives_back_the_last_evaluated_key() -> None:
    encoded = cursor.encode(LAST_KEY, SCOPE)
    assert encoded is not None
    assert cursor.decode(encoded, SCOPE, KEY_NAMES) == LAST_KEY


def test_round_trip_of_non_ascii_values() -> None:
    key = {"code": {"S": "W06000001"}, "listing": {"S": "organisation"}, "sort_key": {"S": "la#ynys-môn#W06000001"}}
    assert cursor.decode(cursor.encode(key, SCOPE), SCOPE, KEY_NAMES) == key


def test_encoded_cursor_is_url_safe_without_padding() -> None:
    encoded = cursor.encode(LAST_KEY, SCOPE)
    assert encoded is not None
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded


def test_key_names_may_be_given_in_any_order_or_as_a_set() -> None:
    encoded = cursor.encode(LAST_KEY, SCOPE)
    assert cursor.decode(encoded, SCOPE, reversed(KEY_NAMES)) == LAST_KEY
    assert cursor.decode(encoded, SCOPE, set(KEY_NAMES)) == LAST_KEY


@pytest.mark.parametrize("last_key", [None, {}])
def test_no_last_key_means_no_cursor(last_key: dict | None) -> None:
    assert cursor.encode(last_key, SCOPE) is None


def test_no_cursor_means_no_start_key() -> None:
    assert cursor.decode(None, SCOPE, KEY_NAMES) is None


def test_cursor_from_another_query_is_refused() -> None:
    encoded = cursor.encode(LAST_KEY, SCOPE)
    assert_invalid(encoded, scope="region_index|london|")


@pytest.mark.parametrize("value", [
    "",
    "!!!!",
    "not base64 at all",
    "é",
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),      # not UTF-8
    base64.urlsafe_b64encode(b"{not json").decode(),
])
def test_unreadable_cursor_is_refused(value: str) -> None:
    assert_invalid(value)


def test_tampered_cursor_is_refused() -> None:
    encoded = cursor.encode(LAST_KEY, SCOPE)
    assert_invalid(encoded[:-3])                # cut short
    assert_invalid("A" + encoded)               # shifted


@pytest.mark.parametrize("data", [
    ["a", "list"],
    "a string",
    None,
    {"k": {"code": "E09000033", "listing": "organisation", "sort_key": "x"}},                 # no scope
    {"q": SCOPE},                                                                            # no key
    {"q": SCOPE, "k": [["code", "E09000033"]]},                                              # key not an object
    {"q": SCOPE, "k": {"code": "E09000033", "listing": "organisation"}},                     # a key name missing
    {"q": SCOPE, "k": {"code": "E09000033", "listing": "organisation", "sort_key": "x",
                       "admin": "true"}},                                                    # an extra key name
    {"q": SCOPE, "k": {"code": "E09000033", "listing": "organisation", "sort_key": 7}},      # a number
    {"q": SCOPE, "k": {"code": "E09000033", "listing": "organisation", "sort_key": None}},   # null
    {"q": SCOPE, "k": {"code": {"S": "E09000033"}, "listing": "organisation", "sort_key": "x"}},  # raw attribute
    {"q": SCOPE, "k": {"code": "", "listing": "organisation", "sort_key": "x"}},             # empty string
    {"q": SCOPE, "k": {"code": "E" * 513, "listing": "organisation", "sort_key": "x"}},      # value too long
])
def test_crafted_cursor_with_the_wrong_shape_is_refused(data: object) -> None:
    assert_invalid(craft(data))


def test_crafted_cursor_with_the_right_shape_is_accepted() -> None:
    # The shape check is what guards the start key; a well-formed one decodes.
    data = {"q": SCOPE, "k": {"code": "E" * 512, "listing": "organisation", "sort_key": "x"}}
    assert cursor.decode(craft(data), SCOPE, KEY_NAMES) == {
        "code": {"S": "E" * 512}, "listing": {"S": "organisation"}, "sort_key": {"S": "x"}}


def test_cursor_longer_than_1024_characters_is_refused() -> None:
    data = {"q": SCOPE, "k": {"code": "E" * 400, "listing": "L" * 400, "sort_key": "S" * 400}}
    value = craft(data)
    assert len(value) > 1024
    assert_invalid(value)


def test_a_start_key_outside_the_partition_is_refused() -> None:
    data = {"q": SCOPE, "k": {"code": "E09000033", "region": "wales", "sort_key": "local_authority#x#E09000033"}}
    with pytest.raises(BadRequest) as err:
        cursor.decode(craft(data), SCOPE, ("code", "region", "sort_key"), fixed={"region": "london"})
    assert err.value.code == "invalid_cursor"


def test_a_start_key_outside_the_prefix_is_refused() -> None:
    data = {"q": SCOPE, "k": {"code": "ADCS", "region": "national", "sort_key": "adcs#adcs#ADCS"}}
    with pytest.raises(BadRequest):
        cursor.decode(craft(data), SCOPE, ("code", "region", "sort_key"), fixed={"region": "national"},
                      prefixes={"sort_key": "cafcass#"})
    ok = cursor.decode(craft(data), SCOPE, ("code", "region", "sort_key"), fixed={"region": "national"},
                       prefixes={"sort_key": "adcs#"})
    assert ok == {"code": {"S": "ADCS"}, "region": {"S": "national"}, "sort_key": {"S": "adcs#adcs#ADCS"}}
