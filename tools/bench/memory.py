"""Figure 2: peak memory of a process holding only the service, after serving every use case of figure 3."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tools.bench import service
from tools.bench.common import ROOT, Context, bench_environment, max_rss_kb, python, run_worker, verdict
from tools.bench.goals import PEAK_RSS_GOAL_MB
from tools.bench.serving import DynamoCalls, serve, token_source
from tools.bench.use_cases import USE_CASES


def service_memory_worker(out: Path) -> None:
    """Child process holding only what a Lambda would: the app and its AWS clients. moto runs as a server in
    another process (``tools.embedded_aws``); tokens are verified against the JWKS it serves, the real path.
    Prod's variables as in 3., but stage ``test``, since the process talks to an emulator."""
    aws = subprocess.Popen(python("-m", "tools.embedded_aws"), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = aws.stdout.readline().strip() if aws.stdout else ""
        from tools import provision

        # Stage `test` (an emulator stage): a deployed stage, as `bench` is, refuses to start with AWS_ENDPOINT_URL.
        env = {**provision.emulator_environment(endpoint), "STAGE": "test"}
        os.environ.update(env)
        identity = provision.provision_in_subprocess({**env, "PYTHONPATH": str(ROOT)})
        os.environ.update(COGNITO_USER_POOL_ID=identity.user_pool_id, COGNITO_CLIENT_IDS=identity.client_id)
        service.settings(reset=True)
        token_for = token_source(identity.client_id)
        with service.test_client() as http:
            rows = serve(Context(http=http, token_for=token_for), USE_CASES, DynamoCalls())
        out.write_text(json.dumps({"rows": rows, "maxrss_kb": max_rss_kb()}))
    finally:
        aws.terminate()
        aws.wait()


def print_peak_memory(in_process_mb: float) -> None:
    """Run the service-only process and print figure 2, then (information) ``in_process_mb``, figure 3's peak."""
    result, _, proc = run_worker("service-memory", bench_environment(), timeout=300, report=False)
    if result is None:
        print(f"\n2. Peak memory: the service-only run FAILED (exit {proc.returncode}): {proc.stderr[-1500:]}")
    else:
        service_mb = result["maxrss_kb"] / 1024
        by_name = {uc.name: uc for uc in USE_CASES}
        served = sum(1 for row in result["rows"] if row.get("status") == by_name[row["name"]].status)
        print(f"\n2. Peak memory (max RSS) of a process holding only the service (the app and its AWS clients,"
              f" moto in another process), after serving all {served} use cases: {service_mb:.1f} MB"
              f"   goal < {PEAK_RSS_GOAL_MB:.0f} MB   {verdict(service_mb < PEAK_RSS_GOAL_MB)}")
    print(f"   (information: with moto and all its data in the same process, as in 3.: {in_process_mb:.1f} MB)")
