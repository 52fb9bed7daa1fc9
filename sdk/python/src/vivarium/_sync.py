"""The synchronous API: thin wrappers that run the asyncio core on one background thread.

The event loop lives on a daemon thread ("vivarium-loop"), so the sync API works the same in
scripts, threads and Jupyter (whose own loop is never touched). Output callbacks
(``on_stdout``/``on_stderr``) run on that thread: keep them short, and do not call the sync
API from inside them.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from typing import Any, Callable, Coroutine, TypeVar

from . import aio
from .errors import NotFound
from .types import FileInfo, RunResult, ScopedToken

T = TypeVar("T")


class _LoopThread:
    _lock = threading.Lock()
    _instance: "_LoopThread | None" = None

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="vivarium-loop", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @classmethod
    def get(cls) -> "_LoopThread":
        inst = cls._instance
        if inst is not None and inst.pid == os.getpid():
            return inst
        with cls._lock:
            if cls._instance is None or cls._instance.pid != os.getpid():  # new, or forked
                cls._instance = cls()
            return cls._instance

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("The synchronous vivarium API cannot be called from an output "
                               "callback or event handler; use vivarium.aio there.")
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return fut.result()
        except BaseException:
            # KeyboardInterrupt and the like: cancel the coroutine (a run() then kills its
            # command) instead of leaving it behind.
            if not fut.done():
                fut.cancel()
            raise


def _call(coro: Coroutine[Any, Any, T]) -> T:
    return _LoopThread.get().call(coro)


@atexit.register
def _close_at_exit() -> None:
    inst = _LoopThread._instance
    if inst is None or inst.pid != os.getpid() or not inst.thread.is_alive():
        return
    try:
        fut = asyncio.run_coroutine_threadsafe(aio.close_default_clients(), inst.loop)
        fut.result(2)
    except BaseException:
        pass


_shared: dict[tuple, "Client"] = {}
_shared_lock = threading.Lock()


def _shared_client(url: str | None, token: str | None) -> "Client":
    with _shared_lock:
        key = (os.getpid(), url, token)
        c = _shared.get(key)
        if c is None or c._async._closed:
            c = _shared[key] = Client(url, token, _default=True)
        return c


def _pick(client: "Client | None", url: str | None, token: str | None) -> "Client":
    return client if client is not None else _shared_client(url, token)


class Client:
    """One connection to vivariumd (see :class:`vivarium.aio.AsyncClient` for the defaults).

    Most code never makes one: :class:`Sandbox` class methods share a connection per
    (url, token). Make one to choose the url/token explicitly, or to close it when done.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 connect_timeout: float = 10.0, _default: bool = False):
        if _default:
            self._async = _call(_make_default(url, token))
        else:
            self._async = aio.AsyncClient(url, token, connect_timeout=connect_timeout)

    def connect(self) -> "Client":
        _call(self._async.connect())
        return self

    def close(self) -> None:
        _call(self._async.close())

    def __enter__(self) -> "Client":
        return self.connect()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def url(self) -> str | None:
        return self._async.url

    @property
    def scope(self) -> str | None:
        """``"owner"`` or ``"sandbox:<id>"`` (after the connection opened)."""
        return self._async.scope

    def info(self) -> dict[str, Any]:
        return _call(self._async.info())

    def list(self) -> list["Sandbox"]:
        return [Sandbox(s, self) for s in _call(self._async.list_sandboxes())]

    def create(self, template: str = "default", name: str | None = None, *, keep: bool = False,
               timeout: float | None = None,
               on_progress: Callable[[int, str], Any] | None = None) -> "Sandbox":
        return Sandbox(_call(self._async.create_sandbox(
            template, name, keep=keep, timeout=timeout, on_progress=on_progress)), self)

    def get(self, id_or_name: str, *, keep: bool = True) -> "Sandbox":
        return Sandbox(_call(self._async.get_sandbox(id_or_name, keep=keep)), self)

    def create_token(self, sandbox: "str | Sandbox") -> ScopedToken:
        sid = sandbox.id if isinstance(sandbox, Sandbox) else sandbox
        return _call(self._async.create_token(sid))

    def list_tokens(self) -> list[ScopedToken]:
        return _call(self._async.list_tokens())

    def revoke_token(self, token_id: str) -> None:
        _call(self._async.revoke_token(token_id))

    def add_event_handler(self, handler: Callable[[dict[str, Any]], Any]) -> None:
        """``handler(event)`` for every event; it runs on the SDK's event loop thread."""
        self._async.add_event_handler(handler)


