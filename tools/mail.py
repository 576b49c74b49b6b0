"""``make mail``: list the messages the local stack sent (newest first), from ``var/mail/*.eml``."""

from __future__ import annotations

import os
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tools.provision import ROOT

# The local stage's LOCAL_MAIL_DIR (var/mail); PARTNERSHIPS_MAIL_DIR points elsewhere (tests do).
MAIL_DIR = Path(os.environ.get("PARTNERSHIPS_MAIL_DIR") or ROOT / "var" / "mail")


def main(argv: list[str]) -> int:
    """Print time, recipient, subject and file of the latest messages."""
    limit = int(argv[1]) if len(argv) > 1 else 20
    files = sorted(MAIL_DIR.glob("*.eml"), reverse=True)[:limit]
    if not files:
        print(f"No mail yet in {MAIL_DIR}. Mail appears here while 'make run' is running.")
        return 0
    print(f"{'sent (UTC)':19}  {'to':38}  {'attachment':10}  subject")
    for path in files:
        with path.open("rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
        stamp = path.name[:15]
        when = f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"
        invite = "invite.ics" if any(p.get_filename() == "invite.ics" for p in msg.iter_attachments()) else ""
        print(f"{when:19}  {str(msg['To'])[:38]:38}  {invite:10}  {msg['Subject']}")
    print(f"\nOpen any of them in a mail client: {MAIL_DIR}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
