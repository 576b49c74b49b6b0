"""The organisation directory over HTTP (Chalice test client, DynamoDB in moto)."""

from __future__ import annotations

import json

import pytest

from chalicelib.directory.domain import name_key


def _json(body: dict) -> str:
    return json.dumps(body)


@pytest.fixture()
def admin(tokens):
    return {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}


@pytest.fixture()
def reader(tokens):
    return tokens.header("la-social-worker")


def _all_pages(client, headers, query: str, limit: int) -> tuple[list[dict], int]:
    items, pages, cursor = [], 0, None
    while True:
        url = f"/organisations?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, resp.body
        pages += 1
        items += resp.json_body["items"]
        cursor = resp.json_body["next_cursor"]
        if not cursor:
            return items, pages


def test_paging_through_the_whole_directory_returns_every_entry_once(client, reader):
    items, pages = _all_pages(client, reader, "", 50)
    codes = [i["code"] for i in items]
    assert len(codes) == len(set(codes))
    assert {"CAFCASS", "CAFCASS-CYMRU", "ADCS", "E09000033", "W06000015"} <= set(codes)
    assert len([i for i in items if i["type"] == "local_authority" and i["nation"] == "england"]) >= 153
    assert pages >= 4
    # Grouped by type, then in name order within the type.
    keys = [(i["type"], name_key(i["name"])) for i in items]
    assert keys == sorted(keys)


def test_filter_by_type(client, reader):
    items, _ = _all_pages(client, reader, "&type=cafcass", 10)
    assert sorted(i["code"] for i in items) == ["CAFCASS", "CAFCASS-CYMRU"]


def test_filter_by_region_and_type(client, reader):
    items, _ = _all_pages(client, reader, "&region=wales&type=local_authority", 7)
    assert len(items) >= 22
    assert all(i["region"] == "wales" and i["reviewing_org"] == "CAFCASS-CYMRU" for i in items)
    london, _ = _all_pages(client, reader, "&region=london", 100)
    assert len([i for i in london if i["type"] == "local_authority"]) >= 33
    assert all(i["reviewing_org"] == "CAFCASS" for i in london)


def test_a_cursor_cannot_be_used_with_other_filters(client, reader):
    first = client.get("/organisations?limit=2&region=london", headers=reader).json_body
    resp = client.get(f"/organisations?limit=2&region=wales&cursor={first['next_cursor']}", headers=reader)
    assert resp.status_code == 400
    assert resp.json_body["error"]["code"] == "invalid_cursor"
    assert resp.json_body["error"]["field"] == "cursor"


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("type=council", "type"),
    ("region=mars", "region"), ("colour=blue", "colour"), ("limit=5&limit=6", "limit"), ("cursor=%21%21", "cursor"),
])
def test_bad_query_parameters_are_422_naming_the_field(client, reader, query, field):
    resp = client.get(f"/organisations?{query}", headers=reader)
    assert resp.status_code == 422
    assert resp.json_body["error"]["code"] == "validation_error"
    assert resp.json_body["error"]["field"] == field


def test_get_one(client, reader):
    resp = client.get("/organisations/W06000015", headers=reader)
    assert resp.status_code == 200
    body = resp.json_body
    assert body["name"] == "Cardiff" and body["nation"] == "wales" and body["reviewing_org"] == "CAFCASS-CYMRU"


def test_unknown_code_is_404(client, reader):
    resp = client.get("/organisations/E09999999", headers=reader)
    assert resp.status_code == 404
    assert resp.json_body["error"] == {"code": "organisation_not_found", "message": resp.json_body["error"]["message"],
                                       "field": "code"}


def test_badly_formed_code_is_422(client, reader):
    resp = client.get("/organisations/lower-case", headers=reader)
    assert resp.status_code == 422
    assert resp.json_body["error"]["field"] == "code"


NEW = {"code": "E06000901", "name": "Test Unitary", "type": "local_authority", "region": "south-west",
       "nation": "england", "cafcass_service_area": "ons-region-south-west"}


def test_admin_creates_then_duplicate_is_409(client, admin, reader):
    resp = client.post("/organisations", headers=admin, body=_json(NEW))
    assert resp.status_code == 201, resp.body
    assert resp.headers["Location"] == "/organisations/E06000901"
    assert resp.json_body["reviewing_org"] == "CAFCASS"  # derived from the nation
    assert resp.json_body["version"] == 1
    assert client.get("/organisations/E06000901", headers=reader).json_body["name"] == "Test Unitary"
    resent = client.post("/organisations", headers=admin, body=_json(NEW))  # the same entry, resent
    assert resent.status_code == 201 and resent.json_body["version"] == 1  # the same answer, nothing written
    again = client.post("/organisations", headers=admin, body=_json({**NEW, "name": "Other"}))
    assert again.status_code == 409
    assert again.json_body["error"]["code"] == "organisation_exists"
    assert client.get("/organisations/E06000901", headers=reader).json_body["name"] == "Test Unitary"


