"""The local Neo4j Community server: fetch from Maven Central, configure, start, stop, status.

Neo4j is not on PyPI or in Debian, but Maven Central has the whole Community edition as
``org.neo4j:neo4j`` with its dependencies. We resolve it once with Maven into a cache
outside the clone (``~/.cache/cluegraph/neo4j-VERSION/lib``), then run the server entry
point ``org.neo4j.server.CommunityEntryPoint`` with a generated ``neo4j.conf`` whose data
and logs live under ``.cluegraph/`` and whose listeners are bound to loopback only.

Authentication stays on. The first start generates a random password, sets it with the
server's own admin tool before the store is created, and keeps it in
``.cluegraph/neo4j-password`` with mode 0600.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from graph.config import Settings, get_settings
from graph.errors import ServerError

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
#: Java feature releases a 5.x server runs on. 2025.x and later need 21+.
SUPPORTED_JAVA = {"5": (17, 21)}

JVM_OPTIONS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]

POM_TEMPLATE = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.cluegraph</groupId>
  <artifactId>neo4j-community-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def server(self) -> Path:
        return self.home / "neo4j"

    @property
    def conf_dir(self) -> Path:
        return self.server / "conf"

    @property
    def data(self) -> Path:
        return self.server / "data"

    @property
    def logs(self) -> Path:
        return self.server / "logs"

    @property
    def run(self) -> Path:
        return self.server / "run"

    @property
    def pid_file(self) -> Path:
        return self.run / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def password_file(self) -> Path:
        return self.home / "neo4j-password"


@dataclass
class Status:
    running: bool
    pid: int | None
    uri: str
    version: str | None = None
    edition: str | None = None
    store_bytes: int | None = None
    nodes: int | None = None
    relationships: int | None = None


class LocalServer:
    """One local Neo4j server, its files under ``settings.home``."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.paths = Paths(self.settings.home)

    # ---------------------------------------------------------------- jars
    @property
    def lib_dir(self) -> Path:
        return self.settings.cache_dir / f"neo4j-{self.settings.neo4j_version}" / "lib"

    def ensure_jars(self, echo=print) -> Path:
        """Resolve the server's jars from Maven Central once; return the lib folder."""
        lib = self.lib_dir
        if lib.is_dir() and any(lib.glob("neo4j-server-*.jar")):
            return lib
        mvn = shutil.which("mvn")
        if not mvn:
            raise ServerError(
                "Maven (mvn) is needed once to fetch Neo4j from Maven Central",
                hint="install it, e.g. `apt-get install maven`",
            )
        version = self.settings.neo4j_version
        if not re.fullmatch(r"[0-9][0-9A-Za-z.\-]*", version):
            raise ServerError(f"invalid Neo4j version setting: {version!r}")
        echo(f"Fetching Neo4j Community {version} from Maven Central (once) ...")
        lib.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=lib.parent) as tmp:
            pom = Path(tmp) / "pom.xml"
            pom.write_text(POM_TEMPLATE.format(version=version), encoding="utf-8")
            out = Path(tmp) / "lib"
            proc = subprocess.run(
                [
                    mvn,
                    "-q",
                    "-B",
                    "-f",
                    str(pom),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={out}",
                    "-DincludeScope=runtime",
                ],
                capture_output=True,
                text=True,
                env={**os.environ, **self._java_env()},
            )
            if proc.returncode != 0 or not any(out.glob("neo4j-server-*.jar")):
                tail = (proc.stdout + proc.stderr).strip().splitlines()[-8:]
                raise ServerError(
                    f"Maven could not resolve org.neo4j:neo4j:{version}: " + " | ".join(tail),
                    hint="check the version and that Maven Central is reachable",
                )
            if lib.exists():
                shutil.rmtree(lib)
            out.rename(lib)
        return lib

    # ---------------------------------------------------------------- java
    def java(self) -> Path:
        """A Java runtime this server version supports, or a clear error."""
        major = self.settings.neo4j_version.split(".")[0]
        wanted = SUPPORTED_JAVA.get(major, (21, 25))
        candidates: list[Path] = []
        if self.settings.java_home:
            candidates.append(Path(self.settings.java_home) / "bin" / "java")
        if os.environ.get("JAVA_HOME"):
            candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
        on_path = shutil.which("java")
        if on_path:
            candidates.append(Path(on_path))
        jvm = Path("/usr/lib/jvm")
        if jvm.is_dir():
            candidates += sorted(jvm.glob("*/bin/java"))
        seen: list[str] = []
        for cand in candidates:
            if not cand.exists():
                continue
            v = java_major(cand)
            seen.append(f"{cand} ({v})")
            if v in wanted:
                return cand
        raise ServerError(
            f"Neo4j {self.settings.neo4j_version} needs Java {' or '.join(map(str, wanted))}; "
            f"found: {', '.join(seen) or 'none'}",
            hint=f"install it, e.g. `apt-get install openjdk-{wanted[0]}-jre-headless`, "
            "or set CLUEGRAPH_JAVA_HOME",
        )

    def _java_env(self) -> dict[str, str]:
        try:
            return {"JAVA_HOME": str(self.java().resolve().parent.parent)}
        except ServerError:
            return {}

    # ---------------------------------------------------------------- config
    def write_config(self) -> Path:
        p = self.paths
        for d in (p.conf_dir, p.data, p.logs, p.run, p.server / "import", p.server / "plugins"):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.settings.home, 0o700)
        s = self.settings
        lines = [
            "# Generated by ClueGraph on every start; edit CLUEGRAPH_* settings instead.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
            "server.bolt.tls_level=DISABLED",
            f"server.http.enabled={'true' if s.http_port else 'false'}",
            f"server.http.listen_address=127.0.0.1:{s.http_port or 7474}",
            "server.https.enabled=false",
            f"server.directories.data={p.data}",
            f"server.directories.logs={p.logs}",
            f"server.directories.run={p.run}",
            f"server.directories.import={p.server / 'import'}",
            f"server.directories.plugins={p.server / 'plugins'}",
            "dbms.security.auth_enabled=true",
            "dbms.security.allow_csv_import_from_file_urls=false",
            "dbms.usage_report.enabled=false",
            f"server.memory.heap.initial_size={s.heap}",
            f"server.memory.heap.max_size={s.heap}",
            f"server.memory.pagecache.size={s.pagecache}",
            "db.transaction.timeout=0",
            "db.tx_log.rotation.retention_policy=2 files",
            "db.logs.query.enabled=INFO",
            "db.logs.query.parameter_logging_enabled=false",
        ]
        conf = p.conf_dir / "neo4j.conf"
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return conf

    # ---------------------------------------------------------------- password
    def password(self) -> str | None:
        f = self.paths.password_file
        return f.read_text(encoding="utf-8").strip() if f.exists() else None

    def _set_initial_password(self, java: Path, lib: Path) -> None:
        pw = new_password()
        self.paths.home.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [str(java), "-cp", f"{lib}/*", ADMIN_TOOL, "dbms", "set-initial-password", pw],
            capture_output=True,
            text=True,
            env=self._server_env(),
        )
        if proc.returncode != 0:
            # The admin tool's output can echo its arguments: never show it whole.
            raise ServerError(
                f"could not set the initial Neo4j password (admin tool exit {proc.returncode})",
                hint=f"see {self.paths.logs}",
            )
        f = self.paths.password_file
        fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(pw + "\n")
        os.chmod(f, 0o600)

    def _server_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["NEO4J_HOME"] = str(self.paths.server)
        env["NEO4J_CONF"] = str(self.paths.conf_dir)
        env.pop("NEO4J_PASSWORD", None)
        return env

    # ---------------------------------------------------------------- process
    def pid(self) -> int | None:
        f = self.paths.pid_file
        if not f.exists():
            return None
        try:
            pid = int(f.read_text().strip())
        except ValueError:
            return None
        return pid if _alive(pid) and _is_neo4j(pid) else None

    def start(self, echo=print, timeout: float = 180.0) -> Status:
        """Start the server if it is not running; wait until Bolt answers."""
        if self.settings.remote:
            raise ServerError(
                "NEO4J_URI is set: ClueGraph uses that server and does not start its own",
                hint="unset NEO4J_URI to use the local server",
            )
        running = self.pid()
        if running:
            echo(f"Neo4j already running (pid {running}) at {self.settings.local_uri}")
            return self.status()
        java = self.java()
        lib = self.ensure_jars(echo=echo)
        if _port_busy(self.settings.bolt_port):
            raise ServerError(
                f"port 127.0.0.1:{self.settings.bolt_port} is already in use",
                hint="stop what uses it, or set CLUEGRAPH_BOLT_PORT",
            )
        self.write_config()
        if self.password() is None:
            if (self.paths.data / "databases").exists():
                raise ServerError(
                    f"the store in {self.paths.data} exists but its password file is missing",
                    hint="`cluegraph db reset --hard --yes` recreates the local store",
                )
            self._set_initial_password(java, lib)
        s = self.settings
        cmd = [
            str(java),
            f"-Xms{s.heap}",
            f"-Xmx{s.heap}",
            *JVM_OPTIONS,
            "-cp",
            f"{lib}/*",
            ENTRY_POINT,
            f"--home-dir={self.paths.server}",
            f"--config-dir={self.paths.conf_dir}",
        ]
        log = open(self.paths.console_log, "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self._server_env(),
            start_new_session=True,
        )
        log.close()
        self.paths.pid_file.write_text(str(proc.pid))
        echo(f"Starting Neo4j {s.neo4j_version} (pid {proc.pid}) on {s.local_uri} ...")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.paths.pid_file.unlink(missing_ok=True)
                raise ServerError(
                    f"Neo4j exited with status {proc.returncode} during start: " + self._log_tail(),
                    hint=f"full log: {self.paths.console_log}",
                )
            if _bolt_ready(s.local_uri, self.password() or ""):
                st = self.status()
                echo(f"Neo4j {st.version} ready at {s.local_uri} (data in {self.paths.data})")
                return st
            time.sleep(0.5)
        self.stop(echo=lambda *_: None)
        raise ServerError(
            f"Neo4j did not answer on {s.local_uri} within {timeout:.0f} s",
            hint=f"see {self.paths.console_log}",
        )

    def stop(self, echo=print, timeout: float = 60.0) -> bool:
        """Stop the server and wait for its process to end. Returns whether one ran."""
        pid = self.pid()
        if not pid:
            self.paths.pid_file.unlink(missing_ok=True)
            echo("Neo4j is not running")
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.paths.pid_file.unlink(missing_ok=True)
        echo(f"Neo4j stopped (pid {pid})")
        return True

    def status(self) -> Status:
        from graph import db

        pid = self.pid()
        st = Status(running=pid is not None, pid=pid, uri=self.settings.local_uri)
        st.store_bytes = _dir_size(self.paths.data) if self.paths.data.exists() else None
        if pid:
            info = db.server_info(db.get_driver(self.settings))
            st.version, st.edition = info["version"], info["edition"]
            st.nodes, st.relationships = info["nodes"], info["relationships"]
        return st

    def wipe_store(self) -> None:
        """Delete the local store and its password (the server must be stopped)."""
        if self.pid():
            raise ServerError("stop the server first", hint="`cluegraph db stop`")
        shutil.rmtree(self.paths.data, ignore_errors=True)
        self.paths.password_file.unlink(missing_ok=True)

    def _log_tail(self, n: int = 5) -> str:
        try:
            lines = self.paths.console_log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        keep = [ln for ln in lines if "ERROR" in ln or "Exception" in ln] or lines
        return " | ".join(keep[-n:])


def new_password() -> str:
    """A random password for the local server's ``neo4j`` user. It never starts with
    ``-``: the admin tool takes its argument as an option then and exits with a usage
    error (64), which made one server start in 64 fail at random."""
    return "p" + secrets.token_urlsafe(24)


def java_major(java: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0): look at its state.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _is_neo4j(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid file
    return ENTRY_POINT.encode() in cmdline


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _bolt_ready(uri: str, password: str) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

    try:
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as d:
            d.verify_connectivity()
            d.execute_query("RETURN 1", database_="neo4j")
        return True
    except AuthError as e:
        raise ServerError(
            "the local server refused the stored password",
            hint="`cluegraph db reset --hard --yes` recreates the local store",
        ) from e
    except (ServiceUnavailable, Neo4jError, OSError):
        return False


def _dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += (Path(root) / f).stat().st_size
            except OSError:
                pass
    return total
