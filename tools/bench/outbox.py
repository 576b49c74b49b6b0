"""Figure 4: the outbox sender's throughput, rate limiting and DynamoDB calls per message (moto in process)."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

from tools.bench import service
from tools.bench.common import REGION, bench_environment, max_rss_kb, run_worker, verdict
from tools.bench.goals import OUTBOX_CALLS_GOAL, RATE_DEVIATION_GOAL
from tools.bench.serving import install_counter

OUTBOX_MESSAGES = 2000
OUTBOX_BATCH = 25  # drain()'s default batch size: one Query per batch
# Part b: the rate prod configures (SES_MAX_SEND_RATE, 14/s; BENCH_OUTBOX_RATE overrides it), for as many
# messages as take RATE_SECONDS at that rate (BENCH_OUTBOX_RATE_MESSAGES overrides the count). It must be well
# below the unlimited throughput of part a (about 40/s against moto), or the sender, not the limiter, sets the pace.
RATE_SECONDS = 7.5


def _outbox_message(i: int, run: str) -> Any:
    """A queued service message as the API builds it (template ``service_test``, full context)."""
    to = f"bench.{run}.{i}@example.org"  # distinct recipients
    return service.outgoing_email(
        message_id=f"bench-{run}-{i:05d}", to=to, template="service_test", capability="service",
        context={"recipient_name": f"Bench Person {i}", "recipient_email": to,
                 "requested_at": "23 November 2026 09:00", "has_invitation": False})


def _enqueue(n: int, run: str) -> None:
    """Queue ``n`` messages (BatchWriteItem of the store's own records: setup, not measured)."""
    from datetime import datetime, timezone

    service.queue_outbox((_outbox_message(i, run) for i in range(n)), datetime.now(timezone.utc))


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
    counter = install_counter()
    started = time.perf_counter()

    def rss_mb() -> float:
        return max_rss_kb() / 1024

    from moto import mock_aws

    result: dict[str, Any] = {"messages": OUTBOX_MESSAGES}
    with mock_aws():
        from moto.backends import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID

        from tools import provision

        provision.provision()  # as section 2./3.: tables, SES identity and configuration set, Cognito, seed
        ses_backend = get_backend("ses")[DEFAULT_ACCOUNT_ID][REGION]
        ses_client = service.ses_client()  # created outside the measured windows
        drain = service.sender()  # imported outside them
        result["setup_s"] = time.perf_counter() - started
        result["rss_setup_mb"] = rss_mb()

        # a) unlimited throughput
        t0 = time.perf_counter()
        _enqueue(OUTBOX_MESSAGES, "a")
        result["enqueue_s"] = time.perf_counter() - t0
        sent_before = len(ses_backend.sent_messages)
        counter.take()
        t0 = time.perf_counter()
        drained = drain(0, batch_size=OUTBOX_BATCH)
        result["drain_s"] = time.perf_counter() - t0
        result["calls"] = counter.take()
        result["outcomes"] = dict(drained.outcomes)
        result["ses_sent"] = len(ses_backend.sent_messages) - sent_before
        result["rss_a_mb"] = rss_mb()

        # b) at a set rate, real clock and sleep
        rate = float(os.environ.get("BENCH_OUTBOX_RATE") or service.settings().ses_max_send_rate)
        n = max(2, int(os.environ.get("BENCH_OUTBOX_RATE_MESSAGES") or round(rate * RATE_SECONDS) + 1))
        result["rate_source"] = "BENCH_OUTBOX_RATE" if os.environ.get("BENCH_OUTBOX_RATE") else "SES_MAX_SEND_RATE"
        _enqueue(n, "b")
        timed = TimedSes(ses_client)
        sent_before = len(ses_backend.sent_messages)
        t0 = time.perf_counter()
        limited = drain(rate, ses_client=timed, batch_size=OUTBOX_BATCH)
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
    gaps = [b - a for a, b in pairwise(times)]
    return {"achieved": (len(times) - 1) / span if span > 0 else float("inf"), "span": span, "k": k,
            "peak": peak, "min_gap": min(gaps), "median_gap": statistics.median(gaps)}


def section_outbox() -> None:
    """Figure 4: the outbox sender's throughput, rate limiting and DynamoDB calls per message."""
    print("\n4. Outbox sender: drain() against moto in process (same provisioning as 2./3., stage=bench)")
    r, wall, _ = run_worker("outbox", bench_environment(), timeout=600)
    if r is None:
        return
    n = r["messages"]
    print(f"   process wall {wall:.1f} s (moto, provisioning: {r['setup_s']:.1f} s; queueing {n:,} messages"
          f" with BatchWriteItem, not measured: {r['enqueue_s']:.1f} s)")
    throughput = n / r["drain_s"]
    _print_throughput(r, throughput)
    _print_rate_limit(r, throughput)
    _print_calls(r)
    print(f"\n   Peak memory (max RSS) of the outbox process: {r['rss_end_mb']:.1f} MB   information")
    print(f"   (after provisioning {r['rss_setup_mb']:.1f} MB, after 4a {r['rss_a_mb']:.1f} MB;"
          f" moto holds every message, so it overstates a Lambda)")


def _print_throughput(r: dict[str, Any], throughput: float) -> None:
    """4a."""
    n = r["messages"]
    all_sent = r["outcomes"] == {"sent": n}
    print(f"\n4a. Throughput, rate limit lifted (RateLimiter(0)): {n:,} queued service_test messages,"
          f" distinct recipients")
    print(f"   >> {throughput:.1f} messages/s   ({n:,} in {r['drain_s']:.1f} s, {r['drain_s'] / n * 1000:.1f} ms"
          f" per message, one sender)   information")
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items())) or "none"
    print(f"   outcomes: {outcomes}   goal: all {n:,} sent   {verdict(all_sent)}")
    print(f"   moto SES sent_messages: {r['ses_sent']:,} == {n:,}: {r['ses_sent'] == n}"
          f"   {verdict(r['ses_sent'] == n)}")
    print("   (moto's CPU cost dominates: a figure to compare between revisions, not an AWS prediction)")


