"""``make run`` as a tool: ``python -m tools.local_stack`` in a subprocess, as make starts it.

It refuses a port that is already serving before touching the running stack's files, and one SIGTERM or
SIGINT (to its process group, or to it alone) stops every process it started within 5 seconds. Its state
file and mailbox are pointed at a temporary folder (``PARTNERSHIPS_LOCAL_STATE``, ``PARTNERSHIPS_MAIL_DIR``)
so a developer's own ``make run`` is left alone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools.provision import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(port: int, work: Path) -> dict[str, str]:
    return {**os.environ, "PORT": str(port), "PYTHONPATH": str(ROOT),
            "PARTNERSHIPS_LOCAL_STATE": str(work / "local" / "stack.json"),
            "PARTNERSHIPS_MAIL_DIR": str(work / "mail")}


def _is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; zombies count as gone)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if state != "Z":
                parents[int(entry.name)] = int(ppid)
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_second_make_run_on_a_serving_port_refuses_and_touches_nothing(stack, tmp_path):
    port = int(stack.api_url.rsplit(":", 1)[1])
    state = tmp_path / "local" / "stack.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"api_url": "the running stack"}')
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "kept.eml").write_text("Subject: kept\n\n")
    try:
        done = subprocess.run([sys.executable, "-m", "tools.local_stack"], cwd=ROOT, env=_env(port, tmp_path),
                              capture_output=True, text=True, timeout=20, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"a second make run on a busy port did not refuse: {exc.stdout!r}")
    assert done.returncode != 0
    assert f"port {port}" in done.stderr and "already in use" in done.stderr
    assert "is running" not in done.stdout
    assert state.read_text() == '{"api_url": "the running stack"}'  # make token still reaches the running API
    assert (tmp_path / "mail" / "kept.eml").exists()
    with urllib.request.urlopen(f"{stack.api_url}/health", timeout=5) as resp:
        assert resp.status == 200


@pytest.mark.parametrize("how", ["SIGTERM to the process group, forwarded once more as make does",
                                 "SIGINT to the main process alone"])
def test_one_signal_stops_every_process_make_run_started(tmp_path, how):
    port = _free_port()
    state = tmp_path / "local" / "stack.json"
    main = subprocess.Popen([sys.executable, "-m", "tools.local_stack"], cwd=ROOT, env=_env(port, tmp_path),
                            start_new_session=True, stdout=(tmp_path / "run.log").open("wb"),
                            stderr=subprocess.STDOUT)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while not state.exists():  # written once the API answers /health
            assert main.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not start"
            time.sleep(0.2)
        aws_port = int(json.loads(state.read_text())["aws_endpoint"].rsplit(":", 1)[1])
        children = _descendants(main.pid)
        assert len(children) >= 2  # the outbox worker and chalice local
        assert _is_open(port) and _is_open(aws_port)
        # In make's group, so a signal to the group (a supervisor, `kill -- -PGID`, Ctrl-C) reaches each one.
        assert {os.getpgid(child) for child in children} == {main.pid}

        signalled = time.monotonic()
        if how.startswith("SIGTERM"):
            os.killpg(main.pid, signal.SIGTERM)
            time.sleep(0.01)
            os.kill(main.pid, signal.SIGTERM)  # make passes a SIGTERM on to its recipe: a second one arrives
        else:
            os.kill(main.pid, signal.SIGINT)
        while (main.poll() is None or any(_alive(c) for c in children)) and time.monotonic() - signalled < 5:
            time.sleep(0.05)
        assert main.poll() is not None, "make run still running 5 s after the signal"
        assert [c for c in children if _alive(c)] == [], "processes make run started outlived it"
        assert not _is_open(port) and not _is_open(aws_port)
        assert not state.exists()  # make token now says the stack is not running
    finally:
        for pid in [main.pid, *children]:  # whatever a failure left behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        main.wait()
