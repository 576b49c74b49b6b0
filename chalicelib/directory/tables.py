"""The directory's tables (for tools, tests and infrastructure; see ``chalicelib.tables``)."""

from chalicelib.directory.store import OrganisationRecord

MODELS = [OrganisationRecord]
