"""The workshops' tables (for tools, tests and infrastructure; see ``chalicelib.tables``).

``RegistrationRecord`` owns the registrations table; its other item kinds (guards, organisation
counts, waiting-list entries) share that table.
"""

from chalicelib.workshops.store.registrations import RegistrationRecord
from chalicelib.workshops.store.workshops import WorkshopRecord

MODELS = [WorkshopRecord, RegistrationRecord]