def _print_rate_limit(r: dict[str, Any], throughput: float) -> None:
    """4b."""
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
          f"   {verdict(b_ok)}")
    if len(times) < 2:
        return
    f = _rate_figures(times, rate)
    dev = round(f["achieved"] / rate - 1, 4) + 0.0  # + 0.0: no "-0.00%"
    peak_dev = round(f["peak"] / rate - 1, 4) + 0.0
    print(f"   >> achieved {f['achieved']:.2f}/s = ({len(times) - 1} gaps)/({f['span']:.2f} s first to last send)"
          f" vs limit {rate:g}/s: {dev * 100:+.2f}%   goal within ±{RATE_DEVIATION_GOAL * 100:.0f}%"
          f"   {verdict(abs(dev) <= RATE_DEVIATION_GOAL)}")
    print(f"   >> peak over any {f['k']} consecutive gaps (~1 s): {f['peak']:.2f}/s, {peak_dev * 100:+.2f}%"
          f"   goal <= +{RATE_DEVIATION_GOAL * 100:.0f}%   {verdict(peak_dev <= RATE_DEVIATION_GOAL)}")
    print(f"   gaps between sends: median {f['median_gap'] * 1000:.1f} ms, smallest {f['min_gap'] * 1000:.1f} ms,"
          f" limit interval {1000 / rate:.1f} ms   information")
    print("   (a late wake-up shortens the next gap: the limiter keeps to its schedule, it does not drift)")


def _print_calls(r: dict[str, Any]) -> None:
    """4c."""
    n, calls = r["messages"], r["calls"]
    sent = r["outcomes"].get("sent", 0)
    per_message = len(calls) / sent if sent else float("inf")
    batches = -(-n // OUTBOX_BATCH)
    expected = {"Query(due_index)": (batches + 1, f"one per batch of {OUTBOX_BATCH} + the empty one that ends"),
                "UpdateItem": (2 * n, "claim + mark sent"), "BatchGetItem": (n, "suppression check")}
    print("\n4c. DynamoDB calls per message sent during 4a (botocore before-call.dynamodb events)")
    print(f"   {'operation':18} {'calls':>6} {'per msg':>8} {'expected':>9}  why")
    counts = Counter(calls)
    for op in list(expected) + [op for op in counts if op not in expected]:
        want, why = expected.get(op, (0, "unexpected"))
        print(f"   {op:18} {counts.get(op, 0):>6,} {counts.get(op, 0) / max(sent, 1):>8.3f} {want:>9,}  {why}")
    scans = [op for op in counts if op.startswith("Scan")]
    ok = per_message <= OUTBOX_CALLS_GOAL and not scans
    print(f"   >> {len(calls):,} calls / {sent:,} sent = {per_message:.2f} per message   goal <= {OUTBOX_CALLS_GOAL:g},"
          f" no Scan   {verdict(ok)}")
