"""Local worker pool: its workers end with the search that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited (nobody has reaped it yet)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_the_search_is_killed():
    # a search killed with kill -9 cannot shut its pool down: its workers used to wait for work forever
    script = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from evo_cosearch.engine.parallel import PoolAccuracy
        from evo_cosearch.evaluate import ProxyAccuracy
        from evo_cosearch.problem import load_problem
        if __name__ == "__main__":
            p = load_problem({str(ROOT / "problems" / "demo_digits.yaml")!r})
            pool = PoolAccuracy(ProxyAccuracy(p), 2)
            pool(np.array([p.space.xl] * 4))
            print(*pool._pool._processes, flush=True)
            time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(w) for w in proc.stdout.readline().split()]
        assert len(pids) == 2 and all(map(_alive, pids))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left
