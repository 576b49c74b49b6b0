"""The faster moto TransactWriteItems (tools.moto_patches) keeps DynamoDB's semantics."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from moto.dynamodb.models import DynamoDBBackend
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.dynamo.model import connection
from chalicelib.workshops.store.registrations import OrgCountRecord
from tools.moto_patches import transact_write_items

NOW = datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_the_patch_is_installed(aws):
    assert DynamoDBBackend.transact_write_items is transact_write_items


def _count(sk: str) -> int | None:
    try:
        return int(OrgCountRecord.get("moto-test", sk, consistent_read=True).confirmed)
    except OrgCountRecord.DoesNotExist:
        return None


def test_all_writes_apply_when_every_condition_holds(aws):
    with TransactWrite(connection=connection()) as t:
        t.save(OrgCountRecord(workshop_id="moto-test", sk="a", confirmed=1))
        t.save(OrgCountRecord(workshop_id="moto-test", sk="b", confirmed=2),
               condition=OrgCountRecord.sk.does_not_exist())
    assert (_count("a"), _count("b")) == (1, 2)


def test_one_failed_condition_cancels_every_write_with_a_reason_per_item(aws):
    OrgCountRecord(workshop_id="moto-test", sk="c", confirmed=5).save()
    OrgCountRecord(workshop_id="moto-test", sk="c2", confirmed=5).save()
    with pytest.raises(TransactWriteError) as err, TransactWrite(connection=connection()) as t:
        t.update(OrgCountRecord(workshop_id="moto-test", sk="c"), actions=[OrgCountRecord.confirmed.add(1)])
        t.save(OrgCountRecord(workshop_id="moto-test", sk="d", confirmed=1))
        t.condition_check(OrgCountRecord, "moto-test", range_key="c2", condition=OrgCountRecord.confirmed > 9)
    assert err.value.cause_response_code == "TransactionCanceledException"
    codes = [r.code if r else None for r in err.value.cancellation_reasons]
    assert codes.count("ConditionalCheckFailed") == 1 and len(codes) == 3
    assert (_count("c"), _count("d")) == (5, None)  # nothing applied


def test_conditions_see_the_state_before_the_transaction(aws):
    OrgCountRecord(workshop_id="moto-test", sk="e", confirmed=1).save()
    with TransactWrite(connection=connection()) as t:
        t.update(OrgCountRecord(workshop_id="moto-test", sk="e"), actions=[OrgCountRecord.confirmed.add(1)],
                 condition=OrgCountRecord.confirmed == 1)
        t.delete(OrgCountRecord(workshop_id="moto-test", sk="f"))
    assert _count("e") == 2


def test_naming_an_item_twice_is_refused(aws):
    with pytest.raises(TransactWriteError), TransactWrite(connection=connection()) as t:
        t.save(OrgCountRecord(workshop_id="moto-test", sk="g", confirmed=1))
        t.update(OrgCountRecord(workshop_id="moto-test", sk="g"), actions=[OrgCountRecord.confirmed.add(1)])
    assert _count("g") is None