async def _make_default(url: str | None, token: str | None) -> aio.AsyncClient:
    return aio._default_client(url, token)


class Process:
    """A command running in a sandbox: from :meth:`Sandbox.spawn` or :meth:`Sandbox.attach`."""

    def __init__(self, proc: aio.AsyncProcess):
        self._async = proc

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncProcess", "Process")

    @property
    def sandbox(self) -> str:
        return self._async.sandbox

    @property
    def run(self) -> int:
        """The run's number in its sandbox."""
        return self._async.run

    @property
    def argv(self) -> list[str]:
        return self._async.argv

    @property
    def done(self) -> bool:
        return self._async.done

    @property
    def stdout_so_far(self) -> bytes:
        return self._async.stdout_so_far

    @property
    def stderr_so_far(self) -> bytes:
        return self._async.stderr_so_far

    def write_stdin(self, data: Any) -> None:
        _call(self._async.write_stdin(data))

    def close_stdin(self) -> None:
        _call(self._async.close_stdin())

    def signal(self, sig: int) -> None:
        _call(self._async.signal(sig))

    def kill(self) -> None:
        _call(self._async.kill())

    def resize(self, rows: int, cols: int) -> None:
        _call(self._async.resize(rows, cols))

    def wait(self, timeout: float | None = None) -> RunResult:
        """The :class:`RunResult` once the command ended. With ``timeout``, raise
        :class:`vivarium.Timeout` if it is still running then (it keeps running)."""
        return _call(self._async.wait(timeout))


class Files:
    """Files in one sandbox: ``sandbox.files``. Paths are absolute paths in the guest."""

    def __init__(self, files: aio.AsyncFiles):
        self._async = files

    def write(self, path: str, data: Any, *, mode: int | None = None, append: bool = False) -> int:
        """Write bytes, str (UTF-8) or a binary file object (streamed). Returns the size."""
        return _call(self._async.write(path, data, mode=mode, append=append))

    def read(self, path: str) -> bytes:
        return _call(self._async.read(path))

    def read_text(self, path: str, encoding: str = "utf-8", errors: str = "replace") -> str:
        return _call(self._async.read_text(path, encoding, errors))

    def upload(self, local_path: str | os.PathLike, remote_path: str, *,
               mode: int | None = None) -> int:
        """Stream a local file into the sandbox (mode defaults to the local file's)."""
        return _call(self._async.upload(local_path, remote_path, mode=mode))

    def download(self, remote_path: str, local: Any) -> int:
        """Stream a file out of the sandbox to a local path (atomically) or file object."""
        return _call(self._async.download(remote_path, local))

    def list(self, path: str) -> list[FileInfo]:
        return _call(self._async.list(path))

    def stat(self, path: str, *, follow: bool | None = None) -> FileInfo:
        return _call(self._async.stat(path, follow=follow))

    def exists(self, path: str) -> bool:
        return _call(self._async.exists(path))

    def remove(self, path: str, *, recursive: bool = False) -> None:
        _call(self._async.remove(path, recursive=recursive))


