"""Figure 1: cold start, ``import app`` (and app + clients) against ``import boto3`` + a DynamoDB client."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass

from tools.bench.common import REGION, ROOT, bench_environment, ms, python, verdict
from tools.bench.goals import APP_CLIENT_RATIO_GOAL, IMPORT_RATIO_GOAL

APP_IMPORT = "import app"
BASELINE_IMPORT = f'import boto3; boto3.client("dynamodb", region_name="{REGION}")'
# The app does not create its DynamoDB clients at import; its first request does. This side does both.
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


@dataclass
class ImportRun:
    """One fresh-interpreter import."""

    import_s: float
    wall_s: float
    maxrss_kb: int


def _timed_import(stmt: str, env: dict[str, str]) -> ImportRun:
    started = time.perf_counter()
    proc = subprocess.run(python("-c", _TIMED_CHILD.format(stmt=stmt)), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"`{stmt}` failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    data = json.loads(lines[-1][len("BENCH "):])
    return ImportRun(import_s=data["import_s"], wall_s=wall, maxrss_kb=int(data["maxrss_kb"]))


def _importtime(env: dict[str, str]) -> list[tuple[int, int, str]]:
    """(cumulative us, self us, indented module name) of every import of ``import app``, in report order."""
    proc = subprocess.run(python("-X", "importtime", "-c", APP_IMPORT), cwd=ROOT, env=env,
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
    """Figure 1: ``import app`` and app+client against ``import boto3`` + a DynamoDB client."""
    runs = max(1, int(os.environ.get("BENCH_IMPORT_RUNS", "9")))
    env = bench_environment()
    print(f"\n1. Cold start: import time, {runs} fresh interpreters each, interleaved (1 warm-up each discarded)")
    print(f"   app       : {APP_IMPORT}")
    print(f"   baseline  : {BASELINE_IMPORT}")
    print(f"   app+client: {APP_CLIENT_IMPORT}")
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
        print(f"   {name:12} {ms(med(name, 'import_s'))} ({min(imp) * 1000:4.0f}-{max(imp) * 1000:4.0f})"
              f"       {ms(med(name, 'wall_s'))} ({min(wall) * 1000:4.0f}-{max(wall) * 1000:4.0f})"
              f"  {med(name, 'maxrss_kb') / 1024:6.1f} MB")
    ratio = med("app", "import_s") / med("baseline", "import_s")
    wall_ratio = med("app", "wall_s") / med("baseline", "wall_s")
    client_ratio = med("app+client", "import_s") / med("baseline", "import_s")
    print(f"   >> import ratio app/baseline (in process): {ratio:.2f}   goal <= {IMPORT_RATIO_GOAL}"
          f"   {verdict(ratio <= IMPORT_RATIO_GOAL)}")
    print(f"      whole-process wall ratio (information): {wall_ratio:.2f}")
    print(f"   >> app+client/baseline (in process): {client_ratio:.2f}   goal <= {APP_CLIENT_RATIO_GOAL}"
          f"   {verdict(client_ratio <= APP_CLIENT_RATIO_GOAL)}")
    rows = _importtime(env)
    print("   top 10 slowest imports of `import app` (-X importtime, one run; indent = nesting):")
    print(f"   {'cumulative':>12} {'self':>10}  module")
    for cumulative, self_us, name in sorted(rows, reverse=True)[:10]:
        print(f"   {cumulative / 1000:9.1f} ms {self_us / 1000:7.1f} ms  {name}")
    print("   third-party packages (cumulative where first pulled in, includes what they import):")
    packages = [(us, pkg) for us, pkg in _by_package(rows) if pkg not in ("app", "chalicelib")]
    print("   " + ", ".join(f"{pkg} {us / 1000:.0f} ms" for us, pkg in packages[:8]))
