"""Local stage only: keep a copy of every sent message as an ``.eml`` file, so a person trying the
service with ``make run`` can open what it sent in any mail client (``make mail`` lists them)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from pathlib import Path


def keep(directory: str, message_id: str, message: EmailMessage, now: datetime) -> Path:
    """Write ``message`` to ``directory`` and return the file's path."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}-{message_id}.eml"
    path.write_bytes(message.as_bytes())
    return path
