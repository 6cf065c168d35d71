import socket
from pathlib import Path

import pytest

from deploy.local import Stack, StackError, StackSettings


def test_up_refuses_a_port_another_process_holds(tmp_path: Path, monkeypatch) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        stack = Stack(StackSettings(home=tmp_path, cache=tmp_path / "cache", kafka_port=port))
        monkeypatch.setattr("deploy.local.stack.find_java_home", lambda _: tmp_path)
        with pytest.raises(StackError, match=f"port {port} is in use"):
            stack.up()
