"""The SES v2 adapter: one ``send_email`` call per message.

Simple content (subject, text, HTML and our headers) when there is no
attachment; Raw content (the MIME message) when there is a calendar file.
SES v2 templates and bulk sending are deliberately not used: messages are
rendered by the service, which keeps them testable and emulator-friendly.
Errors come back as ``SendError`` with the SES error code, for the outbox's
retry policy to classify. The boto3 client is created on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from chalicelib.core import aws
from chalicelib.core.settings import get_settings
from chalicelib.mail.adapters.render import Rendered


class SendError(Exception):
    """SES refused or failed. ``code`` is the SES error code (or a transport error name)."""

    def __init__(self, code: str, http_status: int | None) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class Envelope:
    """Everything SES needs besides the content."""

    to: str
    headers: dict[str, str]
    tags: dict[str, str]


def client() -> Any:
    """The process-wide SES v2 client, from the shared session (few botocore retries: the outbox retries with
    backoff itself)."""
    from botocore.config import Config

    return aws.client("sesv2", region_name=get_settings().region,
                      config=Config(connect_timeout=3, read_timeout=10,
                                    retries={"mode": "standard", "total_max_attempts": 2}))


def send(envelope: Envelope, rendered: Rendered, mime: EmailMessage | None, ses: Any = None) -> str:
    """Send one message; return SES's message id."""
    from botocore.exceptions import BotoCoreError, ClientError

    settings = get_settings()
    if mime is not None:
        content: dict[str, Any] = {"Raw": {"Data": mime.as_bytes()}}
    else:
        content = {"Simple": {
            "Subject": {"Data": rendered.subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": rendered.text, "Charset": "UTF-8"},
                     "Html": {"Data": rendered.html, "Charset": "UTF-8"}},
            "Headers": [{"Name": k, "Value": v} for k, v in envelope.headers.items()],
        }}
    request: dict[str, Any] = {
        "FromEmailAddress": formataddr((settings.ses_sender_name, settings.ses_sender)),
        "Destination": {"ToAddresses": [envelope.to]},
        "Content": content,
        "EmailTags": [{"Name": k, "Value": v} for k, v in envelope.tags.items()],
    }
    if settings.ses_configuration_set:
        request["ConfigurationSetName"] = settings.ses_configuration_set
    try:
        response = (ses or client()).send_email(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise SendError(str(error.get("Code") or "ClientError"), status) from None
    except BotoCoreError as exc:  # connection errors, time-outs: transient
        raise SendError(type(exc).__name__, None) from None
    return str(response["MessageId"])
