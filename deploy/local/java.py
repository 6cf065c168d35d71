"""Find a JDK that runs all three servers (Elasticsearch 9 needs Java 21 or newer)."""

import os
import re
from pathlib import Path

MIN_JAVA = 21


class JavaNotFound(RuntimeError):
    pass


def _major(home: Path) -> int | None:
    release = home / "release"
    if not (home / "bin" / "java").exists() or not release.exists():
        return None
    match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
    return int(match.group(1)) if match else None


def find_java_home(explicit: Path | None = None) -> Path:
    """The configured JDK, else JAVA_HOME, else the newest JDK >= 21 under /usr/lib/jvm."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(explicit)
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        candidates.extend(sorted(jvm.iterdir(), key=lambda p: _major(p) or 0, reverse=True))
    for home in candidates:
        major = _major(home)
        if major is not None and major >= MIN_JAVA:
            return home.resolve()
    seen = ", ".join(f"{p} ({_major(p) or '?'})" for p in candidates) or "none"
    raise JavaNotFound(
        f"no JDK >= {MIN_JAVA} found (looked at: {seen}); install one (e.g. Temurin 21+) "
        "and set BORDERLINK_STACK_JAVA_HOME"
    )
