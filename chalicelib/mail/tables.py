"""The mail capability's tables (for tools, tests and infrastructure; see ``chalicelib.tables``)."""

from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.mail.store.suppressions import SuppressionRecord

MODELS = [OutboxRecord, SuppressionRecord]
