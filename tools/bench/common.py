"""What every section shares: the environment, subprocess helpers, verdict/ms formatting, Context and UseCase."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-2"
PY_FLAGS = ["-X", "frozen_modules=on"]  # the interpreter's release default, stated explicitly

# Bench-only: prod's configuration leaves the link-signing key to the deployment, and a deployed stage (bench is
# one) refuses to start at `import app` without one (the workshop emails carry signed links: decline, feedback).
BENCH_LINK_KEY = "bench-only-link-signing-key-not-a-secret-0123456789"

READER = "la-social-worker"
ADMIN = "cafcass-admin"


# --------------------------------------------------------------------------- environment


def isolated_environment(*layers: dict[str, str]) -> dict[str, str]:
    """This process's environment without the developer's AWS or Powertools settings, then ``layers`` in order;
    never the developer's AWS files or the instance metadata service, whatever the layers say."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    for layer in layers:
        env.update(layer)
    env.update({"PYTHONPATH": str(ROOT), "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def bench_environment() -> dict[str, str]:
    """A prod-like stage (``bench``): prod's Chalice variables, what a deployment adds (user pool, app client, link
    key: bench values), dummy credentials, no endpoint, no network."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = isolated_environment(config.get("environment_variables", {}),
                               config["stages"]["prod"].get("environment_variables", {}))
    env.update({
        "STAGE": "bench",
        "ORGANISATIONS_TABLE": "partnerships-bench-organisations",
        "COGNITO_USER_POOL_ID": f"{REGION}_bench",
        "COGNITO_CLIENT_IDS": "bench-client",
        "LINK_SIGNING_KEY": BENCH_LINK_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    })
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Prod names the Secrets Manager secret that holds the link keys; the bench has no such secret in its
    # emulator, so it signs with its own key from the environment instead.
    env.pop("LINK_SIGNING_SECRET", None)
    return env


def python(*args: str) -> list[str]:
    """The command line of a child interpreter (this one, with :data:`PY_FLAGS`)."""
    return [sys.executable, *PY_FLAGS, *args]


def max_rss_kb() -> int:
    """This process's peak resident set size so far, in KiB (Linux's unit)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_worker(kind: str, env: dict[str, str], timeout: float,
               report: bool = True) -> tuple[dict[str, Any] | None, float, subprocess.CompletedProcess[str]]:
    """Run ``python -m tools.bench --worker KIND OUT``; (the JSON it wrote or ``None``, wall seconds, process).

    ``report``: print the standard FAILED line (exit status and the end of stderr) when it wrote nothing.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / f"{kind}.json"
        started = time.perf_counter()
        proc = subprocess.run(python("-m", "tools.bench", "--worker", kind, str(out)), cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not out.exists():
            if report:
                print(f"   FAILED (exit {proc.returncode}); last stderr:\n{proc.stderr[-3000:]}")
            return None, wall, proc
        return json.loads(out.read_text()), wall, proc


# --------------------------------------------------------------------------- printing helpers


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


# --------------------------------------------------------------------------- use cases


@dataclass
class Context:
    """What a use case can see: the Chalice test client, tokens, and earlier rows' responses."""

    http: Any
    token_for: Callable[[str], str]
    responses: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # free space for setups of later capabilities

    def json(self, use_case: str) -> Any:
        """The JSON body an earlier use case got back."""
        return json.loads(self.responses[use_case].body)


Value = Callable[[Context], Any]


@dataclass(frozen=True)
class UseCase:
    """One API use case and its DynamoDB budget.

    ``path`` and ``body`` may be callables of the :class:`Context` (evaluated just before the request).
    ``role`` is the demo user whose ID token is sent (``None``: no Authorization header).
    ``min_calls``/``max_calls`` bound the DynamoDB calls of the request (``max_calls=None``: no bound);
    a Scan never meets the goal. ``run`` replaces the HTTP request by any callable returning a status.
    """

    name: str
    method: str = "GET"
    path: str | Value = "/"
    role: str | None = None
    body: dict[str, Any] | Value | None = None
    status: int = 200
    min_calls: int = 0
    max_calls: int | None = 1
    setup: Callable[[Context], None] | None = None
    run: Callable[[Context], int] | None = None
    note: str = ""
    # Section 5: a goal of its own (text, and a test of the calls; ``None``: figures for information) and
    # ``detail(ctx, response) -> (text, ok)``, run after the calls are taken (its own requests are not counted).
    goal: str = ""
    meets: Callable[[list[str]], bool] | None = None
    detail: Callable[[Context, Any], tuple[str, bool]] | None = None
