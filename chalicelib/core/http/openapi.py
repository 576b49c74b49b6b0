"""The OpenAPI 3.1 document, generated from the Chalice routes and their pydantic models.

Each route registered from a route table has an ``EndpointSpec``; this
module walks ``app.routes`` and describes every one, including its access
rule, parameters, request and response schemas and every error status. A
route without a spec makes :func:`build` fail, so nothing can be left out.
Built once per process, on the first request for it (not at cold start); it
imports every capability's handler modules, which is why nothing else does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice import Chalice, Response
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from chalicelib.core.http.endpoint import ApiCall, EndpointSpec, endpoint
from chalicelib.core.http.errors import JSON
from chalicelib.core.http.schemas import ErrorResponse
from chalicelib.core.settings import SERVICE_NAME

API_VERSION = "0.1.0"
REF = "#/components/schemas/{model}"

_ERROR_TEXT = {
    400: "The request cannot be read: malformed JSON or an invalid cursor.",
    401: "No valid token: missing, malformed, expired, wrongly signed, or for another pool or app.",
    403: "Signed in, but without a role (or organisation) that may do this.",
    404: "Not found.",
    409: "Conflicts with the current state (duplicate, or changed by someone else).",
    413: "The request body is too large.",
    415: "The body is not `application/json` in UTF-8.",
    422: "A parameter or body field is invalid; `field` and `details` say which.",
    500: "Unexpected failure; the body holds only a correlation id.",
    503: "A dependency is unavailable.",
}

_document: dict[str, Any] | None = None


def route_specs(app: Chalice) -> list[EndpointSpec]:
    """The spec of every route of ``app``; raises if a route was registered without ``endpoint``."""
    specs = []
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            spec = getattr(entry.view_function, "spec", None)
            if spec is None:
                raise LookupError(f"route {method} {path} has no endpoint spec; declare it in a route table")
            specs.append(spec)
    return specs


def _parameters(model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _json_content(schema: dict[str, Any], content_type: str = JSON) -> dict[str, Any]:
    return {content_type: {"schema": schema}}


# The schema of each (model, mode), keyed as ``models_json_schema`` keys them (it also accepts pydantic dataclasses).
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _operation(spec: EndpointSpec, refs: Refs) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.summary.lower().replace(" ", "_").replace("'", ""),
        "summary": spec.summary,
        "description": (spec.description + "\n\n" if spec.description else "") + "**Access:** "
        + spec.access.describe(),
        "tags": [spec.tag],
        "security": [{"cognito": []}] if spec.access.signed_in else [],
        "x-access": {"sign_in": spec.access.signed_in, "roles": sorted(r.value for r in spec.access.roles)},
    }
    params = _parameters(spec.path_model, "path") + _parameters(spec.query_model, "query")
    if params:
        op["parameters"] = params
    if spec.body_model:
        op["requestBody"] = {"required": True, "content": _json_content(refs[(spec.body_model, "validation")],
                                                                        spec.body_content_type)}
    ok_schema = refs[(spec.response_model, "serialization")] if spec.response_model else {"type": "object"}
    responses: dict[str, Any] = {}
    for status in (spec.status, *spec.also):
        responses[str(status)] = {"description": "Success." if status < 400 else _ERROR_TEXT.get(status, "")}
        if status != 204:
            responses[str(status)]["content"] = _json_content(ok_schema, spec.response_content_type)
    if spec.status == 201:
        responses["201"]["headers"] = {"Location": {"schema": {"type": "string"},
                                                    "description": "URL of the new resource."}}
    error_ref = refs[(ErrorResponse, "serialization")]
    special = dict(spec.error_models)
    for status in spec.error_statuses():
        schema = refs[(special[status], "serialization")] if status in special else error_ref
        content = _json_content(schema)
        if spec.response_content_type.startswith("text/html"):  # a page for people: refusals are pages too
            content[spec.response_content_type] = {"schema": {"type": "string"}}
        responses[str(status)] = {"description": _ERROR_TEXT[status], "content": content}
    op["responses"] = responses
    return op


def build(app: Chalice) -> dict[str, Any]:
    """Generate the OpenAPI 3.1 document of ``app``."""
    specs = route_specs(app)
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorResponse, "serialization")]
    for spec in specs:
        wanted += [(m, "validation") for m in (spec.path_model, spec.query_model, spec.body_model) if m]
        if spec.response_model:
            wanted.append((spec.response_model, "serialization"))
        wanted += [(model, "serialization") for _, model in spec.error_models]
    unique = list(dict.fromkeys(wanted))
    refs, defs = models_json_schema(unique, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for spec in specs:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Partnerships API",
            "version": API_VERSION,
            "summary": "Cafcass, local authorities and ADCS working together: workshops, social work "
                       "evidence and joint practice notes.",
            "description": "Every error has the shape `{\"error\": {\"code\", \"message\", \"field\"}}`. "
                           "Signed-in routes take a Cognito ID or access token as `Authorization: Bearer`.",
        },
        "x-service": SERVICE_NAME,
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                            "description": "A Cognito user pool ID or access token."}},
        },
    }


@endpoint(tag="Service", summary="API description",
          description="This document (OpenAPI 3.1).")
def get_openapi(call: ApiCall[None, None, None]) -> Response:
    """Serve the API description."""
    global _document
    if _document is None:
        _document = build(call.app)
    return Response(body=_document, status_code=200, headers={"Content-Type": JSON})
