"""Fault injection with real processes: a throwaway PostgreSQL cluster of the test's own (in
a temporary directory, on a port of its own) that a test may freeze (SIGSTOP), thaw, stop and
start again, never touching the shared server. Used by tests/test_faults.py.

Ports: AMPS_FAULT_PORTS="8130-8139" picks ports from that range (a shared machine where each
user has a range); without it, free ports from the system.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.servers import ROOT


def postgres_bin() -> Path | None:
    """The directory of PostgreSQL's server binaries (initdb, postgres), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def free_port(used: set[int] = set()) -> int:  # noqa: B006 - remembers ports handed out
    wanted = os.environ.get("AMPS_FAULT_PORTS", "")
    if wanted:
        first, _, last = wanted.partition("-")
        for port in range(int(first), int(last or first) + 1):
            if port in used:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            used.add(port)
            return port
        raise RuntimeError(f"no free port left in AMPS_FAULT_PORTS={wanted}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user() -> dict:
    """Popen arguments to run a server binary: as the `postgres` user when we are root
    (initdb and postgres refuse to run as root)."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid}


class ThrowawayPostgres:
    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's server binaries were not found")
        # Its own directory under the system's temporary one (a test's tmp_path is private to
        # root, and the server runs as `postgres`); removed by cleanup().
        directory = Path(tempfile.mkdtemp(prefix="amps-fault-pg-"))
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = directory / "postgres.log"
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)
        user = _as_postgres_user()
        if user:
            os.chown(directory, user["user"], user["group"])
        subprocess.run(  # noqa: S603 - PostgreSQL's own initdb
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],  # fmt: skip
            check=True,
            capture_output=True,
            **user,
        )

    def url(self, name: str = "amps") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - PostgreSQL's own server
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.directory}",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
            ],  # fmt: skip
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: frozen and thawed as one
            **_as_postgres_user(),
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(  # noqa: S603
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the throwaway PostgreSQL did not start:\n{self.output()}")

    def freeze(self) -> None:
        """SIGSTOP the server and every backend: connections stay open and nothing answers."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """A fast shutdown (what a restart does): every connection is closed."""
        if self.process is None or self.process.poll() is not None:
            return
        with_suppressed = self.process.pid
        try:
            os.killpg(with_suppressed, signal.SIGCONT)
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(with_suppressed, signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def createdb(self, name: str = "amps") -> None:
        subprocess.run(  # noqa: S603
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
             "postgres", name],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def manage(*args: str, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    """`manage.py ARGS` as a process of its own, on the database in `env`."""
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
