"""The local stack itself: healthy, idempotent, Elasticsearch not running as root."""

import os
from pathlib import Path


def test_up_is_idempotent_and_keeps_the_same_processes(stack) -> None:
    before = {s.name: s.pid for s in stack.status()}
    assert all(s.healthy for s in stack.status())
    stack.up()
    assert {s.name: s.pid for s in stack.status()} == before


def test_elasticsearch_runs_as_an_unprivileged_user(stack) -> None:
    (es,) = [s for s in stack.status() if s.name == "elasticsearch"]
    # the launcher's process group holds the server JVM; all of it must be non-root
    uids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if int(stat[2]) == es.pid:
            uids.append(
                int(
                    next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]
                )
            )
    assert uids, "no process found in Elasticsearch's group"
    if os.geteuid() == 0:
        assert 0 not in uids
