"""The mail capability's entry in the personal-data map (``chalicelib.core.personal_data``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.personal_data import Erased, Erasure, Found, Holding, Person, Retention
from chalicelib.mail.store import outbox, suppressions

OUTBOX = Holding(
    name="outgoing email",
    table="outbox_table",
    fields=("recipient", "context (the message's variables: names, workshop details, links)", "invitation"),
    lookup="person_index: a Query on the hash of the recipient's address, keys only",
    erasure=Erasure.DELETE,  # a message still pending is not sent to someone who asked to be erased
    retention=Retention(period=outbox.RETENTION, starts="the message is sent, failed or suppressed",
                        enforced_by="DynamoDB TTL on expires_at"),
)
SUPPRESSIONS = Holding(
    name="email suppression",
    table="suppressions_table",
    fields=("address",),
    lookup="person_index: a Query on the hash of the address, keys only",
    erasure=Erasure.ANONYMISE,  # the hashed id keeps stopping mail to the address; the address itself goes
    retention=Retention(period=None, starts="for as long as the address is suppressed (until an admin lifts it)",
                        enforced_by="an admin lifting it (DELETE /email/suppressions/{id})"),
)


@dataclass(frozen=True)
class MailPersonalData:
    """The outbox and the suppression list."""

    capability: str = "mail"
    holdings: tuple[Holding, ...] = (OUTBOX, SUPPRESSIONS)

    def find(self, person: Person) -> list[Found]:
        """The person's messages (what was sent, not its rendered content) and suppressions."""
        found = [Found(holding=OUTBOX.name, key=m.message_id, data={
            "to": m.message.to, "template": m.message.template, "status": m.status.value,
            "context": dict(m.message.context), "created_at": m.created_at.isoformat()})
            for m in outbox.for_person(person.email)]
        found += [Found(holding=SUPPRESSIONS.name, key=s.id, data={
            "address": s.address, "scope": s.scope, "reason": s.reason, "created_at": s.created_at.isoformat()})
            for s in suppressions.for_person(person.email)]
        return found

    def erase(self, person: Person, now: datetime) -> Erased:
        """Delete the person's messages and anonymise their suppressions (which keep stopping mail)."""
        messages = outbox.for_person(person.email)
        for message in messages:
            outbox.delete(message.message_id)
        held = suppressions.for_person(person.email)
        for suppression in held:
            suppressions.anonymise(suppression.id)
        return Erased(counts={OUTBOX.name: len(messages), SUPPRESSIONS.name: len(held)})


MAP = MailPersonalData()
