"""Exceptions. Every error from the service carries its stable ``code`` (see docs/api.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .types import RunResult


class VivariumError(Exception):
    """An error from vivariumd or from the SDK itself.

    ``code`` is stable and meant for programs (e.g. ``"not_found"``), ``message`` is one line
    for a person, ``detail`` is the underlying cause when there is one (e.g. libvirt's own
    message), else ``None``.
    """

    def __init__(self, code: str, message: str, detail: str | None = None):
        super().__init__(code, message, detail)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.detail:
            text += f" ({self.detail})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.detail!r})"


class ConnectionFailed(VivariumError):
    """The service cannot be reached (``unreachable``) or the connection was lost
    (``disconnected``)."""


class Unauthorized(VivariumError):
    """The token is missing or wrong, or the connection was refused (``unauthorized``)."""


AuthError = Unauthorized


class Forbidden(VivariumError):
    """A scoped token was used outside its sandbox, or for an owner-only request."""


class NotFound(VivariumError):
    """No such sandbox, run, channel or file (``not_found``)."""


class Ambiguous(VivariumError):
    """A sandbox id prefix that matches several sandboxes."""


class InvalidState(VivariumError):
    """The request is not legal in the sandbox's (or run's) current state."""


class BadRequest(VivariumError):
    """A malformed request (``bad_request``, ``bad_json``, ``unknown_type``, ``too_large``)."""


class NameTaken(VivariumError):
    """Another sandbox already has that name."""


class UnknownTemplate(VivariumError):
    """No such sandbox template."""


class BootFailed(VivariumError):
    """The sandbox did not boot (``boot_failed``, ``stopped`` while booting)."""


class PermissionDenied(VivariumError):
    """The guest refused a file operation (``permission_denied``)."""


class IsADirectory(VivariumError):
    """A file operation on a directory (``is_a_directory``)."""


class NotADirectory(VivariumError):
    """A directory operation on something else (``not_a_directory``)."""


class NotAFile(VivariumError):
    """A file read of something that is not a regular file (``not_a_file``)."""


class Timeout(VivariumError):
    """Something did not finish in time (``timeout``)."""


class CommandError(VivariumError):
    """Raised by ``check=True`` (or ``RunResult.check()``) when a command did not exit 0.

    ``result`` is the full :class:`RunResult`, with the output so far.
    """

    def __init__(self, code: str, message: str, result: "RunResult", detail: str | None = None):
        super().__init__(code, message, detail)
        self.result = result


class ExecFailed(CommandError):
    """The command never started: missing binary, unknown user, bad cwd (``exec_failed``,
    ``bad_user``)."""


class CommandTimeout(CommandError, Timeout):
    """The command ran past its ``timeout`` and was killed."""


_BY_CODE: dict[str, type[VivariumError]] = {
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not_found": NotFound,
    "ambiguous": Ambiguous,
    "invalid_state": InvalidState,
    "bad_request": BadRequest,
    "bad_json": BadRequest,
    "unknown_type": BadRequest,
    "too_large": BadRequest,
    "name_taken": NameTaken,
    "unknown_template": UnknownTemplate,
    "boot_failed": BootFailed,
    "stopped": BootFailed,
    "permission_denied": PermissionDenied,
    "is_a_directory": IsADirectory,
    "not_a_directory": NotADirectory,
    "not_a_file": NotAFile,
    "timeout": Timeout,
    "disconnected": ConnectionFailed,
    "unreachable": ConnectionFailed,
}


def error_from_code(code: str, message: str, detail: str | None = None) -> VivariumError:
    """The exception class for an API error code (:class:`VivariumError` for unknown codes)."""
    return _BY_CODE.get(code, VivariumError)(code, message, detail)


def error_from_json(err: Any) -> VivariumError:
    """Build the exception for an API ``error`` object ``{"code","message","detail"?}``."""
    if not isinstance(err, dict):
        return VivariumError("bad_reply", f"malformed error from the service: {err!r}")
    return error_from_code(str(err.get("code", "error")), str(err.get("message", "")),
                           err.get("detail"))
