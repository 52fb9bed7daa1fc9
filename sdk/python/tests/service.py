"""A real vivariumd for the tests, in throw-away XDG directories (like
tests/integration/ServiceFixture.cpp)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll ``condition()`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class Service:
    """Starts ``$VIVARIUM_BIN_DIR/vivariumd`` with its own runtime/data/config directories,
    and points this process's ``VIVARIUM_URL``/``VIVARIUM_TOKEN`` at it."""

    def __init__(self) -> None:
        bin_dir = os.environ.get("VIVARIUM_BIN_DIR")
        if not bin_dir:
            here = Path(__file__).resolve()
            bin_dir = str(here.parents[3] / "build" / "bin")
        self.bin_dir = Path(bin_dir)
        self.dir = Path(tempfile.mkdtemp(prefix="vivarium-sdk-test-"))
        self.runtime = self.dir / "run"
        self.runtime.mkdir(mode=0o700)
        os.chmod(self.runtime, 0o700)
        self.env = dict(os.environ)
        self.env.update({
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_DATA_HOME": str(self.dir / "data"),
            "XDG_CONFIG_HOME": str(self.dir / "config"),
            "VIVARIUM_LISTEN": "127.0.0.1:0",
            "VIVARIUM_ACCEL": "tcg",
        })
        self.env.pop("VIVARIUM_URL", None)
        self.env.pop("VIVARIUM_TOKEN", None)
        self.env.setdefault("VIVARIUM_CACHE_DIR",
                            str(Path.home() / ".local" / "share" / "vivarium"))
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.token = ""
        self._saved_env: dict[str, str | None] = {}

    @property
    def endpoint_file(self) -> Path:
        return self.runtime / "vivarium" / "endpoint"

    @property
    def token_file(self) -> Path:
        return self.dir / "config" / "vivarium" / "token"

    def start(self, timeout: float = 60.0) -> "Service":
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> "Service":
        exe = self.bin_dir / "vivariumd"
        if not exe.exists():
            raise FileNotFoundError(f"{exe} does not exist; build Vivarium or set VIVARIUM_BIN_DIR")
        self.log = open(self.dir / "vivariumd.log", "wb")
        self.proc = subprocess.Popen([str(exe)], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"vivariumd exited with status {self.proc.returncode}:\n"
                                   + self.log_text()[-4000:])
            try:
                url = self.endpoint_file.read_text().strip()
                token = self.token_file.read_text().strip()
            except OSError:
                return None
            return (url, token) if url and len(token) >= 32 else None

        self.url, self.token = wait_for(ready, timeout, "vivariumd's endpoint file")
        for k, v in (("VIVARIUM_URL", self.url), ("VIVARIUM_TOKEN", self.token)):
            self._saved_env[k] = os.environ.get(k)
            os.environ[k] = v
        return self

    def log_text(self) -> str:
        try:
            return (self.dir / "vivariumd.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # our own child only
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if os.environ.get("VIVARIUM_KEEP_TEST_DIR"):
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
