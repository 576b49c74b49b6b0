"""Building the MIME message: what SES gets as Raw content, and what the local mailbox stores.

With a calendar invitation the structure mirrors what calendar servers send,
so Outlook and Google Calendar treat it as an invitation::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST      (the invitation, inline)
      text/calendar; method=REQUEST         (invite.ics, as an attachment)
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from chalicelib.core.addresses import is_deliverable
from chalicelib.mail.adapters.render import Rendered


class InvalidAddress(ValueError):
    """An address the message cannot be built for (the argument names which one, never the address)."""


@dataclass(frozen=True)
class CalendarPart:
    """An .ics file and its content type (``text/calendar; method=...``)."""

    content: bytes
    content_type: str
    filename: str = "invite.ics"


def build(*, sender: str, sender_name: str, to: str, rendered: Rendered, headers: dict[str, str],
          calendar: CalendarPart | None = None) -> EmailMessage:
    """The whole message, headers included. Raises ``InvalidAddress`` for a recipient outside the service's
    address rule (the email package would otherwise mangle it, or fail deep inside header parsing)."""
    if not is_deliverable(to):
        raise InvalidAddress("recipient")
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender))
    msg["To"] = to
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if calendar is not None:
        _, _, params = calendar.content_type.partition(";")
        method = _param(params, "method")
        msg.add_alternative(calendar.content.decode("utf-8"), subtype="calendar", charset="utf-8",
                            params={"method": method})
        msg.make_mixed()
        msg.add_attachment(calendar.content, maintype="text", subtype="calendar", filename=calendar.filename,
                           params={"method": method})
    return msg


def _param(params: str, name: str) -> str:
    for part in params.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == name:
            return value.strip('"')
    raise ValueError(f"content type has no {name}")
