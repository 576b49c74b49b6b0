"""How a route handler is declared: one decorator that says how to parse and validate the request and
how to shape the response; the capability's route table (``routing``) says where the route is and who
may call it.

Every route goes through :func:`endpoint` and :func:`bind`, so every route has an access rule,
strict request parsing, the JSON error envelope, and an entry in the OpenAPI
document (which is built from the :class:`EndpointSpec` made here).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chalice import Response
from pydantic import BaseModel, ValidationError

from chalicelib.core.auth.caller import Access, Caller
from chalicelib.core.errors import BadRequest, DomainError, NotAuthenticated, SignInRequired
from chalicelib.core.http.errors import (
    JSON,
    HttpError,
    RequestValidationError,
    error_response,
    internal_error_response,
    unavailability,
    unavailable_response,
)
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings

FORM = "application/x-www-form-urlencoded"
P = TypeVar("P")
Q = TypeVar("Q")
B = TypeVar("B")

_TOKEN_MESSAGES = {
    "expired": ("token_expired", "Your sign-in has expired; sign in again."),
    "missing": ("not_authenticated", "Sign in and send your token as 'Authorization: Bearer <token>'."),
    "id_token_required": ("id_token_required", "Send your ID token, not the access token: only the ID token "
                          "carries your verified address and organisation."),
    "email_not_verified": ("email_not_verified", "Verify your email address, then sign in again."),
}


@dataclass(frozen=True, kw_only=True)
class EndpointOptions:
    """How a handler parses its request and shapes its answer (everything but where and who)."""

    summary: str
    tag: str
    description: str = ""
    path_model: type[BaseModel] | None = None
    query_model: type[BaseModel] | None = None
    body_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    also: tuple[int, ...] = ()  # other statuses answered with ``response_model`` (e.g. health's 503)
    error_models: tuple[tuple[int, type[BaseModel]], ...] = ()  # statuses whose body is not the plain envelope
    max_body_bytes: int | None = None
    response_content_type: str = JSON
    body_content_type: str = JSON  # or FORM: an HTML form's fields, each given once, validated by ``body_model``


@dataclass(frozen=True, kw_only=True)
class EndpointSpec(EndpointOptions):
    """Everything the API description needs to know about one route: its options, where it is, who may call."""

    method: str
    path: str
    access: Access

    def error_statuses(self) -> list[int]:
        """Every error status the route can answer with (derived, so the document cannot forget one)."""
        statuses = set(self.errors) | {500, 503}  # 503: DynamoDB unreachable or throttling (Retry-After)
        if self.access.signed_in:
            statuses |= {401, 403}  # 403: no role of the service (or not one of the route's roles)
        if self.path_model or self.query_model or self.body_model:
            statuses.add(422)
        if self.query_model and "cursor" in self.query_model.model_fields:
            statuses.add(400)
        if self.body_model:
            statuses |= {400, 413, 415}
        return sorted(statuses - set(self.also))


@dataclass(frozen=True)
class ApiCall(Generic[P, Q, B]):
    """A parsed, authorised request as a handler sees it."""

    caller: Caller | None
    path: P
    query: Q
    body: B
    request_id: str
    headers: Mapping[str, str] = field(default_factory=dict)
    app: Any = None  # the Chalice app (the OpenAPI route describes it)

    @property
    def signed_in(self) -> Caller:
        """The caller of a route that requires sign-in (never ``None`` there)."""
        if self.caller is None:
            raise SignInRequired()
        return self.caller


@dataclass(frozen=True)
class Reply:
    """A handler result with a status or headers other than the route's defaults."""

    body: BaseModel | None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ApiCall[Any, Any, Any]], BaseModel | Reply | Response]


def _field_name(loc: tuple[Any, ...], default: str) -> str:
    return ".".join(str(part) for part in loc) or default


def _validate(model: type[BaseModel], data: Any, default_field: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, default_field) from None


def _validation_error(exc: ValidationError, default_field: str) -> RequestValidationError:
    # pydantic's "msg" never contains the input; its "input" key (which might be personal data) is dropped.
    details = [{"field": _field_name(tuple(e["loc"]), default_field), "code": e["type"], "message": e["msg"]}
               for e in exc.errors(include_url=False, include_input=False)]
    return RequestValidationError(details)


def _caller_from(context: Mapping[str, Any]) -> tuple[Caller | None, str]:
    """The caller the authorizer vouched for, and otherwise why not."""
    auth = context.get("authorizer") or {}
    if auth.get("status") != "valid":
        return None, str(auth.get("reason") or "missing")
    # API Gateway may serve a cached authorizer result after the token expired: re-check expiry here.
    if float(auth.get("exp") or 0) < time.time():
        return None, "expired"
    return Caller.from_context(auth), ""


def _require_caller(spec: EndpointSpec, context: Mapping[str, Any]) -> Caller | None:
    caller, reason = _caller_from(context)
    if spec.access.signed_in and caller is None:
        code, message = _TOKEN_MESSAGES.get(reason, ("invalid_token", "Your token is not valid; sign in again."))
        raise NotAuthenticated(message, code=code, field="Authorization")
    spec.access.check(caller)
    return caller


def _parse_query(spec: EndpointSpec, request: Any) -> BaseModel | None:
    params = request.query_params
    if spec.query_model is None:
        return None
    data: dict[str, str] = {}
    for name in (params or {}):
        values = params.getlist(name)
        if len(values) > 1:
            raise RequestValidationError([{"field": name, "code": "repeated_parameter",
                                           "message": "Give this parameter once."}])
        data[name] = values[0]
    return _validate(spec.query_model, data, "query")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise BadRequest("A key appears twice in the same JSON object.", code="duplicate_key",
                         field=duplicate if len(duplicate) <= 64 else "body")
    return dict(pairs)


