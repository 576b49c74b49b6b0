"""``make run``: the service on an embedded AWS, as one command.

Starts a moto server on 127.0.0.1, creates the tables, SES identity, Cognito
pool and demo users, loads the reference data, then serves the API with
``chalice local --stage local`` on ``$PORT`` (default 8000). The e2e tests use
the same :func:`running_stack`.

A port that already answers is refused before anything is created or cleaned
(a running stack's ``var/local/stack.json`` and ``var/mail`` stay as they are).
The outbox worker and ``chalice local`` run in this process's group, so a
signal to the group reaches each of them; one SIGTERM or SIGINT, to the group
or to this process alone, stops everything within a few seconds (further
signals do not interrupt the shutdown; what has not stopped is killed).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.embedded_aws import EmbeddedAWS
from tools.mail import MAIL_DIR
from tools.provision import (
    DEMO_USERS,
    ROOT,
    Identity,
    emulator_environment,
    provision_in_subprocess,
    stage_environment,
)
from tools.token import STATE_FILE


@dataclass(frozen=True)
class Stack:
    """A running local stack."""

    api_url: str
    aws_endpoint: str
    identity: Identity
    env: dict[str, str]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chalice local exited with status {proc.returncode}; is the port free?")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError("chalice local did not become healthy in time")


STOP_GRACE_SECONDS = 3.0  # then SIGKILL: everything is gone within 5 seconds of the signal


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something answers on ``host:port``, or ``chalice local`` could not bind it."""
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex((host, port)) == 0:
            return True
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server binds: TIME_WAIT is no bar
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _port_taken(port: int) -> str:
    return (f"port {port} on 127.0.0.1 is already in use (is another 'make run' serving it?). "
            f"Stop that one, or choose another port: make run PORT={port + 1}")


def _stop_all(children: list[subprocess.Popen[bytes]], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child at once, wait up to ``grace`` seconds in all, then SIGKILL what is left."""
    live = [child for child in children if child.poll() is None]
    for child in live:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in live:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def running_stack(port: int, stage: str = "local", log_path: Path | None = None,
                  extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start moto, provision it, run ``chalice local`` and the outbox sender; stop all on exit.
    ``extra_env`` overrides the stage's settings for the sender (tests keep their mail elsewhere)."""
    if port_in_use(port):
        raise RuntimeError(_port_taken(port))
    aws = EmbeddedAWS()
    aws.start()
    children: list[subprocess.Popen[bytes]] = []
    log = open(log_path, "wb") if log_path else None  # noqa: SIM115 - closed in finally
    try:
        env = {**stage_environment(stage), **emulator_environment(aws.endpoint), "PYTHONPATH": str(ROOT),
               **(extra_env or {})}
        identity = provision_in_subprocess(env)
        api_url = f"http://127.0.0.1:{port}"
        env.update(COGNITO_USER_POOL_ID=identity.user_pool_id, COGNITO_CLIENT_IDS=identity.client_id,
                   PUBLIC_BASE_URL=api_url, PYTHONUNBUFFERED="1")
        # Both stay in this process's group (no new session), so a signal to the group reaches them too.
        # The outbox sender: what the stream trigger and sweeper do in AWS.
        children.append(subprocess.Popen([sys.executable, "-m", "tools.outbox_worker"], cwd=ROOT,
                                         env={**os.environ, **env},
                                         stdout=log or None, stderr=subprocess.STDOUT if log else None))
        proc = subprocess.Popen(
            [sys.executable, "-m", "tools.chalice_local", "local", "--stage", stage,
             "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
            cwd=ROOT, env={**os.environ, **env},
            stdout=log or None, stderr=subprocess.STDOUT if log else None,
        )
        children.append(proc)
        _wait_healthy(api_url, proc)
        yield Stack(api_url=api_url, aws_endpoint=aws.endpoint, identity=identity, env=env)
    finally:
        _stop_all(children)
        aws.stop()
        if log:
            log.close()


def _interrupt(signum: int, frame: object) -> None:
    # The first signal starts the shutdown; later ones (make passes a SIGTERM on to its recipe, so the group's
    # SIGTERM arrives twice; an impatient second Ctrl-C) must not cut it short and leave children running.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> int:
    """Run until Ctrl-C or SIGTERM."""
    port = int(os.environ.get("PORT", "8000"))
    if port_in_use(port):  # before anything is created or cleaned: the running stack keeps its state and mail
        print(f"make run: {_port_taken(port)}", file=sys.stderr)
        return 1
    import shutil

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    wrote_state = False
    try:
        shutil.rmtree(MAIL_DIR, ignore_errors=True)  # every run starts with empty data, and mail
        with running_stack(port, extra_env={"LOCAL_MAIL_DIR": str(MAIL_DIR)}) as stack:
            STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
            wrote_state = True
            STATE_FILE.write_text(json.dumps({
                "api_url": stack.api_url, "aws_endpoint": stack.aws_endpoint,
                "user_pool_id": stack.identity.user_pool_id, "client_id": stack.identity.client_id,
            }, indent=2))
            roles = " ".join(DEMO_USERS)
            print(f"""
Partnerships API (stage local) is running at {stack.api_url}
  Embedded AWS (moto):  {stack.aws_endpoint}
  API description:      {stack.api_url}/openapi.json

Get a token for a demo user (roles: {roles}):
  make token ROLE=cafcass-admin
Then, for example:
  TOKEN=$(make -s token ROLE=la-social-worker | tail -1)
  curl -s -H "Authorization: Bearer $TOKEN" '{stack.api_url}/organisations?region=london&limit=5'

Emails the service sends are kept as .eml files in var/mail/: list them with
  make mail

Ctrl-C stops everything.
""", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    except RuntimeError as exc:
        print(f"make run failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if wrote_state:  # only our own: a stack that failed to start leaves another one's file alone
            STATE_FILE.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
