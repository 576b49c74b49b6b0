"""``python -m tools.bench``: the header, then every section in order; ``--worker KIND OUT`` runs a section's
child process (the sections start their workers this way, see ``common.run_worker``)."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import tools.bench
from tools.bench import contention, http, imports, memory, outbox, requests, workshops
from tools.bench.common import ROOT

# The sections in the order they print; ``--only NAME`` runs one entry.
SECTIONS: dict[str, list[Callable[[], None]]] = {
    "imports": [imports.section_imports],
    "requests": [requests.section_requests],
    "outbox": [outbox.section_outbox],
    "workshops": [workshops.section_workshops, http.section_registrations],
    "contention": [contention.section_contention],
}

# The child processes the sections start: ``python -m tools.bench --worker KIND OUT`` (OUT: the JSON to write).
WORKERS: dict[str, Callable[[Path], None]] = {
    "requests": requests.requests_worker,
    "service-memory": memory.service_memory_worker,
    "outbox": outbox.outbox_worker,
    "workshops": workshops.workshops_worker,
    "workshops-http": http.workshops_http_worker,
    "contention": contention.contention_worker,
}


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


def main(argv: list[str] | None = None) -> int:
    """Print every figure (always exits 0 unless the tool itself breaks)."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench",
                                     description=(tools.bench.__doc__ or "").splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=list(SECTIONS), help="run one section")
    args = parser.parse_args(argv)
    if args.worker:
        kind, out = args.worker
        if kind not in WORKERS:
            parser.error(f"unknown worker {kind}")
        WORKERS[kind](Path(out))
        return 0
    started = time.perf_counter()
    _header()
    for name, sections in SECTIONS.items():
        if args.only and name != args.only:
            continue
        for section in sections:
            try:
                section()
            except Exception as exc:  # a broken section is reported, the others still run
                print(f"   section {section.__name__} FAILED: {type(exc).__name__}: {exc}")
    print(f"\nbench finished in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
