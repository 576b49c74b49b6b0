"""The API description covers every route, with its access rule, schemas and errors."""

from __future__ import annotations

import pytest
from chalice import Chalice

from chalicelib.core.http import openapi


@pytest.fixture(scope="module")
def doc(client):
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    return resp.json_body


def _routes():
    from app import app

    return [(path, method) for path, methods in app.routes.items() for method in methods]


def test_every_route_is_described(doc):
    described = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    assert set(_routes()) == described


def test_every_operation_states_access_and_errors(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "x-access" in op and "**Access:**" in op["description"], (path, method)
            assert "500" in op["responses"]
            if op["x-access"]["sign_in"]:
                assert op["security"] == [{"cognito": []}]
                assert "401" in op["responses"]
            else:
                assert op["security"] == []
            if op["x-access"]["roles"]:
                assert "403" in op["responses"]
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= set(op["responses"])


def test_admin_routes_name_their_roles(doc):
    assert doc["paths"]["/organisations"]["post"]["x-access"]["roles"] == ["cafcass-admin"]
    assert doc["paths"]["/organisations/{code}"]["patch"]["x-access"]["roles"] == ["cafcass-admin"]
    assert doc["paths"]["/organisations"]["get"]["x-access"] == {"sign_in": True, "roles": []}


def test_every_reference_resolves(doc):
    schemas = doc["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


def test_parameters_and_examples_are_described(doc):
    params = {p["name"]: p for p in doc["paths"]["/organisations"]["get"]["parameters"]}
    assert set(params) == {"limit", "cursor", "type", "region"}
    assert params["limit"]["schema"]["maximum"] == 100
    assert doc["paths"]["/organisations/{code}"]["get"]["parameters"][0]["required"] is True
    assert doc["components"]["schemas"]["OrganisationOut"]["examples"]


def test_a_route_declared_without_endpoint_breaks_the_build():
    bare = Chalice(app_name="bare")

    @bare.route("/undocumented")
    def undocumented():
        return {}

    with pytest.raises(LookupError, match="/undocumented"):
        openapi.build(bare)
