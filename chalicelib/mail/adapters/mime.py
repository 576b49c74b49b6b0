"""Building the MIME message: what SES gets as Raw content, and what the local mailbox stores.

With a calendar invitation the structure mirrors what calendar servers send,
so Outlook and Google Calendar treat it as an invitation::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; charset=utf-8; method=REQUEST      (the invitation, inline)
      text/calendar; charset=utf-8; method=REQUEST         (invite.ics, as an attachment: the same bytes)

Every text part states ``charset=utf-8``; the text and HTML parts are quoted-printable and the calendar
copies base64, so the whole message is 7-bit.
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
    # Every text part states its charset and is 7-bit on the wire (SES asks for 7-bit raw messages).
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if calendar is not None:
        _, _, params = calendar.content_type.partition(";")
        method = _param(params, "method")
        calendar.content.decode("utf-8")  # the file must be UTF-8, since both copies say so
        # The inline copy and the attachment are the same bytes (CRLF line endings as RFC 5545 wants, which
        # base64 keeps), with the same charset and method: mail clients read either the same way.
        calendar_params = {"charset": "utf-8", "method": method}
        msg.add_alternative(calendar.content, maintype="text", subtype="calendar", cte="base64",
                            params=calendar_params)
        msg.make_mixed()
        msg.add_attachment(calendar.content, maintype="text", subtype="calendar", cte="base64",
                           filename=calendar.filename, params=calendar_params)
    return msg


def _param(params: str, name: str) -> str:
    for part in params.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == name:
            return value.strip('"')
    raise ValueError(f"content type has no {name}")
