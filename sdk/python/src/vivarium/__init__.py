"""Vivarium Python SDK: run code in microVM sandboxes.

    from vivarium import Sandbox
    with Sandbox.create(template="tiny") as sb:
        r = sb.run("echo hi")
        print(r.stdout, r.exit_code)

The synchronous API is here; the asyncio API (same methods, as coroutines) is in
:mod:`vivarium.aio`.
"""

from ._sync import Client, Files, Process, Sandbox
from .errors import (
    Ambiguous,
    AuthError,
    BadRequest,
    BootFailed,
    CommandError,
    CommandTimeout,
    ConnectionFailed,
    ExecFailed,
    Forbidden,
    InvalidState,
    IsADirectory,
    NameTaken,
    NotADirectory,
    NotAFile,
    NotFound,
    PermissionDenied,
    Timeout,
    Unauthorized,
    UnknownTemplate,
    VivariumError,
)
from .types import FileInfo, RunResult, ScopedToken

__version__ = "0.1.0"

__all__ = [
    "Sandbox", "Client", "Files", "Process", "RunResult", "FileInfo", "ScopedToken",
    "VivariumError", "ConnectionFailed", "Unauthorized", "AuthError", "Forbidden", "NotFound",
    "Ambiguous", "InvalidState", "BadRequest", "NameTaken", "UnknownTemplate", "BootFailed",
    "PermissionDenied", "IsADirectory", "NotADirectory", "NotAFile", "Timeout", "CommandError",
    "ExecFailed", "CommandTimeout", "__version__",
]
