"""``make bench``: cold-start, memory and DynamoDB-call figures, each printed next to its goal.

Not a test: nothing here fails the run. Every figure is printed with its goal and
whether it meets it, so a change that slows cold start or adds a round trip is
visible at a glance.

Figures
  1. Import time of the Lambda handler module (``import app``) against a baseline
     (``import boto3`` + a DynamoDB client), each in a fresh interpreter, interleaved.
     Headline: ratio of the medians of the time measured inside the process around
     the import. Also: whole-process wall time, max RSS after the import, and the
     slowest modules from ``-X importtime``.
  2. Peak memory (max RSS) of one process that imports the app and serves every
     use case below in process (moto included, so it overstates a Lambda).
  3. DynamoDB calls per API use case, counted with a botocore event handler on
     ``before-call.dynamodb`` (the event system, no patching of the client).
  4. The outbox sender (``email_sender.drain``), moto in process, same provisioning as 2./3.:
     a. throughput draining 2,000 queued messages with the rate limit lifted (all must be sent,
        checked against moto's SES); b. achieved send rate under ``RateLimiter(R)`` (real clock),
        from the time of each SES send, against R; c. DynamoDB calls per message sent in a.;
     then the peak RSS of that process.
  5. Workshops: a. DynamoDB calls of the workshop use cases (create, list, register with a free place and onto
     the waiting list, cancel with promotion, CSV export), in process as 2./3. but with ``tools.moto_patches``;
     goal for register: one TransactWriteItems and at most one read (a TransactGetItems); no Scan anywhere.
     b. registrations per second over HTTP against ``tools.local_stack.running_stack`` (as ``make run``) from
     20 client threads: a 1000-place workshop (all confirmed), then a 30-place one (most wait); latency p50/p95,
     non-201 responses, and the workshop's confirmed + waiting counts checked against the 201s.

Adding a capability (workshops...)
  * an HTTP use case: append a :class:`UseCase` to ``USE_CASES`` (paths and bodies
    may be callables of the :class:`Context`, e.g. to follow a cursor or reuse an id
    created by an earlier row; ``setup`` runs before the counted request);
  * a non-HTTP measurement (e.g. sender throughput): a :class:`UseCase` with ``run``
    set, returning a status-like int, or a new section function in ``SECTIONS`` (with a worker
    process of its own when it needs moto, as :func:`section_outbox` does).

Environment: ``BENCH_IMPORT_RUNS`` (default 9) import runs per side; ``BENCH_OUTBOX_RATE`` (default:
prod's ``SES_MAX_SEND_RATE``) and ``BENCH_OUTBOX_RATE_MESSAGES`` (default: 7.5 s worth) for 4b;
``BENCH_WORKSHOP_REGISTRATIONS`` (default 600) and ``BENCH_WORKSHOP_WAITING_REGISTRATIONS`` (default 150) for 5b.
This module only imports the standard library at top level: the parent process
stays light, the work happens in subprocesses.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-2"
PY_FLAGS = ["-X", "frozen_modules=on"]  # the interpreter's release default, stated explicitly

IMPORT_RATIO_GOAL = 1.5
PEAK_RSS_GOAL_MB = 150.0

APP_IMPORT = "import app"
BASELINE_IMPORT = f'import boto3; boto3.client("dynamodb", region_name="{REGION}")'
# For information: the app does not create its DynamoDB client at import; its first request does.
APP_CLIENT_IMPORT = ("import app; from chalicelib.tables import all_models; "
                     "[m._get_connection().connection.client for m in all_models()]")

# Runs inside the fresh interpreter: time only the statement, then report as the last stdout line.
_TIMED_CHILD = """\
import time
_t0 = time.perf_counter()
{stmt}
_t1 = time.perf_counter()
import json, resource, sys
sys.stdout.write("\\nBENCH " + json.dumps({{"import_s": _t1 - _t0,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}) + "\\n")
"""


# --------------------------------------------------------------------------- environment


def bench_environment() -> dict[str, str]:
    """A prod-like stage (``bench``): prod's Chalice variables, dummy credentials, no endpoint, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env.update(config.get("environment_variables", {}))
    env.update(config["stages"]["prod"].get("environment_variables", {}))
    env.update({
        "STAGE": "bench",
        "ORGANISATIONS_TABLE": "partnerships-bench-organisations",
        "COGNITO_USER_POOL_ID": f"{REGION}_bench",
        "COGNITO_CLIENT_IDS": "bench-client",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,  # never read the developer's own AWS configuration
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": str(ROOT),
    })
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _python(*args: str) -> list[str]:
    return [sys.executable, *PY_FLAGS, *args]


# --------------------------------------------------------------------------- printing helpers


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _header() -> None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               timeout=5).stdout.strip()
        rev = f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        rev = "unknown"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("=" * 78)
    print("partnerships bench")
    print(f"date     {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"python   {platform.python_implementation()} {platform.python_version()} ({sys.executable})")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"machine  {platform.machine()}, {platform.system()} {platform.release()}, nproc={nproc}, "
          f"load avg {load} (other work on the machine makes timings noisy)")
    print(f"revision {rev}")
    print("=" * 78)


# --------------------------------------------------------------------------- 1. import time


@dataclass
class ImportRun:
    """One fresh-interpreter import."""

    import_s: float
    wall_s: float
    maxrss_kb: int


