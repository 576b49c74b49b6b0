"""Email through the stack as `make run` runs it: queued over HTTP, sent by the outbox worker,
kept as an .eml file in the local mailbox, listed by `make mail`."""

from __future__ import annotations

import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tools.provision import ROOT


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_test_email_with_an_invitation_is_sent_and_kept_locally(api, stack):
    admin = api.token("cafcass-admin")
    resp = api.request("POST", "/email/test", token=admin, body={"with_invitation": True, "optional": True})
    assert resp.status == 202
    message_id = resp.json()["message_id"]

    def sent():
        status = api.request("GET", f"/email/messages/{message_id}", token=admin).json()
        return status if status["status"] == "sent" else None

    status = _wait_for(sent)
    assert status["attempts"] == 1

    mail_dir = Path(stack.env["LOCAL_MAIL_DIR"])
    [eml] = _wait_for(lambda: list(mail_dir.glob(f"*-{message_id}.eml")))
    parsed = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert parsed["To"] == "cafcass.admin@example.org"
    assert parsed["X-Partnerships-Message-Id"] == message_id
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert next(parsed.iter_attachments()).get_filename() == "invite.ics"

    # The unsubscribe link in the message works against the running service.
    link = parsed["List-Unsubscribe"].strip("<>")
    assert link.startswith(api.url + "/links/unsubscribe/") and "?" not in link
    opened = api.request("GET", link.removeprefix(api.url))
    assert opened.status == 200 and b'<form method="post"' in opened.body
    done = api.request("POST", link.removeprefix(api.url), body=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status == 200 and b"You have unsubscribed" in done.body


def test_make_mail_lists_what_was_sent(api, stack):
    admin = api.token("cafcass-admin")
    message_id = api.request("POST", "/email/test", token=admin, body={}).json()["message_id"]
    mail_dir = Path(stack.env["LOCAL_MAIL_DIR"])
    _wait_for(lambda: list(mail_dir.glob(f"*-{message_id}.eml")))
    out = subprocess.run([sys.executable, "-m", "tools.mail"], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PARTNERSHIPS_MAIL_DIR": str(mail_dir)}, check=True).stdout
    assert "cafcass.admin@example.org" in out and "Test message from the partnerships service" in out
