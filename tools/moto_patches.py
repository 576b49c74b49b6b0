"""A faster ``TransactWriteItems`` for moto, with DynamoDB's semantics (local runs and tests only).

moto 5.2 deep-copies every table a transaction touches (once per item) so it can roll back, which makes
each transaction cost time proportional to the size of the tables: registering the 300th person for a
workshop copied every registration and every queued email several times. DynamoDB evaluates all of a
transaction's conditions against the state before the transaction, and an item may appear only once in
it, so checking every condition first and then applying the writes is equivalent; only the items being
written are snapshotted, to undo a write that fails half way. Errors are the same as moto's:
``TransactionCanceledException`` with one reason per item (``ConditionalCheckFailed`` or ``None``),
``MultipleTransactionsException`` for an item named twice, ``TooManyTransactionsException`` over 100.

Installed by ``tools.embedded_aws`` (``make run``, e2e and concurrency tests) and the integration tests'
in-process moto. ``tests/integration/emulator/test_moto_transactions.py`` checks it against those semantics.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend


def _key_of(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """Check every condition against the current state, then apply every write (or none)."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        key = _key_of(self, op_type, op)
        identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")).expr(current):
            old = current.to_json()["Attributes"] if (
                op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current) else None
            errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
        else:
            errors.append((None, None, None))
        planned.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    snapshot = [(op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key)))
                for op_type, op, key in planned if op_type != "ConditionCheck"]
    try:
        for op_type, op, key in planned:
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key, expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Update":
                # update_item wants both maps, empty when absent (as moto's UpdateItem handler passes them)
                self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names or {}, expression_attribute_values=values or {})
    except Exception as exc:
        for table_name, key, before in snapshot:
            _restore(self, table_name, key, before)
        if isinstance(exc, MockValidationException):
            raise
        raise TransactionCanceledException([(type(exc).__name__, str(exc), None)]) from None


def _restore(backend: DynamoDBBackend, table_name: str, key: dict[str, Any], before: Any) -> None:
    """Put an item back as it was before the transaction (or remove it if it did not exist)."""
    if before is None:
        if backend.get_item(table_name, key) is not None:
            backend.delete_item(table_name, key)
    else:
        backend.get_table(table_name).put_item(before.to_json()["Attributes"])


def install() -> None:
    """Replace moto's implementations: DynamoDB transactions, and Cognito's attribute rules (idempotent)."""
    install_cognito()
    if getattr(DynamoDBBackend.transact_write_items, "_fast", False):
        return
    transact_write_items._fast = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


# --- Cognito: the rules of self-service attribute updates and the ID token's email_verified ---------------------
#
# moto 5.2 lets a user's own access token write any attribute whatever the app client's WriteAttributes, applies
# a changed email at once (keeping email_verified as it was), ignores the pool's
# AttributesRequireVerificationBeforeUpdate, and leaves email_verified out of ID tokens. Cognito does none of
# these. The patch makes the emulator follow Cognito for exactly these rules; the service's checks are never
# relaxed to suit the emulator. Checked by tests/integration/emulator/test_moto_cognito.py.

_VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}
PENDING_UPDATES: dict[tuple[str, str, str], str] = {}  # (pool, username, attribute) -> value awaiting verification


def update_user_attributes(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
    """``UpdateUserAttributes`` with a user's own access token, as Cognito applies it."""
    from moto.cognitoidp.exceptions import NotAuthorizedError

    for user_pool in self.user_pools.values():
        if access_token not in user_pool.access_tokens:
            continue
        client_id, username = user_pool.access_tokens[access_token]
        client = user_pool.clients.get(client_id)
        writable = client.extended_config.get("WriteAttributes") if client is not None else None
        for attribute in attributes:
            name = attribute["Name"]
            if name in _VERIFIED_FLAGS.values() or (writable is not None and name not in writable):
                raise NotAuthorizedError("A client attempted to write unauthorized attribute")
        require = (user_pool.extended_config.get("UserAttributeUpdateSettings") or {}).get(
            "AttributesRequireVerificationBeforeUpdate", [])
        user = self.admin_get_user(user_pool.id, username)
        applied: list[dict[str, str]] = []
        for attribute in attributes:
            name, value = attribute["Name"], attribute["Value"]
            if name in _VERIFIED_FLAGS and value != user.attribute_lookup.get(name):
                if name in require:  # held until the user confirms the code Cognito sends (none is, here)
                    PENDING_UPDATES[(user_pool.id, username, name)] = value
                    continue
                applied.append({"Name": _VERIFIED_FLAGS[name], "Value": "false"})  # a new address is unverified
            applied.append(attribute)
        self._verify_email_is_not_used(user_pool.id, self._find_attr("email", applied))
        user.update_attributes(applied)
        return
    raise NotAuthorizedError(access_token)


def _readable_claims(original: Any) -> Any:
    def get_user_extra_data_by_client_id(self: Any, client_id: str, username: str) -> dict[str, Any]:
        """Readable attributes as Cognito puts them in an ID token: ``email_verified`` is a boolean, and is there
        whenever the email is."""
        data: dict[str, Any] = original(self, client_id, username)
        user = self._get_user(username)
        if "email" in user.attribute_lookup:
            data["email_verified"] = user.attribute_lookup.get("email_verified") == "true"
        return data

    return get_user_extra_data_by_client_id


def install_cognito() -> None:
    """Make moto's Cognito follow the rules above (idempotent)."""
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    if getattr(CognitoIdpBackend.update_user_attributes, "_cognito_rules", False):
        return
    update_user_attributes._cognito_rules = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_attributes = update_user_attributes  # type: ignore[method-assign]
    CognitoIdpUserPool.get_user_extra_data_by_client_id = _readable_claims(  # type: ignore[method-assign]
        CognitoIdpUserPool.get_user_extra_data_by_client_id)