def _timed_import(stmt: str, env: dict[str, str]) -> ImportRun:
    started = time.perf_counter()
    proc = subprocess.run(_python("-c", _TIMED_CHILD.format(stmt=stmt)), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"`{stmt}` failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    data = json.loads(lines[-1][len("BENCH "):])
    return ImportRun(import_s=data["import_s"], wall_s=wall, maxrss_kb=int(data["maxrss_kb"]))


def _importtime(env: dict[str, str]) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, indented module name) of every import of ``import app``, in report order."""
    proc = subprocess.run(_python("-X", "importtime", "-c", APP_IMPORT), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(.*)$", line)
        if m:
            rows.append((int(m.group(2)), int(m.group(1)), m.group(3).rstrip()))
    return rows


def _by_package(rows: list[tuple[int, int, str]]) -> list[tuple[int, str]]:
    """Cumulative us per top-level package where another package first pulls it in (nested costs included).

    ``-X importtime`` lists children before their parent, one indent level deeper;
    read backwards, a module's parent is the nearest shallower line already seen.
    """
    totals: Counter[str] = Counter()
    stack: list[tuple[int, str]] = []
    for cumulative, _, name in reversed(rows):
        depth = len(name) - len(name.lstrip())
        root = name.strip().split(".")[0]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack or stack[-1][1] != root:
            totals[root] += cumulative
        stack.append((depth, root))
    return [(us, pkg) for pkg, us in totals.most_common()]


def section_imports() -> None:
    """Figure 1: ``import app`` against ``import boto3`` + a DynamoDB client."""
    runs = max(1, int(os.environ.get("BENCH_IMPORT_RUNS", "9")))
    env = bench_environment()
    print(f"\n1. Cold start: import time, {runs} fresh interpreters each, interleaved (1 warm-up each discarded)")
    print(f"   app      : {APP_IMPORT}")
    print(f"   baseline : {BASELINE_IMPORT}")
    print(f"   app+client (information): {APP_CLIENT_IMPORT}")
    sides = {"app": APP_IMPORT, "baseline": BASELINE_IMPORT, "app+client": APP_CLIENT_IMPORT}
    for stmt in sides.values():  # warm-up: bytecode caches and the page cache, not measured
        _timed_import(stmt, env)
    results: dict[str, list[ImportRun]] = {name: [] for name in sides}
    for i in range(runs):
        order = list(sides)[i % len(sides):] + list(sides)[:i % len(sides)]  # rotate who goes first
        for name in order:
            results[name].append(_timed_import(sides[name], env))

    def med(name: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in results[name])

    print(f"   {'median (min-max)':12} {'import, in process':>26} {'whole process, wall':>28} {'max RSS':>10}")
    for name in sides:
        imp = [r.import_s for r in results[name]]
        wall = [r.wall_s for r in results[name]]
        print(f"   {name:12} {_ms(med(name, 'import_s'))} ({min(imp) * 1000:4.0f}-{max(imp) * 1000:4.0f})"
              f"       {_ms(med(name, 'wall_s'))} ({min(wall) * 1000:4.0f}-{max(wall) * 1000:4.0f})"
              f"  {med(name, 'maxrss_kb') / 1024:6.1f} MB")
    ratio = med("app", "import_s") / med("baseline", "import_s")
    wall_ratio = med("app", "wall_s") / med("baseline", "wall_s")
    print(f"   >> import ratio app/baseline (in process): {ratio:.2f}   goal <= {IMPORT_RATIO_GOAL}"
          f"   {_verdict(ratio <= IMPORT_RATIO_GOAL)}")
    print(f"      whole-process wall ratio (information): {wall_ratio:.2f}")
    print(f"      app+client/baseline, in process (information): "
          f"{med('app+client', 'import_s') / med('baseline', 'import_s'):.2f}")
    rows = _importtime(env)
    print("   top 10 slowest imports of `import app` (-X importtime, one run; indent = nesting):")
    print(f"   {'cumulative':>12} {'self':>10}  module")
    for cumulative, self_us, name in sorted(rows, reverse=True)[:10]:
        print(f"   {cumulative / 1000:9.1f} ms {self_us / 1000:7.1f} ms  {name}")
    print("   third-party packages (cumulative where first pulled in, includes what they import):")
    packages = [(us, pkg) for us, pkg in _by_package(rows) if pkg not in ("app", "chalicelib")]
    print("   " + ", ".join(f"{pkg} {us / 1000:.0f} ms" for us, pkg in packages[:8]))


# --------------------------------------------------------------------------- 2 + 3. requests in process


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


READER = "la-social-worker"
ADMIN = "cafcass-admin"
NEW_ORG = {"code": "E06000099", "name": "Bench Unitary Council", "type": "local_authority",
           "region": "south-west", "nation": "england", "cafcass_service_area": "ons-region-south-west"}


def _next_page(ctx: Context) -> str:
    cursor = ctx.json("list type=local_authority, limit 20")["next_cursor"]
    return f"/organisations?type=local_authority&limit=20&cursor={cursor}"


USE_CASES: list[UseCase] = [
    UseCase("GET /health", path="/health", min_calls=1, max_calls=1),
    UseCase("list, first page (limit 50)", path="/organisations?limit=50", role=READER, min_calls=1),
    UseCase("list region=london", path="/organisations?region=london", role=READER, min_calls=1),
    UseCase("list type=local_authority, limit 20", path="/organisations?type=local_authority&limit=20",
            role=READER, min_calls=1),
    UseCase("  next page via cursor", path=_next_page, role=READER, min_calls=1),
    UseCase("GET /organisations/{code}", path="/organisations/E09000033", role=READER, min_calls=1),
    UseCase("GET /organisations/{code} (404)", path="/organisations/E09999999", role=READER, status=404,
            min_calls=1),
    UseCase("POST /organisations (admin)", method="POST", path="/organisations", role=ADMIN, body=NEW_ORG,
            status=201, min_calls=1, max_calls=1),
    UseCase("PATCH /organisations/{code} (admin)", method="PATCH", path=f"/organisations/{NEW_ORG['code']}",
            role=ADMIN, body={"name": "Bench Unitary Council (renamed)"}, min_calls=2, max_calls=2,
            note="read + conditional write"),
    UseCase("GET /openapi.json", path="/openapi.json", max_calls=0),
    UseCase("GET /openapi.json (cached)", path="/openapi.json", max_calls=0),
]


class DynamoCalls:
    """botocore ``before-call.dynamodb`` handler: records every DynamoDB API call (not retries)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any = None, params: Any = None, event_name: str = "", **_: Any) -> None:
        op = getattr(model, "name", None) or event_name.rsplit(".", 1)[-1]
        index = None
        try:
            index = json.loads((params or {}).get("body") or b"{}").get("IndexName")
        except (TypeError, ValueError, AttributeError):
            pass
        self.calls.append(f"{op}({index})" if index else op)
        # Returning None lets the call proceed (a value would short-circuit it).

    def take(self) -> list[str]:
        """The calls since the last ``take``."""
        calls, self.calls = self.calls, []
        return calls


def _install_counter() -> DynamoCalls:
    """Register the counter for every botocore session created from now on.

    ``BUILTIN_HANDLERS`` is the list every new botocore session registers on its
    event emitter (moto installs its stub the same way), so the handler reaches
    PynamoDB's per-connection clients, clients PynamoDB recreates, and the
    ``Connection`` objects made per transaction. Must run before any session exists.
    """
    from botocore import handlers

    counter = DynamoCalls()
    handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", counter))
    return counter


def _moto_public_jwks(url: str) -> dict[str, Any]:
    """The key set moto's Cognito signs with (as in tests/integration/conftest.py)."""
    import gzip
    from importlib import resources

    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
    return dict(json.loads(gzip.decompress(data)))


