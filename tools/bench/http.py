"""Figure 5b: registrations per second over HTTP against the local stack as ``make run`` starts it."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tools.bench.common import ADMIN, isolated_environment, ms, run_worker, verdict
from tools.bench.serving import token_source
from tools.bench.workshops import workshop_body

HTTP_CLIENTS = 20
HTTP_RUN_DEADLINE_S = 20.0  # per run: clients stop taking new registrations after this (keeps 5b under ~60 s)
CONNECTION_ATTEMPTS = 4


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

    status, created = _http(url, "POST", "/workshops", token, workshop_body(f"Bench {run}", allocations))
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
    from tools.local_stack import running_stack

    result: dict[str, Any] = {"runs": []}
    big = int(os.environ.get("BENCH_WORKSHOP_REGISTRATIONS") or 600)
    small = int(os.environ.get("BENCH_WORKSHOP_WAITING_REGISTRATIONS") or 300)  # a popular opening: 300 for 30
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp, \
            running_stack(_free_port(), log_path=Path(tmp) / "stack.log",
                          extra_env={"LOCAL_MAIL_DIR": str(Path(tmp) / "mail")}) as stack:
        result["start_s"] = time.perf_counter() - started
        token = token_source(stack.identity.client_id, endpoint_url=stack.aws_endpoint,
                             aws_access_key_id="testing", aws_secret_access_key="testing")(ADMIN)
        log = Path(tmp) / "stack.log"
        for run, allocations, n in (("large", (400, 400, 200), big), ("small", (12, 12, 6), small)):
            offset = log.stat().st_size
            figures = _registration_run(stack.api_url, token, run, allocations, n)
            time.sleep(0.3)  # the last requests' metrics lines
            figures["metrics"] = _emf_counts(log, offset)
            result["runs"].append(figures)
    result["wall_s"] = time.perf_counter() - started
    out.write_text(json.dumps(result))


def _percentile(values: list[float], q: int) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))] if ordered else float("nan")


def section_registrations() -> None:
    """Figure 5b: registrations per second over HTTP, from HTTP_CLIENTS threads."""
    print(f"\n5b. Registrations per second over HTTP: the local stack as `make run` starts it (moto server + chalice"
          f" local + outbox worker), {HTTP_CLIENTS} clients (threads, urllib), a cafcass-admin registering distinct"
          f" people on their behalf (unique emails, groups LA:Cafcass:ADCS 2:2:1)")
    # The environment `make run` has (its own stage settings come from running_stack).
    result, wall, _ = run_worker("workshops-http", isolated_environment(), timeout=180)
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
              f" {ms(_percentile(r['latencies'], 50))} {ms(_percentile(r['latencies'], 95))} {non_201:>7}"
              f"  {r['confirmed']:>5} + {r['waiting']:>4} = {total:>5}  {'==' if consistent else '!='} {created:>5}"
              f"  {verdict(ok)}")
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
          " metrics buffer. Joins to a waiting list do not condition on each other: they are ordered by arrival.)")
    print("   (moto serialises every AWS call and shares the machine with chalice local, the outbox worker and the"
          " clients: a figure to compare between revisions, not a Lambda prediction)")
