import subprocess
import sys

from deploy.local import process
from deploy.local.process import Launch


def test_start_records_the_process_and_stop_ends_its_group(tmp_path) -> None:
    launch = Launch(
        name="sleeper",
        argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        cwd=tmp_path,
        env={},
        log_file=tmp_path / "s.log",
        pid_file=tmp_path / "s.pid",
    )
    pid = process.start(launch)
    assert process.running_pid(launch.pid_file) == pid
    assert process.stop(launch.pid_file, timeout_s=10)
    assert process.running_pid(launch.pid_file) is None
    assert not launch.pid_file.exists()


def test_a_stale_pid_file_never_names_another_process(tmp_path) -> None:
    # A pid file whose process ended, even if the pid is reused later, is not "running".
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    pid_file = tmp_path / "x.pid"
    pid_file.write_text(f'{{"pid": {proc.pid}, "start_time": "1"}}')
    assert process.running_pid(pid_file) is None
    assert process.stop(pid_file) is False