def _request(ctx: Context, uc: UseCase) -> Any:
    path = uc.path(ctx) if callable(uc.path) else uc.path
    headers = {"Accept": "application/json"}
    if uc.role:
        headers["Authorization"] = f"Bearer {ctx.token_for(uc.role)}"
    body = uc.body(ctx) if callable(uc.body) else uc.body
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return ctx.http.request(uc.method, path, headers=headers, body=data)


@contextmanager
def _in_process_app(counter: DynamoCalls, patched: bool = False) -> Iterator[tuple[Any, Callable[[str], str]]]:
    """moto in process, provisioned; yields the Chalice test client's ``http`` and a ``token_for(role)``.
    ``patched``: ``tools.moto_patches.install()`` first (before ``mock_aws`` starts), as the integration tests do."""
    import boto3
    from moto import mock_aws

    if patched:
        from tools.moto_patches import install

        install()
    with mock_aws():
        from tools import provision

        identity = provision.provision()
        from chalicelib.core.auth.tokens import KeySet, TokenVerifier, set_default_verifier
        from chalicelib.core.settings import get_settings

        issuer = f"https://cognito-idp.{get_settings().region}.amazonaws.com/{identity.user_pool_id}"
        set_default_verifier(TokenVerifier(issuer=issuer, client_ids=(identity.client_id,),
                                           keys=KeySet("https://jwks.test/keys", fetch=_moto_public_jwks)))
        idp = boto3.client("cognito-idp", region_name=REGION)
        tokens: dict[str, str] = {}

        def token_for(role: str) -> str:
            if role not in tokens:
                tokens[role] = provision.sign_in(idp, identity.client_id, provision.DEMO_USERS[role][0])
            return tokens[role]

        from chalice.test import Client

        from app import app

        try:
            with Client(app) as test_client:
                yield test_client.http, token_for
        finally:
            set_default_verifier(None)


def _serve(ctx: Context, use_cases: list[UseCase], counter: DynamoCalls) -> list[dict[str, Any]]:
    """Serve each use case in turn, counting the DynamoDB calls of its request (not of its setup)."""
    rows: list[dict[str, Any]] = []
    for uc in use_cases:
        row: dict[str, Any] = {"name": uc.name}
        response = None
        try:
            if uc.role:
                ctx.token_for(uc.role)  # sign in outside the counted window
            if uc.setup:
                uc.setup(ctx)
            counter.take()
            t0 = time.perf_counter()
            if uc.run is not None:
                status = uc.run(ctx)
            else:
                response = _request(ctx, uc)
                ctx.responses[uc.name] = response
                status = response.status_code
            row["ms"] = (time.perf_counter() - t0) * 1000
            row["status"] = status
        except Exception as exc:  # report the row as failed, keep benchmarking the others
            row["status"] = None
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        row["calls"] = counter.take()
        if uc.detail is not None and response is not None:
            try:
                row["detail"], row["detail_ok"] = uc.detail(ctx, response)
            except Exception as exc:
                row["detail"], row["detail_ok"] = f"{type(exc).__name__}: {exc}"[:200], False
            counter.take()  # whatever the detail read is not the use case's
        rows.append(row)
    return rows


