"""The independent implementations the sign-in and launch tests talk to, each its own process
on loopback: an OpenID Connect provider (the npm package oidc-provider, tests/oidc_provider/)
and a SMART EHR stand-in (tests/smart_ehr/ehr.py). Ports: AMPS_TEST_PORTS ("8170-8189") when
set, else free ones."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import Process, free_port

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_DIR = ROOT / "tests" / "oidc_provider"
_taken: set[int] = set()


def test_port() -> int:
    ports = os.environ.get("AMPS_TEST_PORTS", "")
    if ports:
        low, _, high = ports.partition("-")
        for port in range(int(low), int(high or low) + 1):
            if port not in _taken:
                try:
                    with socket.create_server(("127.0.0.1", port)):
                        pass
                except OSError:
                    continue
                _taken.add(port)
                return port
        raise RuntimeError(f"no free port in AMPS_TEST_PORTS={ports}")
    return free_port()


def _wait_for(url: str, process: Process) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.popen.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not come up:\n{process.output()}")


def node_modules_ready() -> None:
    """`npm ci` the provider's pinned packages when they are missing; without npm the test is
    skipped with the reason, except in CI (CI=true), where .ci/run installs it."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI"):
            pytest.fail("npm is needed for the OpenID Connect provider (apt-get install npm)")
        pytest.skip("npm not found: the OpenID Connect provider (oidc-provider) cannot run")
    subprocess.run(  # noqa: S603
        [npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True, timeout=600
    )


def start_oidc_provider(tmp_path: Path, config: dict) -> tuple[Process, str]:
    node_modules_ready()
    port = test_port()
    path = tmp_path / "oidc-provider.json"
    path.write_text(json.dumps(config))
    process = Process(
        [shutil.which("node") or "node", str(PROVIDER_DIR / "provider.mjs"), str(port), str(path)],
        {**os.environ, "NODE_ENV": "test"},
        tmp_path / "oidc-provider.log",
    )
    issuer = f"http://127.0.0.1:{port}"
    _wait_for(f"{issuer}/.well-known/openid-configuration", process)
    return process, issuer


def start_smart_ehr(tmp_path: Path, config: dict) -> tuple[Process, str]:
    port = test_port()
    path = tmp_path / "smart-ehr.json"
    path.write_text(json.dumps(config))
    process = Process(
        [sys.executable, "tests/smart_ehr/ehr.py", str(port), str(path)],
        {**os.environ},
        tmp_path / "smart-ehr.log",
    )
    iss = f"http://127.0.0.1:{port}/fhir"
    _wait_for(f"{iss}/.well-known/smart-configuration", process)
    return process, iss
