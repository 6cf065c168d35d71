from pathlib import Path

import pytest

from deploy.local.java import JavaNotFound, find_java_home


def _jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return home


def test_an_explicit_jdk_21_or_newer_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    home = _jdk(tmp_path, "temurin-25", "25.0.1")
    assert find_java_home(home) == home.resolve()


def test_an_old_jdk_is_refused_with_what_was_seen(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_jdk(tmp_path, "jdk17", "17.0.15")))
    monkeypatch.setattr(
        "deploy.local.java.Path", lambda p: tmp_path / "none" if p == "/usr/lib/jvm" else Path(p)
    )
    with pytest.raises(JavaNotFound, match="jdk17 \\(17\\)"):
        find_java_home()