def requests_worker(out: Path) -> None:
    """Child process: moto in process, provision, serve every use case, write the figures to ``out``."""
    counter = _install_counter()
    started = time.perf_counter()
    with _in_process_app(counter) as (http, token_for):
        setup_s = time.perf_counter() - started
        rows = _serve(Context(http=http, token_for=token_for), USE_CASES, counter)

    import resource

    out.write_text(json.dumps({"rows": rows, "setup_s": setup_s,
                               "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def service_memory_worker(out: Path) -> None:
    """Child process holding only what a Lambda would: the app and its AWS clients. moto runs as a server in
    another process (``tools.embedded_aws``); tokens are verified against the JWKS it serves, the real path."""
    import resource

    aws = subprocess.Popen(_python("-m", "tools.embedded_aws"), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = aws.stdout.readline().strip() if aws.stdout else ""
        from tools import provision

        env = {**provision.emulator_environment(endpoint)}
        os.environ.update(env)
        identity = provision.provision_in_subprocess({**env, "PYTHONPATH": str(ROOT)})
        os.environ.update(COGNITO_USER_POOL_ID=identity.user_pool_id, COGNITO_CLIENT_IDS=identity.client_id)
        import boto3

        from chalicelib.core.settings import reset_settings

        reset_settings()
        idp = boto3.client("cognito-idp", region_name=REGION)
        tokens: dict[str, str] = {}

        def token_for(role: str) -> str:
            if role not in tokens:
                tokens[role] = provision.sign_in(idp, identity.client_id, provision.DEMO_USERS[role][0])
            return tokens[role]

        from chalice.test import Client

        from app import app

        with Client(app) as test_client:
            rows = _serve(Context(http=test_client.http, token_for=token_for), USE_CASES, DynamoCalls())
        out.write_text(json.dumps({"rows": rows, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    finally:
        aws.terminate()
        aws.wait()


def _describe_calls(calls: list[str]) -> str:
    if not calls:
        return "-"
    counts = Counter(calls)
    return ", ".join(f"{op}" + (f" x{n}" if n > 1 else "") for op, n in counts.items())


def _goal_text(uc: UseCase) -> str:
    if uc.max_calls is None:
        return f">={uc.min_calls}, no Scan"
    if uc.min_calls == uc.max_calls:
        return f"={uc.max_calls}, no Scan"
    return f"<={uc.max_calls}, no Scan"


def section_requests() -> None:
    """Figures 2 and 3: one process serves every use case; memory and DynamoDB calls."""
    print(f"\n2./3. API use cases in one process (chalice.test.Client, moto in process, stage=bench)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "requests.json"
        started = time.perf_counter()
        proc = subprocess.run(_python("-m", "tools.bench", "--worker", "requests", str(out)), cwd=ROOT,
                              env=bench_environment(), capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not out.exists():
            print(f"   FAILED (exit {proc.returncode}); last stderr:\n{proc.stderr[-3000:]}")
            return
        result = json.loads(out.read_text())
    by_name = {uc.name: uc for uc in USE_CASES}
    peak_mb = result["maxrss_kb"] / 1024
    print(f"   process wall {wall:.1f} s (moto, tables, Cognito, reference data: {result['setup_s']:.1f} s)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        mem_out = Path(tmp) / "memory.json"
        mem = subprocess.run(_python("-m", "tools.bench", "--worker", "service-memory", str(mem_out)), cwd=ROOT,
                             env={**bench_environment(), "LINK_SIGNING_KEY": "bench-only-link-key-0123456789abcdef"},
                             capture_output=True, text=True, timeout=300)
        service = json.loads(mem_out.read_text()) if mem.returncode == 0 and mem_out.exists() else None
    if service is None:
        print(f"\n2. Peak memory: the service-only run FAILED (exit {mem.returncode}): {mem.stderr[-1500:]}")
    else:
        service_mb = service["maxrss_kb"] / 1024
        served = sum(1 for row in service["rows"] if row.get("status") == by_name[row["name"]].status)
        print(f"\n2. Peak memory (max RSS) of a process holding only the service (the app and its AWS clients,"
              f" moto in another process), after serving all {served} use cases: {service_mb:.1f} MB"
              f"   goal < {PEAK_RSS_GOAL_MB:.0f} MB   {_verdict(service_mb < PEAK_RSS_GOAL_MB)}")
    print(f"   (information: with moto and all its data in the same process, as in 3.: {peak_mb:.1f} MB)")
    print("\n3. DynamoDB calls per request (botocore before-call.dynamodb events)")
    w = max(len(uc.name) for uc in USE_CASES) + 1
    print(f"   {'use case':{w}} {'HTTP':>4} {'calls':>5}  {'operations':36} {'goal':14} result")
    scans = []
    met = 0
    for row in result["rows"]:
        uc = by_name[row["name"]]
        calls = row["calls"]
        has_scan = any(c.startswith("Scan") for c in calls)
        if has_scan:
            scans.append(uc.name)
        ok = (row["status"] == uc.status and not has_scan and len(calls) >= uc.min_calls
              and (uc.max_calls is None or len(calls) <= uc.max_calls))
        met += ok
        ops = _describe_calls(calls) + ("  SCAN!" if has_scan else "")
        status = row["status"] if row["status"] is not None else "ERR"
        extra = f"  (expected HTTP {uc.status})" if row["status"] != uc.status else ""
        if row.get("error"):
            extra += f"  {row['error']}"
        elif uc.note:
            extra += f"  ({uc.note})"
        print(f"   {uc.name:{w}} {status!s:>4} {len(calls):>5}  {ops:36} {_goal_text(uc):14} {_verdict(ok)}{extra}")
    print(f"   >> {met}/{len(result['rows'])} use cases meet their goal; Scan on a request path: "
          f"{', '.join(scans) if scans else 'none'}   goal: none   {_verdict(not scans)}")


# --------------------------------------------------------------------------- 4. outbox sender

OUTBOX_MESSAGES = 2000
OUTBOX_BATCH = 25  # drain()'s default batch size: one Query per batch
OUTBOX_CALLS_GOAL = 4.0  # DynamoDB calls per message sent
RATE_DEVIATION_GOAL = 0.05  # achieved send rate within 5% of the limit (and never 5% above it)
# Part b: the rate prod configures (SES_MAX_SEND_RATE, 14/s; BENCH_OUTBOX_RATE overrides it), for as many
# messages as take RATE_SECONDS at that rate (BENCH_OUTBOX_RATE_MESSAGES overrides the count). It must be well
# below the unlimited throughput of part a (about 40/s against moto), or the sender, not the limiter, sets the pace.
RATE_SECONDS = 7.5


def _outbox_message(i: int, run: str) -> Any:
    """A queued service message as the API builds it (template ``service_test``, full context)."""
    from chalicelib.mail.domain import OutgoingEmail

    to = f"bench.{run}.{i}@example.org"  # distinct recipients
    return OutgoingEmail(message_id=f"bench-{run}-{i:05d}", to=to, template="service_test", capability="service",
                         context={"recipient_name": f"Bench Person {i}", "recipient_email": to,
                                  "requested_at": "23 November 2026 09:00", "has_invitation": False})


def _enqueue(n: int, run: str) -> None:
    """Queue ``n`` messages (BatchWriteItem of the store's own records: setup, not measured)."""
    from datetime import datetime, timezone

    from chalicelib.mail.store import outbox

    now = datetime.now(timezone.utc)
    with outbox.OutboxRecord.batch_write() as batch:
        for i in range(n):
            batch.save(outbox.new_record(_outbox_message(i, run), now))


class TimedSes:
    """Wraps the real (moto) SES v2 client: notes ``time.monotonic()`` of every ``send_email``, then sends."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.times: list[float] = []

    def send_email(self, **request: Any) -> Any:
        self.times.append(time.monotonic())
        return self.real.send_email(**request)


def outbox_worker(out: Path) -> None:
    """Child process: moto in process, provision, drain 2,000 messages unlimited, then N at a set rate."""
    import resource

    counter = _install_counter()
    started = time.perf_counter()

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from moto import mock_aws

    result: dict[str, Any] = {"messages": OUTBOX_MESSAGES}
    with mock_aws():
        from moto.backends import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID

        from tools import provision

        provision.provision()  # as section 2./3.: tables, SES identity and configuration set, Cognito, seed
        from chalicelib.mail.adapters import ses
        from chalicelib.mail.services.sender import RateLimiter, drain
        from chalicelib.core.settings import get_settings

        ses_backend = get_backend("ses")[DEFAULT_ACCOUNT_ID][REGION]
        ses_client = ses.client()  # created outside the measured windows
        result["setup_s"] = time.perf_counter() - started
        result["rss_setup_mb"] = rss_mb()

        # a) unlimited throughput
        t0 = time.perf_counter()
        _enqueue(OUTBOX_MESSAGES, "a")
        result["enqueue_s"] = time.perf_counter() - t0
        sent_before = len(ses_backend.sent_messages)
        counter.take()
        t0 = time.perf_counter()
        drained = drain(limiter=RateLimiter(0), batch_size=OUTBOX_BATCH)
        result["drain_s"] = time.perf_counter() - t0
        result["calls"] = counter.take()
        result["outcomes"] = dict(drained.outcomes)
        result["ses_sent"] = len(ses_backend.sent_messages) - sent_before
        result["rss_a_mb"] = rss_mb()

        # b) at a set rate, real clock and sleep
        rate = float(os.environ.get("BENCH_OUTBOX_RATE") or get_settings().ses_max_send_rate)
        n = max(2, int(os.environ.get("BENCH_OUTBOX_RATE_MESSAGES") or round(rate * RATE_SECONDS) + 1))
        result["rate_source"] = "BENCH_OUTBOX_RATE" if os.environ.get("BENCH_OUTBOX_RATE") else "SES_MAX_SEND_RATE"
        _enqueue(n, "b")
        timed = TimedSes(ses_client)
        sent_before = len(ses_backend.sent_messages)
        t0 = time.perf_counter()
        limited = drain(limiter=RateLimiter(rate), ses_client=timed, batch_size=OUTBOX_BATCH)
        result["rate"] = {"rate": rate, "n": n, "wall_s": time.perf_counter() - t0, "times": timed.times,
                          "outcomes": dict(limited.outcomes),
                          "ses_sent": len(ses_backend.sent_messages) - sent_before}
        counter.take()
    result["rss_end_mb"] = rss_mb()
    out.write_text(json.dumps(result))


def _rate_figures(times: list[float], rate: float) -> dict[str, float]:
    """Achieved rate over the whole run, the peak over any ~1 s run of consecutive sends, the smallest gap."""
    span = times[-1] - times[0]
    k = max(1, min(len(times) - 1, round(rate)))  # sends in one second at the limit
    peak = max(k / (times[i + k] - times[i]) for i in range(len(times) - k))
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {"achieved": (len(times) - 1) / span if span > 0 else float("inf"), "span": span, "k": k,
            "peak": peak, "min_gap": min(gaps), "median_gap": statistics.median(gaps)}


def section_outbox() -> None:
    """Figure 4: the outbox sender's throughput, rate limiting and DynamoDB calls per message."""
    print(f"\n4. Outbox sender: drain() against moto in process (same provisioning as 2./3., stage=bench)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "outbox.json"
        started = time.perf_counter()
        proc = subprocess.run(_python("-m", "tools.bench", "--worker", "outbox", str(out)), cwd=ROOT,
                              env=bench_environment(), capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not out.exists():
            print(f"   FAILED (exit {proc.returncode}); last stderr:\n{proc.stderr[-3000:]}")
            return
        r = json.loads(out.read_text())
    n = r["messages"]
    print(f"   process wall {wall:.1f} s (moto, provisioning: {r['setup_s']:.1f} s; queueing {n:,} messages"
          f" with BatchWriteItem, not measured: {r['enqueue_s']:.1f} s)")

    # a)
    sent = r["outcomes"].get("sent", 0)
    throughput = n / r["drain_s"]
    all_sent = r["outcomes"] == {"sent": n}
    print(f"\n4a. Throughput, rate limit lifted (RateLimiter(0)): {n:,} queued service_test messages,"
          f" distinct recipients")
    print(f"   >> {throughput:.1f} messages/s   ({n:,} in {r['drain_s']:.1f} s, {r['drain_s'] / n * 1000:.1f} ms"
          f" per message, one sender)   information")
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items())) or "none"
    print(f"   outcomes: {outcomes}   goal: all {n:,} sent   {_verdict(all_sent)}")
    print(f"   moto SES sent_messages: {r['ses_sent']:,} == {n:,}: {r['ses_sent'] == n}"
          f"   {_verdict(r['ses_sent'] == n)}")
    print("   (moto's CPU cost dominates: a figure to compare between revisions, not an AWS prediction)")

    # b)
    b = r["rate"]
    rate, times = b["rate"], b["times"]
    source = "prod's SES_MAX_SEND_RATE" if r["rate_source"] == "SES_MAX_SEND_RATE" else r["rate_source"]
    print(f"\n4b. Rate limit: {b['n']} messages, RateLimiter({rate:g}) ({source}), real clock and sleep;")
    print("   each send's time.monotonic() noted by a wrapper around the SES client's send_email")
    if rate >= throughput:
        print(f"   !! the limit {rate:g}/s is NOT below the unlimited throughput {throughput:.1f}/s of 4a:"
              f" the sender, not the limiter, sets the pace; the figures below do not test the limiter")
    else:
        print(f"   limit {rate:g}/s is below the unlimited throughput of 4a ({throughput:.1f}/s,"
              f" {throughput / rate:.1f}x): the limiter sets the pace")
    b_ok = b["outcomes"] == {"sent": b["n"]} and b["ses_sent"] == b["n"] and len(times) == b["n"]
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(b["outcomes"].items())) or "none"
    print(f"   outcomes: {outcomes}; SES send_email calls {len(times)}; moto SES sent_messages {b['ses_sent']}"
          f"   {_verdict(b_ok)}")
    if len(times) >= 2:
        f = _rate_figures(times, rate)
        dev = round(f["achieved"] / rate - 1, 4) + 0.0  # + 0.0: no "-0.00%"
        peak_dev = round(f["peak"] / rate - 1, 4) + 0.0
        print(f"   >> achieved {f['achieved']:.2f}/s = ({len(times) - 1} gaps)/({f['span']:.2f} s first to last send)"
              f" vs limit {rate:g}/s: {dev * 100:+.2f}%   goal within ±{RATE_DEVIATION_GOAL * 100:.0f}%"
              f"   {_verdict(abs(dev) <= RATE_DEVIATION_GOAL)}")
        print(f"   >> peak over any {f['k']} consecutive gaps (~1 s): {f['peak']:.2f}/s, {peak_dev * 100:+.2f}%"
              f"   goal <= +{RATE_DEVIATION_GOAL * 100:.0f}%   {_verdict(peak_dev <= RATE_DEVIATION_GOAL)}")
        print(f"   gaps between sends: median {f['median_gap'] * 1000:.1f} ms, smallest {f['min_gap'] * 1000:.1f} ms,"
              f" limit interval {1000 / rate:.1f} ms   information")
        print("   (a late wake-up shortens the next gap: the limiter keeps to its schedule, it does not drift)")

    # c)
    calls = r["calls"]
    per_message = len(calls) / sent if sent else float("inf")
    batches = -(-n // OUTBOX_BATCH)
    expected = {"Query(due_index)": (batches + 1, f"one per batch of {OUTBOX_BATCH} + the empty one that ends"),
                "UpdateItem": (2 * n, "claim + mark sent"), "BatchGetItem": (n, "suppression check")}
    print(f"\n4c. DynamoDB calls per message sent during 4a (botocore before-call.dynamodb events)")
    print(f"   {'operation':18} {'calls':>6} {'per msg':>8} {'expected':>9}  why")
    counts = Counter(calls)
    for op in list(expected) + [op for op in counts if op not in expected]:
        want, why = expected.get(op, (0, "unexpected"))
        print(f"   {op:18} {counts.get(op, 0):>6,} {counts.get(op, 0) / max(sent, 1):>8.3f} {want:>9,}  {why}")
    scans = [op for op in counts if op.startswith("Scan")]
    ok = per_message <= OUTBOX_CALLS_GOAL and not scans
    print(f"   >> {len(calls):,} calls / {sent:,} sent = {per_message:.2f} per message   goal <= {OUTBOX_CALLS_GOAL:g},"
          f" no Scan   {_verdict(ok)}")

    print(f"\n   Peak memory (max RSS) of the outbox process: {r['rss_end_mb']:.1f} MB   information")
    print(f"   (after provisioning {r['rss_setup_mb']:.1f} MB, after 4a {r['rss_a_mb']:.1f} MB;"
          f" moto holds every message, so it overstates a Lambda)")


# --------------------------------------------------------------------------- 5. workshops

LA_ORG = "E09000033"  # Westminster, in the seeded directory
REGISTER_GOAL = "1 TransactWriteItems + <=1 read"
NO_SCAN = "no Scan (calls: information)"
# Bench-only: the workshop emails carry signed links (decline, feedback), and prod's configuration leaves the key
# to the deployment.
BENCH_LINK_KEY = "bench-only-link-signing-key-not-a-secret-0123456789"
HTTP_CLIENTS = 20
HTTP_RUN_DEADLINE_S = 20.0  # per run: clients stop taking new registrations after this (keeps 5b under ~60 s)


def _register_meets(calls: list[str]) -> bool:
    """Exactly one TransactWriteItems and at most one read, which is a TransactGetItems."""
    others = [c for c in calls if c != "TransactWriteItems"]
    return calls.count("TransactWriteItems") == 1 and len(others) <= 1 and all(c == "TransactGetItems"
                                                                               for c in others)


def _workshop_body(title: str, allocations: tuple[int, int, int], days_ahead: int = 30) -> dict[str, Any]:
    """A workshop as an admin schedules it (three sessions, registration open now)."""
    from datetime import timedelta

    now = _dt.datetime.now(_dt.timezone.utc)
    start = (now + timedelta(days=days_ahead)).date()
    la, cafcass, adcs = allocations
    return {
        "title": title, "description": "Bench workshop", "host_org": LA_ORG, "region": "london",
        "venue": "Civic Centre, Room 2",
        "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=1)), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=8)), "start": "09:30", "end": "13:00"}],
        "places": {"capacity": la + cafcass + adcs,
                   "allocations": {"la-social-worker": la, "cafcass": cafcass, "adcs-partner": adcs}},
        "registration_opens_at": (now - timedelta(days=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=days_ahead - 2)).isoformat(),
        "cancellation_deadline": (now + timedelta(days=days_ahead - 1)).isoformat(),
    }


def _person(tag: str, organisation: str = LA_ORG, group: str = "la-social-worker") -> dict[str, Any]:
    return {"name": f"Bench Person {tag}", "email": f"bench.{tag}@westminster.example.org",
            "organisation": organisation, "group": group, "job_title": "Social worker",
            "access_needs": "Hearing loop", "dietary_needs": "Vegan"}


def _admin_call(ctx: Context, method: str, path: str, body: Any = None) -> Any:
    """An uncounted admin request of a setup or a detail."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {ctx.token_for(ADMIN)}"}
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    response = ctx.http.request(method, path, headers=headers, body=data)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.body[:200]!r}")
    return json.loads(response.body) if response.body else None


WS_CREATE = "POST /workshops (admin create)"
WS_REGISTER = "POST /workshops/{id}/registrations"


def _ws_id(ctx: Context) -> str:
    return str(ctx.json(WS_CREATE)["id"])


def _publish_and_more(ctx: Context) -> None:
    """Publish the created workshop (1 LA place, 1 Cafcass) and 4 more, so the listing has a page to show."""
    _admin_call(ctx, "POST", f"/workshops/{_ws_id(ctx)}/status", {"status": "published"})
    for n in range(4):
        other = _admin_call(ctx, "POST", "/workshops", _workshop_body(f"Bench listing {n}", (10, 10, 5), 40 + n))
        _admin_call(ctx, "POST", f"/workshops/{other['id']}/status", {"status": "published"})


def _listed(ctx: Context, response: Any) -> tuple[str, bool]:
    items = json.loads(response.body)["items"]
    return f"{len(items)} workshops on the page", _ws_id(ctx) in [w["id"] for w in items]


def _registered_as(expected: str) -> Callable[[Context, Any], tuple[str, bool]]:
    def detail(ctx: Context, response: Any) -> tuple[str, bool]:
        body = json.loads(response.body)
        position = f", position {body['waiting_position']}" if body.get("waiting_position") else ""
        return f"{body.get('status')}{position}", body.get("status") == expected
    return detail


def _cancel_path(ctx: Context) -> str:
    return f"/workshops/{_ws_id(ctx)}/registrations/{ctx.json(WS_REGISTER + ' (place free)')['id']}"


def _cancelled_and_promoted(ctx: Context, response: Any) -> tuple[str, bool]:
    status = json.loads(response.body).get("status")
    waiter = ctx.json(WS_REGISTER + " (waiting list)")["id"]
    promoted = _admin_call(ctx, "GET", f"/workshops/{_ws_id(ctx)}/registrations/{waiter}")["status"]
    return f"{status}; the waiting person is now {promoted}", status == "cancelled" and promoted == "confirmed"


def _exported(ctx: Context, response: Any) -> tuple[str, bool]:
    lines = response.body.decode("utf-8").lstrip("\ufeff").splitlines()
    return f"{len(lines) - 1} rows + header", len(lines) - 1 == 2


WORKSHOP_USE_CASES: list[UseCase] = [
    UseCase(WS_CREATE, method="POST", path="/workshops", role=ADMIN, status=201, max_calls=None,
            body=lambda ctx: _workshop_body("Bench workshop", (1, 1, 0)), goal=NO_SCAN),
    UseCase("GET /workshops (upcoming, limit 20)", path="/workshops?limit=20", role=READER, max_calls=None,
            setup=_publish_and_more, detail=_listed, goal=NO_SCAN),
    UseCase(WS_REGISTER + " (place free)", method="POST", role=ADMIN, status=201, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations", body=_person("a"),
            goal=REGISTER_GOAL, meets=_register_meets, detail=_registered_as("confirmed")),
    UseCase(WS_REGISTER + " (waiting list)", method="POST", role=ADMIN, status=201, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations", body=_person("b"),
            goal=REGISTER_GOAL, meets=_register_meets, detail=_registered_as("waiting")),
    UseCase("DELETE /workshops/{id}/registrations/{rid} (promotes)", method="DELETE", role=ADMIN, max_calls=None,
            path=_cancel_path, detail=_cancelled_and_promoted, goal=NO_SCAN),
    UseCase("GET /workshops/{id}/registrations.csv", role=ADMIN, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations.csv", detail=_exported, goal=NO_SCAN),
]


def workshops_worker(out: Path) -> None:
    """Child process (5a): moto in process with tools.moto_patches, provision, serve the workshop use cases."""
    counter = _install_counter()
    started = time.perf_counter()
    with _in_process_app(counter, patched=True) as (http, token_for):
        setup_s = time.perf_counter() - started
        rows = _serve(Context(http=http, token_for=token_for), WORKSHOP_USE_CASES, counter)
    out.write_text(json.dumps({"rows": rows, "setup_s": setup_s}))


def _local_environment() -> dict[str, str]:
    """For 5b: the environment ``make run`` has (its own stage settings come from running_stack), without the
    developer's AWS configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update({"PYTHONPATH": str(ROOT), "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CONNECTION_ATTEMPTS = 4


def _http(url: str, method: str, path: str, token: str, body: Any = None,
          dropped: list[str] | None = None) -> tuple[int, Any]:
    """One request with urllib: (status, JSON body or None).

    A connection the server resets or drops without any response (``chalice local`` listens with
    socketserver's backlog of 5, which 20 clients opening a connection per request overflow) is tried again,
    up to CONNECTION_ATTEMPTS times, and noted in ``dropped``. Trying a registration again cannot hide a double
    one: had the first attempt been applied, the next would be a 409 already_registered.
    """
    import http.client
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    for attempt in range(CONNECTION_ATTEMPTS):
        request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
            break
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
            break
        except (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            if dropped is not None:
                dropped.append(type(reason).__name__)
            if attempt == CONNECTION_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def _registrant(run: str, i: int) -> dict[str, Any]:
    """Distinct people, groups 2:2:1 (LA social workers from the 33 London boroughs, Cafcass, ADCS)."""
    email = f"bench.{run}.{i}@example.org"
    if i % 5 in (0, 1):
        org, group = f"E09{(i % 33) + 1:06d}", "la-social-worker"
    elif i % 5 in (2, 3):
        org, group = "CAFCASS", "cafcass"
    else:
        org, group = "ADCS", "adcs-partner"
    return {"name": f"Bench Person {i}", "email": email, "organisation": org, "group": group,
            "job_title": "Practitioner"}


def _registration_run(url: str, token: str, run: str, allocations: tuple[int, int, int], n: int) -> dict[str, Any]:
    """Create and publish a workshop, then ``n`` registrations from HTTP_CLIENTS threads; read the counts back."""
    import threading

    status, created = _http(url, "POST", "/workshops", token, _workshop_body(f"Bench {run}", allocations))
    if status != 201:
        raise RuntimeError(f"create: HTTP {status} {created}")
    workshop_id = created["id"]
    status, body = _http(url, "POST", f"/workshops/{workshop_id}/status", token, {"status": "published"})
    if status != 200:
        raise RuntimeError(f"publish: HTTP {status} {body}")
    lock = threading.Lock()
    next_index = iter(range(n))
    results: list[tuple[float, int, str]] = []  # (latency s, HTTP status, registration status or error code)
    dropped: list[str] = []  # connections dropped without a response, tried again
    start_barrier = threading.Barrier(HTTP_CLIENTS + 1)
    deadline = [0.0]

    def client() -> None:
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                code, reply = _http(url, "POST", f"/workshops/{workshop_id}/registrations", token, _registrant(run, i),
                                    dropped)
                what = (reply or {}).get("status") if code == 201 else \
                    str(((reply or {}).get("error") or {}).get("code") or (reply or {}).get("message") or "")
            except Exception as exc:  # a dropped connection counts as a non-201
                code, what = 0, type(exc).__name__
            with lock:
                results.append((time.perf_counter() - t0, code, str(what)))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(HTTP_CLIENTS)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + HTTP_RUN_DEADLINE_S
    start_barrier.wait()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    status, after = _http(url, "GET", f"/workshops/{workshop_id}", token)
    groups = (after or {}).get("groups", {})
    return {"run": run, "capacity": sum(allocations), "planned": n, "seconds": seconds,
            "latencies": [r[0] for r in results], "statuses": [r[1] for r in results],
            "outcomes": dict(Counter(f"{code} {what}" for _, code, what in results)),
            "dropped": dict(Counter(dropped)),
            "after_status": status, "confirmed": sum(g.get("confirmed", 0) for g in groups.values()),
            "waiting": sum(g.get("waiting", 0) for g in groups.values())}


def _emf_counts(log: Path, offset: int) -> dict[str, float]:
    """Registration* counters in the EMF lines (Powertools metrics) chalice local wrote after ``offset``."""
    totals: Counter[str] = Counter()
    with log.open("rb") as f:
        f.seek(offset)
        for line in f:
            if not line.startswith(b"{") or b"Registration" not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            for name, value in record.items():
                if name.startswith("Registration"):
                    totals[name] += sum(value) if isinstance(value, list) else value
    return dict(totals)


def workshops_http_worker(out: Path) -> None:
    """Child process (5b): the local stack as ``make run`` starts it, then concurrent registrations over HTTP."""
    import boto3

    from tools import provision
    from tools.local_stack import running_stack

    result: dict[str, Any] = {"runs": []}
    big = int(os.environ.get("BENCH_WORKSHOP_REGISTRATIONS") or 600)
    small = int(os.environ.get("BENCH_WORKSHOP_WAITING_REGISTRATIONS") or 150)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp, \
            running_stack(_free_port(), log_path=Path(tmp) / "stack.log",
                          extra_env={"LOCAL_MAIL_DIR": str(Path(tmp) / "mail")}) as stack:
        result["start_s"] = time.perf_counter() - started
        idp = boto3.client("cognito-idp", region_name=provision.REGION, endpoint_url=stack.aws_endpoint,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        token = provision.sign_in(idp, stack.identity.client_id, provision.DEMO_USERS[ADMIN][0])
        log = Path(tmp) / "stack.log"
        for run, allocations, n in (("large", (400, 400, 200), big), ("small", (12, 12, 6), small)):
            offset = log.stat().st_size
            figures = _registration_run(stack.api_url, token, run, allocations, n)
            time.sleep(0.3)  # the last requests' metrics lines
            figures["metrics"] = _emf_counts(log, offset)
            result["runs"].append(figures)
    result["wall_s"] = time.perf_counter() - started
    out.write_text(json.dumps(result))


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))] if ordered else float("nan")


def _run_worker(kind: str, env: dict[str, str], timeout: float) -> tuple[dict[str, Any] | None, float]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / f"{kind}.json"
        started = time.perf_counter()
        proc = subprocess.run(_python("-m", "tools.bench", "--worker", kind, str(out)), cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not out.exists():
            print(f"   FAILED (exit {proc.returncode}); last stderr:\n{proc.stderr[-3000:]}")
            return None, wall
        return json.loads(out.read_text()), wall


def section_workshops() -> None:
    """Figure 5: the workshop capability's DynamoDB calls per request, and registrations per second over HTTP."""
    print("\n5. Workshops")
    print("\n5a. DynamoDB calls per request (chalice.test.Client, moto in process with tools.moto_patches,"
          " same provisioning as 2./3.)")
    env = {**bench_environment(), "LINK_SIGNING_KEY": BENCH_LINK_KEY}
    result, wall = _run_worker("workshops", env, timeout=300)
    if result is not None:
        print(f"   process wall {wall:.1f} s (moto, tables, Cognito, reference data: {result['setup_s']:.1f} s)")
        by_name = {uc.name: uc for uc in WORKSHOP_USE_CASES}
        w = max(len(uc.name) for uc in WORKSHOP_USE_CASES) + 1
        print(f"   {'use case':{w}} {'HTTP':>4} {'calls':>5}  {'operations':44} {'goal':31} result  [outcome]")
        scans, register_ok = [], []
        for row in result["rows"]:
            uc = by_name[row["name"]]
            calls = row["calls"]
            has_scan = any(c.startswith("Scan") for c in calls)
            if has_scan:
                scans.append(uc.name)
            ok = row["status"] == uc.status and not has_scan and row.get("detail_ok", True)
            if uc.meets is not None:
                ok = ok and uc.meets(calls)
                register_ok.append(ok)
            ops = _describe_calls(calls) + ("  SCAN!" if has_scan else "")
            status = row["status"] if row["status"] is not None else "ERR"
            extra = f"  (expected HTTP {uc.status})" if row["status"] != uc.status else ""
            if row.get("error"):
                extra += f"  {row['error']}"
            if row.get("detail"):
                extra += f"  [{row['detail']}]"
            print(f"   {uc.name:{w}} {status!s:>4} {len(calls):>5}  {ops:44} {uc.goal:31} {_verdict(ok)}{extra}")
        all_ok = bool(register_ok) and all(register_ok)
        print(f"   >> register: goal {REGISTER_GOAL} (the read a TransactGetItems): "
              f"{sum(register_ok)}/{len(register_ok)} use cases meet it   {_verdict(all_ok)}")
        print(f"   >> Scan on a workshop request: {', '.join(scans) if scans else 'none'}   goal: none"
              f"   {_verdict(not scans)}")

    print(f"\n5b. Registrations per second over HTTP: the local stack as `make run` starts it (moto server + chalice"
          f" local + outbox worker), {HTTP_CLIENTS} clients (threads, urllib), a cafcass-admin registering distinct"
          f" people on their behalf (unique emails, groups LA:Cafcass:ADCS 2:2:1)")
    result, wall = _run_worker("workshops-http", _local_environment(), timeout=180)
    if result is None:
        return
    print(f"   process wall {wall:.1f} s (stack start: moto server, provisioning, chalice local healthy:"
          f" {result['start_s']:.1f} s); each run stops taking new work after {HTTP_RUN_DEADLINE_S:.0f} s")
    print(f"   {'workshop':14} {'requests':>8} {'seconds':>7} {'reg/s':>6} {'p50':>10} {'p95':>10} {'non-201':>7}"
          f"  {'confirmed + waiting (GET)':26} {'201s':>5}  result")
    for r in result["runs"]:
        n = len(r["statuses"])
        created = sum(1 for s in r["statuses"] if s == 201)
        non_201 = n - created
        total = r["confirmed"] + r["waiting"]
        consistent = r["after_status"] == 200 and total == created
        ok = non_201 == 0 and consistent and n == r["planned"]
        label = f"{r['capacity']} places"
        print(f"   {label:14} {n:>8} {r['seconds']:>7.1f} {n / r['seconds']:>6.1f}"
              f" {_ms(_percentile(r['latencies'], 50))} {_ms(_percentile(r['latencies'], 95))} {non_201:>7}"
              f"  {r['confirmed']:>5} + {r['waiting']:>4} = {total:>5}  {'==' if consistent else '!='} {created:>5}"
              f"  {_verdict(ok)}")
        outcomes = ", ".join(f"{k.strip()} {v}" for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]))
        cut = "" if n == r["planned"] else f"; DEADLINE reached after {n} of {r['planned']} planned"
        dropped = ", ".join(f"{k} {v}" for k, v in r["dropped"].items()) or "none"
        metrics = r.get("metrics", {})
        print(f"   {'':14} responses: {outcomes}{cut}")
        print(f"   {'':14} connections dropped before any response, tried again: {dropped};"
              f" service-side retries (RegistrationRetry): >= {metrics.get('RegistrationRetry', 0):.0f}")
    print("   goal: every planned request answered 201 (a 409 try_again would show contention), and the workshop's"
          " confirmed + waiting (GET /workshops/{id}) equal to the 201s")
    print("   (dropped connections: `chalice local` listens with socketserver's backlog of 5 and urllib opens a"
          " connection per request; a retried registration that had been applied would come back 409.")
    print("    Retries are counted from the EMF metrics chalice local writes, a lower bound: its threads share one"
          " metrics buffer. Joins to one group's waiting list are serialised by the condition on its count.)")
    print("   (moto serialises every AWS call and shares the machine with chalice local, the outbox worker and the"
          " clients: a figure to compare between revisions, not a Lambda prediction)")


SECTIONS: list[Callable[[], None]] = [section_imports, section_requests, section_outbox,
                                      section_workshops]


def main(argv: list[str] | None = None) -> int:
    """Print every figure (always exits 0 unless the tool itself breaks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=[s.__name__.removeprefix("section_") for s in SECTIONS],
                        help="run one section")
    args = parser.parse_args(argv)
    if args.worker:
        kind, out = args.worker
        workers = {"requests": requests_worker, "outbox": outbox_worker, "workshops": workshops_worker,
                   "service-memory": service_memory_worker,
                   "workshops-http": workshops_http_worker}
        if kind not in workers:
            parser.error(f"unknown worker {kind}")
        workers[kind](Path(out))
        return 0
    started = time.perf_counter()
    _header()
    for section in SECTIONS:
        if args.only and section.__name__ != f"section_{args.only}":
            continue
        try:
            section()
        except Exception as exc:  # a broken section is reported, the others still run
            print(f"   section {section.__name__} FAILED: {type(exc).__name__}: {exc}")
    print(f"\nbench finished in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
