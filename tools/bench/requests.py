"""Figures 2 and 3: the API use cases served in one process (moto in process); memory and DynamoDB calls."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tools.bench.common import UseCase, bench_environment, max_rss_kb, run_worker, verdict
from tools.bench.memory import print_peak_memory
from tools.bench.serving import in_process_app, install_counter, serve, table_lines
from tools.bench.use_cases import USE_CASES


def requests_worker(out: Path) -> None:
    """Child process: moto in process, provision, serve every use case, write the figures to ``out``."""
    counter = install_counter()
    started = time.perf_counter()
    with in_process_app() as ctx:
        setup_s = time.perf_counter() - started
        rows = serve(ctx, USE_CASES, counter)
    out.write_text(json.dumps({"rows": rows, "setup_s": setup_s, "maxrss_kb": max_rss_kb()}))


def _goal_text(uc: UseCase) -> str:
    if uc.max_calls is None:
        return f">={uc.min_calls}, no Scan"
    if uc.min_calls == uc.max_calls:
        return f"={uc.max_calls}, no Scan"
    return f"<={uc.max_calls}, no Scan"


def section_requests() -> None:
    """Figures 2 and 3: one process serves every use case; memory and DynamoDB calls."""
    print("\n2./3. API use cases in one process (chalice.test.Client, moto in process, stage=bench)")
    result, wall, _ = run_worker("requests", bench_environment(), timeout=300)
    if result is None:
        return
    print(f"   process wall {wall:.1f} s (moto, tables, Cognito, reference data: {result['setup_s']:.1f} s)")
    print_peak_memory(in_process_mb=result["maxrss_kb"] / 1024)
    print("\n3. DynamoDB calls per request (botocore before-call.dynamodb events)")
    w = max(len(uc.name) for uc in USE_CASES) + 1
    print(f"   {'use case':{w}} {'HTTP':>4} {'calls':>5}  {'operations':36} {'goal':14} result")
    lines = table_lines(result["rows"], USE_CASES)
    met = 0
    for line in lines:
        uc, calls, extra = line.uc, line.calls, line.extra
        ok = (line.row["status"] == uc.status and not line.has_scan and len(calls) >= uc.min_calls
              and (uc.max_calls is None or len(calls) <= uc.max_calls))
        met += ok
        if uc.note and not line.row.get("error"):
            extra += f"  ({uc.note})"
        print(f"   {uc.name:{w}} {line.status:>4} {len(calls):>5}  {line.ops:36} {_goal_text(uc):14}"
              f" {verdict(ok)}{extra}")
    scans = [line.uc.name for line in lines if line.has_scan]
    print(f"   >> {met}/{len(lines)} use cases meet their goal; Scan on a request path: "
          f"{', '.join(scans) if scans else 'none'}   goal: none   {verdict(not scans)}")