@pytest.mark.parametrize("body, status, code, field", [
    ({**NEW, "code": "E06000902", "name": ""}, 422, "validation_error", "name"),
    ({**NEW, "code": "E06000902", "name": "x" * 201}, 422, "validation_error", "name"),
    ({**NEW, "code": "E06000902", "extra": 1}, 422, "validation_error", "extra"),
    ({**NEW, "code": "E06000902", "nation": "wales"}, 422, "invalid_region", "region"),
    ({**NEW, "code": "X-1"}, 422, "invalid_code", "code"),
    ({**NEW, "code": "E06000902", "reviewing_org": "CAFCASS-CYMRU"}, 422, "invalid_reviewing_org", "reviewing_org"),
    ({k: v for k, v in NEW.items() if k != "name"} | {"code": "E06000902"}, 422, "validation_error", "name"),
])
def test_invalid_creates_are_refused_and_change_nothing(client, admin, reader, body, status, code, field):
    resp = client.post("/organisations", headers=admin, body=_json(body))
    assert resp.status_code == status, resp.body
    assert resp.json_body["error"]["code"] == code
    assert resp.json_body["error"]["field"] == field
    assert client.get(f"/organisations/{body['code']}", headers=reader).status_code in (404, 422)


def test_malformed_json_is_400(client, admin):
    resp = client.post("/organisations", headers=admin, body='{"code": ')
    assert resp.status_code == 400
    assert resp.json_body["error"] == {"code": "malformed_json", "message": "The request body is not valid JSON.",
                                       "field": "body"}


def test_a_json_array_is_422(client, admin):
    resp = client.post("/organisations", headers=admin, body="[1, 2]")
    assert resp.status_code == 422
    assert resp.json_body["error"]["field"] == "body"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/json; charset=latin-1", ""])
def test_wrong_content_type_is_415(client, tokens, content_type):
    headers = {**tokens.header("cafcass-admin"), "Content-Type": content_type}
    resp = client.post("/organisations", headers=headers, body=_json({**NEW, "code": "E06000903"}))
    assert resp.status_code == 415
    assert resp.json_body["error"]["code"] == "unsupported_media_type"


def test_body_too_large_is_413(client, admin):
    resp = client.post("/organisations", headers=admin, body=_json({**NEW, "name": "x" * 70_000}))
    assert resp.status_code == 413
    assert resp.json_body["error"]["code"] == "body_too_large"


def test_unsupported_method_is_405_with_the_envelope(client, admin):
    resp = client.delete("/organisations/E09000033", headers=admin)
    assert resp.status_code == 405
    assert resp.json_body["error"]["code"] == "method_not_allowed"


def test_admin_edits_and_the_version_increases(client, admin, reader):
    client.post("/organisations", headers=admin, body=_json({**NEW, "code": "E06000904"}))
    resp = client.patch("/organisations/E06000904", headers=admin,
                        body=_json({"name": "Renamed Unitary", "cafcass_service_area": None}))
    assert resp.status_code == 200, resp.body
    assert resp.json_body["name"] == "Renamed Unitary"
    assert resp.json_body["cafcass_service_area"] is None
    assert resp.json_body["version"] == 2
    # The listing follows the new name.
    items = client.get("/organisations?region=south-west&limit=100", headers=reader).json_body["items"]
    assert [i["name"] for i in items if i["code"] == "E06000904"] == ["Renamed Unitary"]
    names = [name_key(i["name"]) for i in items]
    assert names == sorted(names)


@pytest.mark.parametrize("body, code, field", [
    ({"name": None}, "not_clearable", "name"),
    ({"nation": "wales"}, "invalid_region", "region"),
    ({"region": "national"}, "invalid_region", "region"),
    ({"colour": "blue"}, "validation_error", "colour"),
])
def test_invalid_edits_are_refused_and_change_nothing(client, admin, reader, body, code, field):
    before = client.get("/organisations/E09000033", headers=reader).json_body
    resp = client.patch("/organisations/E09000033", headers=admin, body=_json(body))
    assert resp.status_code == 422, resp.body
    assert resp.json_body["error"]["code"] == code
    assert resp.json_body["error"]["field"] == field
    assert client.get("/organisations/E09000033", headers=reader).json_body == before


def test_editing_an_unknown_organisation_is_404(client, admin):
    resp = client.patch("/organisations/E06000999", headers=admin, body=_json({"active": False}))
    assert resp.status_code == 404


def test_an_empty_edit_changes_nothing(client, admin, reader):
    before = client.get("/organisations/E09000001", headers=reader).json_body
    resp = client.patch("/organisations/E09000001", headers=admin, body="{}")
    assert resp.status_code == 200
    assert resp.json_body == before


@pytest.mark.parametrize("key", [
    {"code": "W06000015", "region": "wales", "sort_key": "local_authority#cardiff#W06000015"},  # other partition
    {"code": "ADCS", "region": "london", "sort_key": "adcs#adcs#ADCS"},  # outside the type prefix
])
def test_a_crafted_cursor_outside_the_query_is_400_not_500(client, reader, key):
    import base64

    scope = "region_index|london|local_authority#"
    raw = json.dumps({"q": scope, "k": key}, separators=(",", ":"), sort_keys=True).encode()
    crafted = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    resp = client.get(f"/organisations?region=london&type=local_authority&cursor={crafted}", headers=reader)
    assert resp.status_code == 400
    assert resp.json_body["error"]["code"] == "invalid_cursor"


def test_unknown_paths_are_404_with_the_envelope(client, reader):
    resp = client.get("/no-such-route", headers=reader)
    assert resp.status_code == 404
    assert resp.json_body["error"]["code"] == "route_not_found"
    assert client.get("/no-such-route").status_code == 404


def test_a_missing_token_gets_the_envelope(client):
    resp = client.get("/organisations")
    assert resp.status_code == 401
    assert resp.json_body["error"]["code"] == "not_authenticated"
    assert resp.json_body["error"]["field"] == "Authorization"