class Sandbox:
    """A sandbox (a microVM).

    ``with Sandbox.create(template="tiny") as sb:`` removes it at the end of the block unless
    ``keep=True``. :meth:`connect` and :meth:`list` give sandboxes that are kept by default.
    """

    def __init__(self, sandbox: aio.AsyncSandbox, client: Client):
        self._async = sandbox
        self._client = client
        self.files = Files(sandbox.files)

    # --- construction -----------------------------------------------------------------

    @classmethod
    def create(cls, template: str = "default", name: str | None = None, *, keep: bool = False,
               client: Client | None = None, url: str | None = None, token: str | None = None,
               timeout: float | None = None,
               on_progress: Callable[[int, str], Any] | None = None) -> "Sandbox":
        """Create a sandbox and return once it is ready."""
        return _pick(client, url, token).create(template, name, keep=keep, timeout=timeout,
                                                on_progress=on_progress)

    @classmethod
    def connect(cls, id_or_name: str, *, keep: bool = True, client: Client | None = None,
                url: str | None = None, token: str | None = None) -> "Sandbox":
        """An existing sandbox by id, name or unique id prefix."""
        return _pick(client, url, token).get(id_or_name, keep=keep)

    @classmethod
    def list(cls, *, client: Client | None = None, url: str | None = None,
             token: str | None = None) -> list["Sandbox"]:
        """Every sandbox this token may see."""
        return _pick(client, url, token).list()

    # --- facts ------------------------------------------------------------------------

    @property
    def client(self) -> Client:
        return self._client

    @property
    def id(self) -> str:
        return self._async.id

    @property
    def name(self) -> str:
        return self._async.name

    @property
    def template(self) -> str:
        return self._async.template

    @property
    def state(self) -> str:
        return self._async.state

    @property
    def error(self) -> str | None:
        return self._async.error

    @property
    def info(self) -> dict[str, Any]:
        return dict(self._async.info)

    @property
    def keep(self) -> bool:
        return self._async.keep

    @keep.setter
    def keep(self, value: bool) -> None:
        self._async.keep = value

    def __repr__(self) -> str:
        return f"<Sandbox {self.id} name={self.name!r} state={self.state}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sandbox) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def refresh(self) -> "Sandbox":
        _call(self._async.refresh())
        return self

    # --- lifecycle --------------------------------------------------------------------

    def start(self, *, timeout: float | None = None) -> "Sandbox":
        _call(self._async.start(timeout=timeout))
        return self

    def stop(self, *, timeout: float | None = None) -> "Sandbox":
        _call(self._async.stop(timeout=timeout))
        return self

    def remove(self) -> None:
        _call(self._async.remove())

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.keep and self.state != "removed":
            try:
                self.remove()
            except NotFound:
                pass

    # --- commands ---------------------------------------------------------------------

    def run(self, cmd: aio.Command, *, on_stdout: aio.OutputCallback | None = None,
            on_stderr: aio.OutputCallback | None = None, env: dict[str, str] | None = None,
            cwd: str | None = None, user: str | int | None = None, timeout: float | None = None,
            stdin: Any = None, check: bool = False, pty: bool = False) -> RunResult:
        """Run a command to its end. ``cmd``: a str (run by ``sh -c``) or an argv list.

        See :meth:`vivarium.aio.AsyncSandbox.run`."""
        return _call(self._async.run(cmd, on_stdout=on_stdout, on_stderr=on_stderr, env=env,
                                     cwd=cwd, user=user, timeout=timeout, stdin=stdin,
                                     check=check, pty=pty))

    def spawn(self, cmd: aio.Command, *, on_stdout: aio.OutputCallback | None = None,
              on_stderr: aio.OutputCallback | None = None, env: dict[str, str] | None = None,
              cwd: str | None = None, user: str | int | None = None,
              timeout: float | None = None, stdin: Any = False, pty: bool = False,
              rows: int | None = None, cols: int | None = None) -> Process:
        """Start a command and return its :class:`Process` at once (``stdin=True`` keeps
        stdin open for :meth:`Process.write_stdin`)."""
        return Process(_call(self._async.spawn(
            cmd, on_stdout=on_stdout, on_stderr=on_stderr, env=env, cwd=cwd, user=user,
            timeout=timeout, stdin=stdin, pty=pty, rows=rows, cols=cols)))

    def attach(self, run: int, *, on_stdout: aio.OutputCallback | None = None,
               on_stderr: aio.OutputCallback | None = None) -> Process:
        """Follow run number ``run``: stored output first, then live."""
        return Process(_call(self._async.attach(run, on_stdout=on_stdout, on_stderr=on_stderr)))

    def runs(self) -> list[dict[str, Any]]:
        return _call(self._async.runs())

    def create_token(self) -> ScopedToken:
        """A token that may use this sandbox only."""
        return _call(self._async.create_token())
