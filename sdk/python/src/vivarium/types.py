"""Plain result objects shared by the sync and async APIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import CommandError, CommandTimeout, ExecFailed


@dataclass
class RunResult:
    """How a command ended, and everything it printed.

    Exactly one of these says how the run ended:

    * ``exit_code`` (0-255): the process exited;
    * ``signal`` (1-64) with ``exit_code`` ``None``: a signal killed it (``timed_out`` is true
      when that was the ``timeout``);
    * ``error`` (a string) with ``exit_code`` and usually ``signal`` ``None``: it never started
      (``error_code`` ``"exec_failed"``, ``"bad_user"``) or was lost (``"lost"``).
    """

    sandbox: str
    run: int
    argv: list[str]
    exit_code: int | None = None
    signal: int | None = None
    error: str | None = None
    error_code: str | None = None
    stdout_bytes: bytes = b""
    stderr_bytes: bytes = b""
    started: str | None = None
    ended: str | None = None
    output_bytes: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def stdout(self) -> str:
        """stdout decoded as UTF-8 (invalid bytes replaced)."""
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        """stderr decoded as UTF-8 (invalid bytes replaced)."""
        return self.stderr_bytes.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.exit_code == 0

    @property
    def timed_out(self) -> bool:
        return self.error_code == "timeout"

    def check(self) -> "RunResult":
        """Return self when the command exited 0, else raise a :class:`CommandError`."""
        if self.exit_code == 0:
            return self
        what = " ".join(self.argv)
        if len(what) > 80:
            what = what[:77] + "..."
        if self.error_code == "timeout":
            raise CommandTimeout("timeout", f"{what!r} {self.error}", self)
        if self.error is not None:
            cls = ExecFailed if self.error_code in ("exec_failed", "bad_user") else CommandError
            raise cls(self.error_code or "run_failed", f"{what!r}: {self.error}", self)
        if self.signal:
            raise CommandError("killed", f"{what!r} was killed by signal {self.signal}", self)
        raise CommandError("exit_status", f"{what!r} exited with status {self.exit_code}", self)

    @classmethod
    def _from_exit(cls, msg: dict[str, Any], stdout: bytes, stderr: bytes) -> "RunResult":
        return cls(
            sandbox=msg.get("sandbox", ""),
            run=int(msg.get("run", 0)),
            argv=list(msg.get("argv", [])),
            exit_code=msg.get("exit_code"),
            signal=msg.get("signal") or None,
            error=msg.get("error"),
            error_code=msg.get("error_code") or (None if msg.get("error") is None else "error"),
            stdout_bytes=stdout,
            stderr_bytes=stderr,
            started=msg.get("started"),
            ended=msg.get("ended"),
            output_bytes=int(msg.get("output_bytes", 0)),
            raw={k: v for k, v in msg.items() if k not in ("type", "channel")},
        )


@dataclass
class FileInfo:
    """A file in a sandbox (from ``files.stat`` or ``files.list``).

    ``type`` is ``"file"``, ``"dir"``, ``"symlink"`` or ``"other"`` (``"unknown"`` when the
    service did not say); ``mode`` holds the
    permission bits (``st_mode & 0o7777``); ``mtime`` is in unix seconds; ``target`` is set
    for symlinks.
    """

    name: str
    path: str
    type: str
    size: int = 0
    mode: int = 0
    mtime: int = 0
    uid: int = 0
    gid: int = 0
    target: str | None = None

    @property
    def is_dir(self) -> bool:
        return self.type in ("dir", "directory")

    @property
    def is_file(self) -> bool:
        return self.type == "file"

    @property
    def is_symlink(self) -> bool:
        return self.type == "symlink"

    @classmethod
    def _from_json(cls, o: dict[str, Any], path: str) -> "FileInfo":
        name = o.get("name") or path.rstrip("/").rsplit("/", 1)[-1] or "/"
        # file.stat replies and file.ready carry the file's facts under "stat"; list entries
        # carry them inline.
        path = o.get("path", path)
        if isinstance(o.get("stat"), dict):
            o = o["stat"]
        kind = o.get("type") or "unknown"
        return cls(name=name, path=path, type=kind,
                   size=int(o.get("size", 0)), mode=int(o.get("mode", 0)),
                   mtime=int(o.get("mtime", 0)), uid=int(o.get("uid", 0)),
                   gid=int(o.get("gid", 0)), target=o.get("target"))


@dataclass
class ScopedToken:
    """A token that may use one sandbox only. ``token`` is the secret (shown once)."""

    token: str
    token_id: str
    sandbox: str
    created: str | None = None

    def __repr__(self) -> str:  # keep the secret out of logs
        return f"ScopedToken(token_id={self.token_id!r}, sandbox={self.sandbox!r})"
