"""Opaque pagination cursors.

A cursor wraps DynamoDB's ``LastEvaluatedKey`` together with a fingerprint of
the query it came from, base64url-encoded. Decoding checks the shape strictly
(only string key attributes with the expected names, and values inside the
query's key condition) and refuses a cursor from a different query, so a
crafted or reused cursor gets a 400, never a failed DynamoDB request.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.core.errors import BadRequest

_MAX_CURSOR_CHARS = 1024


def _invalid() -> BadRequest:
    return BadRequest("The cursor is not valid for this query; start again without it.",
                      code="invalid_cursor", field="cursor")


def encode(last_key: dict[str, Any] | None, scope: str) -> str | None:
    """Turn a ``LastEvaluatedKey`` into a cursor, or ``None`` at the end of the results."""
    if not last_key:
        return None
    flat = {name: value["S"] for name, value in last_key.items()}
    raw = json.dumps({"q": scope, "k": flat}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, scope: str, key_names: Iterable[str], fixed: Mapping[str, str] | None = None,
           prefixes: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Turn a cursor back into an ``ExclusiveStartKey``; raise ``BadRequest`` if it is not one of ours.

    ``fixed`` names key attributes whose value the query pins (its partition key), and
    ``prefixes`` those the query restricts with ``begins_with``: a start key outside the
    query would make DynamoDB refuse the request, so it is refused here first.
    """
    if cursor is None:
        return None
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid() from None
    if not isinstance(data, dict) or data.get("q") != scope or not isinstance(data.get("k"), dict):
        raise _invalid()
    key = data["k"]
    if set(key) != set(key_names) or not all(isinstance(v, str) and 0 < len(v) <= 512 for v in key.values()):
        raise _invalid()
    if any(key[name] != value for name, value in (fixed or {}).items()):
        raise _invalid()
    if any(not key[name].startswith(prefix) for name, prefix in (prefixes or {}).items()):
        raise _invalid()
    return {name: {"S": value} for name, value in key.items()}
