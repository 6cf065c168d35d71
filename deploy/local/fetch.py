"""Download the three servers from Maven Central into the stack's cache, verified by SHA-1."""

import hashlib
import shutil
import subprocess
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

from borderlink import logs

from .settings import StackSettings

log = logs.get("stack.fetch")


class FetchError(RuntimeError):
    pass


def _get(url: str) -> urllib.request.addinfourl:
    try:
        return urllib.request.urlopen(url, timeout=60)
    except urllib.error.HTTPError as err:
        raise FetchError(f"download failed: HTTP {err.code} for {url}") from err
    except urllib.error.URLError as err:
        raise FetchError(f"download failed: {err.reason} for {url}") from err


# SHA-256 of the default archives, pinned like a lock file: Central publishes no checksum
# for the Elasticsearch integ-test-zip, so a pin is the only way to verify it.
PINNED_SHA256 = {
    "elasticsearch-9.5.4.zip": "d9b0c28e08e499f6510b52ad66ec4bf9cdceab97cc28b3456989b8744b896934",
    "apicurio-registry-app-3.3.3-all.tar.gz": (
        "8bc6751c76d963734224b01d5e7f84ccb3cb61c87d3bd77c36c35f10a5cbed63"
    ),
}


def _expected_digest(url: str, name: str) -> tuple[str, str] | None:
    if name in PINNED_SHA256:
        return "sha256", PINNED_SHA256[name]
    try:
        return "sha1", _get(url + ".sha1").read().decode().split()[0].strip()
    except FetchError:
        return None


def download(url: str, dest: Path) -> Path:
    """Fetch ``url`` to ``dest`` unless already there, verified by pin or Central's SHA-1."""
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    expected = _expected_digest(url, dest.name)
    if expected is None:
        log.warning("no checksum published or pinned; downloading unverified", url=url)
    digest = hashlib.new(expected[0] if expected else "sha256")
    partial = dest.with_suffix(dest.suffix + ".part")
    with (
        _get(url) as response,
        partial.open("wb") as out,
        Progress(
            *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), transient=True
        ) as progress,
    ):
        task = progress.add_task(dest.name, total=int(response.headers.get("Content-Length", 0)))
        while chunk := response.read(1 << 20):
            out.write(chunk)
            digest.update(chunk)
            progress.advance(task, len(chunk))
    if expected and digest.hexdigest() != expected[1]:
        partial.unlink()
        raise FetchError(
            f"{expected[0]} mismatch for {url}: got {digest.hexdigest()}, want {expected[1]}"
        )
    partial.rename(dest)
    log.info("downloaded", url=url, bytes=dest.stat().st_size)
    return dest


def _unzip(archive: Path, into: Path) -> None:
    # zipfile drops Unix modes; restore them so bin/ scripts stay executable.
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, into))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode & 0o7777)


def _unpacked(archive: Path, target: Path, strip_top: bool) -> Path:
    """Unpack once into ``target`` (atomically: a half-unpacked folder is never used)."""
    if target.exists():
        return target
    staging = target.with_name(target.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        _unzip(archive, staging)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(staging, filter="tar")
    root = next(staging.iterdir()) if strip_top else staging
    root.rename(target) if strip_top else staging.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _maven_url(s: StackSettings, group: str, artifact: str, version: str, suffix: str) -> str:
    folder = f"{s.maven_central}/{group.replace('.', '/')}/{artifact}/{version}"
    return f"{folder}/{artifact}-{version}{suffix}"


def elasticsearch_home(s: StackSettings) -> Path:
    v = s.elasticsearch_version
    url = _maven_url(s, "org.elasticsearch.distribution.integ-test-zip", "elasticsearch", v, ".zip")
    archive = download(url, s.cache / "downloads" / f"elasticsearch-{v}.zip")
    return _unpacked(archive, s.cache / f"elasticsearch-{v}", strip_top=True)


def registry_home(s: StackSettings) -> Path:
    v = s.registry_version
    url = _maven_url(s, "io.apicurio", "apicurio-registry-app", v, "-all.tar.gz")
    archive = download(url, s.cache / "downloads" / f"apicurio-registry-app-{v}-all.tar.gz")
    return _unpacked(archive, s.cache / f"apicurio-registry-{v}", strip_top=False)


_KAFKA_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.borderlink.stack</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <!-- Kafka 4 logs through log4j2; slf4j 2 so the binding is found -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId>
      <version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>2.24.3</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>
      <version>2.0.17</version></dependency>
  </dependencies>
</project>
"""


def kafka_home(s: StackSettings) -> Path:
    """Kafka is a set of jars, not one archive: let Maven resolve its runtime dependencies."""
    home = s.cache / f"kafka-{s.kafka_version}"
    if (home / "lib" / f"kafka_2.13-{s.kafka_version}.jar").exists():
        return home
    mvn = shutil.which("mvn")
    if not mvn:
        raise FetchError("Maven ('mvn') is needed to fetch Kafka's jars: apt-get install maven")
    home.mkdir(parents=True, exist_ok=True)
    (home / "pom.xml").write_text(_KAFKA_POM.format(version=s.kafka_version))
    staging = home / "lib.part"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("resolving kafka jars with maven", version=s.kafka_version)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
            f"-Dmaven.repo.remote={s.maven_central}",
        ],
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise FetchError(f"maven could not fetch Kafka {s.kafka_version}:\n{result.stdout[-3000:]}")
    staging.rename(home / "lib")
    return home
