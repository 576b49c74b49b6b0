"""``make run``: the service on an embedded AWS, as one command.

Starts a moto server on 127.0.0.1, creates the tables, SES identity, Cognito
pool and demo users, loads the reference data, then serves the API with
``chalice local --stage local`` on ``$PORT`` (default 8000). Ctrl-C stops
everything it started. The e2e tests use the same :func:`running_stack`.
"""

from __future__ import annotations

import json
import os
import signal
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
from tools.provision import (
    DEMO_USERS,
    LOCAL_STATE,
    ROOT,
    Identity,
    emulator_environment,
    provision_in_subprocess,
    stage_environment,
)


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


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def running_stack(port: int, stage: str = "local", log_path: Path | None = None,
                  extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start moto, provision it, run ``chalice local`` and the outbox sender; stop all on exit.
    ``extra_env`` overrides the stage's settings for the sender (tests keep their mail elsewhere)."""
    aws = EmbeddedAWS()
    aws.start()
    proc = worker = None
    log = open(log_path, "wb") if log_path else None  # noqa: SIM115 - closed in finally
    try:
        env = {**stage_environment(stage), **emulator_environment(aws.endpoint), "PYTHONPATH": str(ROOT),
               **(extra_env or {})}
        identity = provision_in_subprocess(env)
        api_url = f"http://127.0.0.1:{port}"
        env.update(COGNITO_USER_POOL_ID=identity.user_pool_id, COGNITO_CLIENT_IDS=identity.client_id,
                   PUBLIC_BASE_URL=api_url, PYTHONUNBUFFERED="1")
        # The outbox sender: what the stream trigger and sweeper do in AWS.
        worker = subprocess.Popen([sys.executable, "-m", "tools.outbox_worker"], cwd=ROOT,
                                  env={**os.environ, **env}, start_new_session=True,
                                  stdout=log or None, stderr=subprocess.STDOUT if log else None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tools.chalice_local", "local", "--stage", stage,
             "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
            cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
            stdout=log or None, stderr=subprocess.STDOUT if log else None,
        )
        _wait_healthy(api_url, proc)
        yield Stack(api_url=api_url, aws_endpoint=aws.endpoint, identity=identity, env=env)
    finally:
        for child in (proc, worker):
            if child is not None:
                _stop(child)
        aws.stop()
        if log:
            log.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Run until Ctrl-C."""
    port = int(os.environ.get("PORT", "8000"))
    import shutil

    shutil.rmtree(ROOT / "var" / "mail", ignore_errors=True)  # every run starts with empty data, and mail
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        with running_stack(port) as stack:
            LOCAL_STATE.parent.mkdir(parents=True, exist_ok=True)
            LOCAL_STATE.write_text(json.dumps({
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
        LOCAL_STATE.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