def _refuse_duplicate_keys(raw: bytes) -> None:
    """JSON parsers keep the last of two equal keys without a word; two readers could then disagree."""
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates)
    except ValueError:
        return  # not JSON at all: the model's parser gives the precise error


def _parse_body(spec: EndpointSpec, request: Any) -> BaseModel | None:
    if spec.body_model is None:
        return None
    raw: bytes = request.raw_body or b""
    limit = spec.max_body_bytes or get_settings().max_body_bytes
    if len(raw) > limit:
        raise HttpError(413, "body_too_large", f"The request body is larger than {limit} bytes.", "body")
    content_type = (request.headers.get("content-type") or "").lower()
    media_type, _, params = content_type.partition(";")
    charset = params.strip().removeprefix("charset=").strip('"') if "charset=" in params else "utf-8"
    if spec.body_content_type == FORM:
        return _parse_form(spec.body_model, media_type.strip(), charset, raw)
    if media_type.strip() != JSON or charset not in ("utf-8", "utf8"):
        raise HttpError(415, "unsupported_media_type", "Send the body as 'Content-Type: application/json' "
                        "(UTF-8).", "Content-Type")
    _refuse_duplicate_keys(raw)
    try:
        # Strict: no coercion of "1" or true to a number, of "yes" to a boolean; RFC 3339 date-times only.
        return spec.body_model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise BadRequest("The request body is not valid JSON.", code="malformed_json", field="body") from None
        raise _validation_error(exc, "body") from None


def _parse_form(model: type[BaseModel], media_type: str, charset: str, raw: bytes) -> BaseModel:
    from urllib.parse import parse_qs

    if media_type != FORM or charset not in ("utf-8", "utf8"):
        raise HttpError(415, "unsupported_media_type", f"Send the form as 'Content-Type: {FORM}' (UTF-8).",
                        "Content-Type")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("The form is not valid UTF-8.", field="body") from None
    data: dict[str, str] = {}
    for name, values in fields.items():
        if len(values) > 1:
            raise RequestValidationError([{"field": name, "code": "repeated_parameter",
                                           "message": "Give this field once."}])
        data[name] = values[0]
    return _validate(model, data, "body")


def _shape(spec: EndpointSpec, result: BaseModel | Reply | Response) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(body=result)
    status = reply.status or spec.status
    if reply.body is None:
        return Response(body="", status_code=status, headers=dict(reply.headers))
    headers: dict[str, str | list[str]] = {"Content-Type": spec.response_content_type, **reply.headers}
    return Response(body=reply.body.model_dump(mode="json"), status_code=status, headers=headers)


def endpoint(*, summary: str, tag: str, description: str = "", path_model: type[BaseModel] | None = None,
             query_model: type[BaseModel] | None = None, body_model: type[BaseModel] | None = None,
             response_model: type[BaseModel] | None = None, status: int = 200, errors: tuple[int, ...] = (),
             also: tuple[int, ...] = (), error_models: tuple[tuple[int, type[BaseModel]], ...] = (),
             max_body_bytes: int | None = None, response_content_type: str = JSON,
             body_content_type: str = JSON) -> Callable[[Handler], Handler]:
    """Declare ``handler`` as a route handler; its capability's route table says where it is and who may
    call it (``chalicelib.core.http.routing``)."""
    options = EndpointOptions(summary=summary, tag=tag, description=description, path_model=path_model,
                              query_model=query_model, body_model=body_model, response_model=response_model,
                              status=status, errors=errors, also=also, error_models=error_models,
                              max_body_bytes=max_body_bytes, response_content_type=response_content_type,
                              body_content_type=body_content_type)

    def decorate(handler: Handler) -> Handler:
        handler.endpoint_options = options  # type: ignore[attr-defined]  # read by bind()
        return handler

    return decorate


def bind(handler: Handler, route: Any, request: Callable[[], Any],
         app: Callable[[], Any]) -> tuple[EndpointSpec, Callable[..., Response]]:
    """The spec of ``route`` and the Chalice view that runs ``handler`` for it (see the module docstring)."""
    options: EndpointOptions | None = getattr(handler, "endpoint_options", None)
    if options is None:
        raise LookupError(f"{route.handler} is not declared with endpoint()")
    spec = EndpointSpec(method=route.method, path=route.path, access=route.access, **options.__dict__)

    def view(**path_params: str) -> Response:
        current = request()
        try:
            caller = _require_caller(spec, current.context)
            call: ApiCall[Any, Any, Any] = ApiCall(
                caller=caller,
                path=_validate(spec.path_model, path_params, "path") if spec.path_model else None,
                query=_parse_query(spec, current),
                body=_parse_body(spec, current),
                request_id=str(current.context.get("requestId", "")),
                headers=current.headers,
                app=app(),
            )
            return _shape(spec, handler(call))
        except DomainError as exc:
            return error_response(exc)
        except Exception as exc:
            reason = unavailability(exc)
            if reason is not None:  # DynamoDB unreachable or throttling: say so, and when to try again
                logger.warning("dependency unavailable", extra={"route": spec.path, "method": spec.method,
                                                                 "error_type": reason})
                return unavailable_response()
            # A bug or an outage: log the trace, tell the client only a correlation id.
            logger.exception("unhandled error", extra={"route": spec.path, "method": spec.method})
            return internal_error_response(str(current.context.get("requestId", "")))

    return spec, view
