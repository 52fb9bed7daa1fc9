"""The asyncio API: :class:`AsyncClient`, :class:`AsyncSandbox`, :class:`AsyncFiles`,
:class:`AsyncProcess`.

One :class:`AsyncClient` is one WebSocket connection to vivariumd. Requests, run output and
file transfers are multiplexed over it. Every coroutine here must be awaited on the event
loop the client connected on. Without an explicit ``client=``, the class methods of
:class:`AsyncSandbox` share one client per event loop and per (url, token).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import os
import struct
import tempfile
import weakref
from typing import Any, Awaitable, Callable, Iterable, Sequence, Union

import websockets
import websockets.exceptions

from . import _endpoint
from .errors import (
    ConnectionFailed,
    NotFound,
    Ambiguous,
    Timeout,
    Unauthorized,
    VivariumError,
    error_from_json,
)
from .types import FileInfo, RunResult, ScopedToken

__all__ = [
    "AsyncClient",
    "AsyncSandbox",
    "AsyncFiles",
    "AsyncProcess",
    "close_default_clients",
]

log = logging.getLogger("vivarium")

API_VERSION = 1
KIND_STDIN, KIND_STDOUT, KIND_STDERR, KIND_FILE = 0, 1, 2, 3
# The service refuses messages over 1 MiB; stay well below it.
_STDIN_CHUNK = 64 * 1024
_FILE_CHUNK = 256 * 1024
# How long past a run's own timeout we wait for its exit before giving up locally.
_TIMEOUT_GRACE = 30.0

Command = Union[str, Sequence[str]]
OutputCallback = Callable[[bytes], Any]
StdinData = Union[bytes, bytearray, memoryview, str, Any]


def _frame(kind: int, channel: int, data: bytes | memoryview = b"") -> bytes:
    return struct.pack("<BI", kind, channel) + bytes(data)


def _argv(cmd: Command) -> list[str]:
    """A string runs through ``sh -c``; a list is the argv itself."""
    if isinstance(cmd, str):
        return ["sh", "-c", cmd]
    if isinstance(cmd, (bytes, bytearray)):
        raise TypeError("the command must be a str or a list of str, not bytes")
    argv = [os.fspath(a) if not isinstance(a, str) else a for a in cmd]
    if not argv or not argv[0]:
        raise ValueError("the command must not be empty")
    return argv


def _chunks_of(data: StdinData, size: int) -> Iterable[bytes]:
    """bytes/str/memoryview, or a binary file object (read in chunks), or an iterable of
    bytes."""
    if isinstance(data, str):
        data = data.encode()
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data).cast("B")
        for off in range(0, len(view), size):
            yield bytes(view[off:off + size])
        return
    if hasattr(data, "read"):
        while True:
            chunk = data.read(size)
            if not chunk:
                return
            if isinstance(chunk, str):
                chunk = chunk.encode()
            yield chunk
        return
    for chunk in data:
        if isinstance(chunk, str):
            chunk = chunk.encode()
        yield bytes(chunk)


class _Pending:
    __slots__ = ("fut", "on_result", "on_ready", "on_progress")

    def __init__(self, fut, on_result, on_ready, on_progress):
        self.fut = fut
        self.on_result = on_result
        self.on_ready = on_ready
        self.on_progress = on_progress


class _FileChannel:
    """One file transfer's channel: data sink (reads) or send window (writes)."""

    def __init__(self, sink: Callable[[bytes], Any] | None = None, window: int = 0):
        self.sink = sink
        self.window = window
        self.received = 0
        self.error: BaseException | None = None
        self.changed = asyncio.Event()

    def on_data(self, data: bytes) -> None:
        if self.error is not None or self.sink is None:
            return
        self.received += len(data)
        try:
            self.sink(data)
        except BaseException as e:  # e.g. the local disk is full
            self.error = e

    def grant(self, n: int) -> None:
        self.window += n
        self.changed.set()


class AsyncClient:
    """One connection to vivariumd.

    ``url`` defaults to ``$VIVARIUM_URL``, else the local service's endpoint file
    (``$XDG_RUNTIME_DIR/vivarium/endpoint``), else ``ws://127.0.0.1:8270``. ``token``
    defaults to ``$VIVARIUM_TOKEN``, else ``$XDG_CONFIG_HOME/vivarium/token``. The
    connection opens on first use and reopens after it was lost.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 connect_timeout: float = 10.0):
        self._url_arg = url
        self._token_arg = token
        self.connect_timeout = connect_timeout
        self.url: str | None = None
        self.hello: dict[str, Any] | None = None
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_id = 1
        self._pending: dict[int, _Pending] = {}
        # channel -> the processes following it (several when a run is attached twice)
        self._procs: dict[int, list[AsyncProcess]] = {}
        self._unclaimed: dict[int, list[tuple]] = {}
        self._finished: collections.OrderedDict[int, AsyncProcess] = collections.OrderedDict()
        self._files: dict[int, _FileChannel] = {}
        self._sandboxes: dict[str, dict[str, Any]] = {}
        self._removed: set[str] = set()
        self._event_handlers: list[Callable[[dict[str, Any]], Any]] = []
        self._closed = False

    # --- connection -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def scope(self) -> str | None:
        """``"owner"`` or ``"sandbox:<id>"`` once connected."""
        return (self.hello or {}).get("scope")

    async def connect(self) -> "AsyncClient":
        """Open the connection now (it otherwise opens on the first request)."""
        if self.connected:
            return self
        if self._closed:
            raise ConnectionFailed("disconnected", "This client was closed.")
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.connected:
                return self
            await self._open()
        return self

    async def _open(self) -> None:
        url = _endpoint.resolve_url(self._url_arg)
        token = _endpoint.resolve_token(self._token_arg)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            ws = await websockets.connect(
                url, extra_headers=headers, max_size=None, compression=None,
                open_timeout=self.connect_timeout, close_timeout=2)
        except websockets.exceptions.InvalidStatusCode as e:
            if e.status_code in (401, 403):
                raise Unauthorized("unauthorized", f"vivariumd at {url} refused the connection "
                                   f"(HTTP {e.status_code})") from None
            raise ConnectionFailed("unreachable", f"Cannot connect to vivariumd at {url}",
                                   str(e)) from None
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as e:
            raise ConnectionFailed(
                "unreachable",
                f"Cannot connect to vivariumd at {url}. Is it running? (viv status)",
                str(e) or type(e).__name__) from None
        try:
            first = await asyncio.wait_for(ws.recv(), self.connect_timeout)
        except websockets.exceptions.ConnectionClosed as e:
            await ws.close()
            if e.code == 1008:
                raise Unauthorized("unauthorized", e.reason or "invalid or missing API token") from None
            raise ConnectionFailed("disconnected", f"vivariumd at {url} closed the connection",
                                   str(e)) from None
        except asyncio.TimeoutError:
            await ws.close()
            raise ConnectionFailed("unreachable", f"vivariumd at {url} sent no hello") from None
        try:
            hello = json.loads(first)
        except (TypeError, ValueError):
            hello = None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await ws.close()
            if isinstance(hello, dict) and hello.get("type") == "error":
                raise error_from_json(hello.get("error"))
            raise ConnectionFailed("bad_reply", f"{url} is not vivariumd (no hello)")
        if hello.get("version") != API_VERSION:
            log.warning("vivariumd speaks API version %s; this SDK was written for %s",
                        hello.get("version"), API_VERSION)
        self.url = url
        self.hello = hello
        self._ws = ws
        self._loop = asyncio.get_running_loop()
        self._reader = asyncio.create_task(self._read_loop(ws), name="vivarium-reader")

    async def close(self) -> None:
        """Close the connection. Runs this client started keep running in the sandbox."""
        self._closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), 5)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                self._reader.cancel()
        _forget_default(self)

    async def __aenter__(self) -> "AsyncClient":
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # --- the reader -------------------------------------------------------------------

    async def _read_loop(self, ws) -> None:
        why: BaseException | None = None
        try:
            async for message in ws:
                try:
                    if isinstance(message, bytes):
                        self._on_binary(message)
                    else:
                        self._on_text(message)
                except Exception:  # never let one bad message kill the connection
                    log.exception("vivarium: error while handling a message")
        except websockets.exceptions.ConnectionClosed as e:
            why = e
        except asyncio.CancelledError:
            why = None
            raise
        except Exception as e:
            why = e
            log.exception("vivarium: connection reader failed")
        finally:
            if self._ws is ws:
                self._ws = None
            self._fail_everything(ConnectionFailed(
                "disconnected", "The connection to vivariumd was lost.",
                str(why) if why else None))

    def _fail_everything(self, err: VivariumError) -> None:
        for p in list(self._pending.values()):
            if not p.fut.done():
                p.fut.set_exception(err)
        for procs in list(self._procs.values()):
            for proc in procs:
                proc._lost(err)
        self._procs.clear()
        self._unclaimed.clear()
        self._finished.clear()  # channel numbers start again on the next connection
        for fc in self._files.values():
            fc.changed.set()
        self._files.clear()

    def _on_binary(self, message: bytes) -> None:
        if len(message) < 5:
            return
        kind = message[0]
        channel = int.from_bytes(message[1:5], "little")
        data = message[5:]
        if kind in (KIND_STDOUT, KIND_STDERR):
            procs = self._procs.get(channel)
            if procs:
                for proc in procs:
                    proc._on_data(kind, data)
            elif channel in self._unclaimed:
                self._unclaimed[channel].append(("data", kind, data))
        elif kind == KIND_FILE:
            fc = self._files.get(channel)
            if fc is not None:
                fc.on_data(data)

    def _on_text(self, text: str) -> None:
        msg = json.loads(text)
        if not isinstance(msg, dict):
            return
        t = msg.get("type")
        rid = msg.get("id")
        if t in ("result", "error") and rid is not None:
            p = self._pending.get(rid)
            if p is None or p.fut.done():
                return
            if t == "error":
                p.fut.set_exception(error_from_json(msg.get("error")))
                return
            if "sandbox" in msg and isinstance(msg["sandbox"], dict):
                self._remember(msg["sandbox"])
            if p.on_result is not None:
                try:
                    p.on_result(msg)
                except Exception as e:
                    p.fut.set_exception(e)
                    return
            p.fut.set_result(msg)
        elif t == "error":
            err = msg.get("error") or {}
            log.warning("vivarium: service error: %s: %s", err.get("code"), err.get("message"))
        elif t == "progress":
            p = self._pending.get(rid)
            if p is not None and p.on_progress is not None:
                try:
                    p.on_progress(msg.get("percent"), msg.get("message", ""))
                except Exception:
                    log.exception("vivarium: progress callback failed")
        elif t == "file.ready":
            p = self._pending.get(rid)
            if p is not None and p.on_ready is not None and not p.fut.done():
                try:
                    p.on_ready(msg)
                except Exception as e:
                    p.fut.set_exception(e)
        elif t == "file.window":
            fc = self._files.get(msg.get("channel"))
            if fc is not None:
                fc.grant(int(msg.get("bytes", 0)))
        elif t == "run.attached":
            ch = msg.get("channel")
            if ch not in self._procs:
                self._unclaimed.setdefault(ch, [])
        elif t in ("exit", "run.caught_up"):
            ch = msg.get("channel")
            procs = self._procs.get(ch)
            if procs:
                for proc in list(procs):
                    proc._on_message(msg)
            elif ch in self._unclaimed:
                self._unclaimed[ch].append(("msg", msg))
        elif t == "event":
            self._on_event(msg)

    def _on_event(self, msg: dict[str, Any]) -> None:
        name = msg.get("event")
        if name in ("sandbox.added", "sandbox.state") and isinstance(msg.get("sandbox"), dict):
            self._remember(msg["sandbox"])
        elif name == "sandbox.removed":
            sid = msg.get("id")
            self._removed.add(sid)
            if sid in self._sandboxes:
                self._sandboxes[sid] = dict(self._sandboxes[sid], state="removed")
        for handler in list(self._event_handlers):
            try:
                handler(msg)
            except Exception:
                log.exception("vivarium: event handler failed")

    def _remember(self, info: dict[str, Any]) -> dict[str, Any]:
        sid = info.get("id")
        if sid:
            self._sandboxes[sid] = info
        return info

    def add_event_handler(self, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Call ``handler(event_message)`` for every event (sandbox.*, run.*, and
        ``sandbox.stats`` every 2 s with CPU, memory and disk use), on the event loop."""
        self._event_handlers.append(handler)

    # --- channels ---------------------------------------------------------------------

    def _claim(self, channel: int, make: Callable[[], "AsyncProcess"]) -> "AsyncProcess":
        proc = make()
        if channel not in self._unclaimed:
            # This connection already follows the run (the service gives the same channel
            # and replays nothing): replay what we have to the new follower.
            live = self._procs.get(channel)
            earlier = live[0] if live else self._finished.get(channel)
            if earlier is not None:
                if earlier._stdout:
                    proc._on_data(KIND_STDOUT, bytes(earlier._stdout))
                if earlier._stderr:
                    proc._on_data(KIND_STDERR, bytes(earlier._stderr))
                if earlier._exit is not None:
                    proc._on_message(earlier._exit)
                    return proc
        self._procs.setdefault(channel, []).append(proc)
        for item in self._unclaimed.pop(channel, []):
            if item[0] == "data":
                proc._on_data(item[1], item[2])
            else:
                proc._on_message(item[1])
        return proc

    def _proc_done(self, proc: "AsyncProcess") -> None:
        procs = self._procs.get(proc.channel)
        if procs and proc in procs:
            procs.remove(proc)
            if not procs:
                del self._procs[proc.channel]
        self._finished[proc.channel] = proc
        while len(self._finished) > 64:
            self._finished.popitem(last=False)

    # --- requests ---------------------------------------------------------------------

    async def _start(self, type_: str, fields: dict[str, Any], *,
                     on_result=None, on_ready=None, on_progress=None) -> tuple[int, asyncio.Future]:
        await self.connect()
        rid = self._next_id
        self._next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = _Pending(fut, on_result, on_ready, on_progress)
        msg = {"id": rid, "type": type_}
        msg.update({k: v for k, v in fields.items() if v is not None})
        try:
            await self._ws.send(json.dumps(msg))
        except (websockets.exceptions.ConnectionClosed, AttributeError) as e:
            self._pending.pop(rid, None)
            raise ConnectionFailed("disconnected", "The connection to vivariumd was lost.",
                                   str(e)) from None
        return rid, fut

    async def request(self, type_: str, *, timeout: float | None = None, on_result=None,
                      on_progress=None, **fields: Any) -> dict[str, Any]:
        """Send one request and return its result object (raises the mapped error).

        Fields whose value is ``None`` are left out."""
        rid, fut = await self._start(type_, fields, on_result=on_result, on_progress=on_progress)
        try:
            if timeout is None:
                return await fut
            try:
                return await asyncio.wait_for(asyncio.shield(fut), timeout)
            except asyncio.TimeoutError:
                raise Timeout("timeout", f"No answer to {type_} within {timeout:g} s") from None
        finally:
            self._pending.pop(rid, None)
            if not fut.done():
                fut.cancel()

    async def _send_binary(self, frame: bytes) -> None:
        ws = self._ws
        if ws is None:
            raise ConnectionFailed("disconnected", "The connection to vivariumd was lost.")
        try:
            await ws.send(frame)
        except websockets.exceptions.ConnectionClosed as e:
            raise ConnectionFailed("disconnected", "The connection to vivariumd was lost.",
                                   str(e)) from None

    # --- service-level requests -------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        """The service's facts: version, accelerator, templates, scope."""
        msg = await self.request("info")
        return {k: v for k, v in msg.items() if k not in ("id", "type")}

    async def list_sandboxes(self) -> list["AsyncSandbox"]:
        msg = await self.request("sandbox.list")
        return [AsyncSandbox(self, self._remember(s)) for s in msg.get("sandboxes", [])]

    async def create_sandbox(self, template: str = "default", name: str | None = None, *,
                             keep: bool = False, timeout: float | None = None,
                             on_progress: Callable[[int, str], Any] | None = None) -> "AsyncSandbox":
        msg = await self.request("sandbox.create", template=template, name=name,
                                 timeout=timeout, on_progress=on_progress)
        return AsyncSandbox(self, msg["sandbox"], keep=keep)

    async def get_sandbox(self, id_or_name: str, *, keep: bool = True) -> "AsyncSandbox":
        """The sandbox with that id, name or unique id prefix (the service's own rules)."""
        sandboxes = await self.list_sandboxes()
        for match in (
            [s for s in sandboxes if s.id == id_or_name],
            [s for s in sandboxes if s.name == id_or_name],
            [s for s in sandboxes if id_or_name and s.id.startswith(id_or_name)],
        ):
            if len(match) == 1:
                match[0].keep = keep
                return match[0]
            if len(match) > 1:
                raise Ambiguous("ambiguous", f"'{id_or_name}' matches several sandboxes: "
                                + ", ".join(s.id for s in match))
        # Let the service say why (not_found, or forbidden for a scoped token).
        await self.request("run.list", sandbox=id_or_name)
        raise NotFound("not_found", f"There is no sandbox '{id_or_name}'.")

    async def create_token(self, sandbox: str) -> ScopedToken:
        """A new token that may use ``sandbox`` only (owner token required)."""
        msg = await self.request("token.create", sandbox=sandbox)
        return ScopedToken(token=msg["token"], token_id=msg["token_id"], sandbox=msg["sandbox"])

    async def list_tokens(self) -> list[ScopedToken]:
        msg = await self.request("token.list")
        return [ScopedToken(token="", token_id=t["token_id"], sandbox=t["sandbox"],
                            created=t.get("created")) for t in msg.get("tokens", [])]

    async def revoke_token(self, token_id: str) -> None:
        await self.request("token.revoke", token_id=token_id)


# One shared client per event loop and (url, token), for calls made without client=.
_defaults: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, AsyncClient]]" = (
    weakref.WeakKeyDictionary())


def _default_client(url: str | None, token: str | None) -> AsyncClient:
    loop = asyncio.get_running_loop()
    per_loop = _defaults.setdefault(loop, {})
    key = (url, token)
    client = per_loop.get(key)
    if client is None or client._closed:
        client = per_loop[key] = AsyncClient(url, token)
    return client


def _forget_default(client: AsyncClient) -> None:
    for per_loop in list(_defaults.values()):
        for key, c in list(per_loop.items()):
            if c is client:
                del per_loop[key]


async def close_default_clients() -> None:
    """Close the connections that calls without ``client=`` opened on this event loop."""
    per_loop = _defaults.pop(asyncio.get_running_loop(), {})
    for client in list(per_loop.values()):
        await client.close()


def _pick(client: AsyncClient | None, url: str | None, token: str | None) -> AsyncClient:
    if client is not None:
        return client
    return _default_client(url, token)


class AsyncProcess:
    """A command running in a sandbox (from :meth:`AsyncSandbox.spawn` or
    :meth:`AsyncSandbox.attach`)."""

    def __init__(self, client: AsyncClient, sandbox: str, run: int, channel: int,
                 argv: list[str], on_stdout: OutputCallback | None,
                 on_stderr: OutputCallback | None):
        self._client = client
        self.sandbox = sandbox
        self.run = run
        self.channel = channel
        self.argv = argv
        self._on_stdout = on_stdout
        self._on_stderr = on_stderr
        self._stdout = bytearray()
        self._stderr = bytearray()
        self._callback_error: BaseException | None = None
        self._done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._caught_up = asyncio.Event()
        self._stdin_closed = False
        self._exit: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return (f"<AsyncProcess sandbox={self.sandbox} run={self.run} argv={self.argv!r} "
                f"{'done' if self.done else 'running'}>")

    # from the reader
    def _on_data(self, kind: int, data: bytes) -> None:
        if kind == KIND_STDOUT:
            self._stdout += data
            cb = self._on_stdout
        else:
            self._stderr += data
            cb = self._on_stderr
        if cb is not None and self._callback_error is None:
            try:
                cb(data)
            except BaseException as e:
                self._callback_error = e
                log.debug("vivarium: output callback failed (raised again by wait())", exc_info=True)

    def _on_message(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "run.caught_up":
            self._caught_up.set()
            return
        if msg.get("type") == "exit" and not self._done.done():
            self._exit = msg
            self._caught_up.set()
            self._done.set_result(RunResult._from_exit(msg, bytes(self._stdout), bytes(self._stderr)))
            self._client._proc_done(self)

    def _lost(self, err: VivariumError) -> None:
        if not self._done.done():
            self._done.set_exception(err)
            # Nobody may be waiting; do not log "exception never retrieved".
            self._done.exception()

    # state
    @property
    def done(self) -> bool:
        return self._done.done()

    @property
    def stdout_so_far(self) -> bytes:
        return bytes(self._stdout)

    @property
    def stderr_so_far(self) -> bytes:
        return bytes(self._stderr)

    # control
    async def write_stdin(self, data: StdinData) -> None:
        """Send bytes (or str, or a binary file object) to the command's stdin. The run must
        have been spawned with ``stdin=True``."""
        if self._stdin_closed:
            raise VivariumError("stdin_closed", "This run's stdin is closed.")
        for chunk in _chunks_of(data, _STDIN_CHUNK):
            if chunk:
                await self._client._send_binary(_frame(KIND_STDIN, self.channel, chunk))

    async def close_stdin(self) -> None:
        """Close the command's stdin (it then reads end-of-file)."""
        if not self._stdin_closed:
            self._stdin_closed = True
            await self._client._send_binary(_frame(KIND_STDIN, self.channel))

    async def signal(self, sig: int) -> None:
        """Send a signal (1-64) to the command's process group."""
        await self._client.request("run.signal", sandbox=self.sandbox, run=self.run,
                                   signal=int(sig))

    async def kill(self) -> None:
        """SIGKILL the command; does nothing once it has ended."""
        if self.done:
            return
        try:
            await self.signal(9)
        except VivariumError as e:
            if e.code not in ("invalid_state", "not_found"):
                raise

    async def resize(self, rows: int, cols: int) -> None:
        """Resize the run's terminal (only meaningful with ``pty=True``)."""
        await self._client.request("run.resize", sandbox=self.sandbox, run=self.run,
                                   rows=int(rows), cols=int(cols))

    async def wait_caught_up(self, timeout: float | None = None) -> None:
        """For attached runs: wait until the stored output has been replayed."""
        await asyncio.wait_for(self._caught_up.wait(), timeout)

    async def wait(self, timeout: float | None = None) -> RunResult:
        """Wait for the command to end and return its :class:`RunResult`. With ``timeout``,
        raise :class:`Timeout` if it has not ended by then (the command keeps running)."""
        try:
            result = await asyncio.wait_for(asyncio.shield(self._done), timeout)
        except asyncio.TimeoutError:
            raise Timeout("timeout", f"Run {self.run} did not end within {timeout:g} s") from None
        if self._callback_error is not None:
            raise self._callback_error
        return result


class AsyncFiles:
    """Files in one sandbox: ``sandbox.files``."""

    def __init__(self, sandbox: "AsyncSandbox"):
        self._sb = sandbox

    @property
    def _client(self) -> AsyncClient:
        return self._sb._client

    async def write(self, path: str, data: StdinData, *, mode: int | None = None,
                    append: bool = False) -> int:
        """Write ``data`` (bytes, str as UTF-8, or a binary file object, streamed) to
        ``path``. Returns the size of the file written."""
        return await self._write_stream(path, _chunks_of(data, _FILE_CHUNK), mode, append)

    async def upload(self, local_path: str | os.PathLike, remote_path: str, *,
                     mode: int | None = None) -> int:
        """Copy a local file into the sandbox, streaming it. ``mode`` defaults to the local
        file's permission bits."""
        with open(local_path, "rb") as f:
            if mode is None:
                mode = os.fstat(f.fileno()).st_mode & 0o7777
            return await self._write_stream(remote_path, _chunks_of(f, _FILE_CHUNK), mode, False)

    async def read(self, path: str) -> bytes:
        """The whole content of ``path`` (use :meth:`download` for large files)."""
        buf = bytearray()
        await self._read_stream(path, buf.extend)
        return bytes(buf)

    async def read_text(self, path: str, encoding: str = "utf-8", errors: str = "replace") -> str:
        return (await self.read(path)).decode(encoding, errors)

    async def download(self, remote_path: str, local: str | os.PathLike | Any) -> int:
        """Copy ``remote_path`` to a local path (written atomically) or into a binary file
        object, streaming it. Returns the number of bytes."""
        if hasattr(local, "write"):
            return await self._read_stream(remote_path, local.write)
        local = os.fspath(local)
        directory = os.path.dirname(os.path.abspath(local))
        fd, tmp = tempfile.mkstemp(prefix=".vivarium-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                size = await self._read_stream(remote_path, f.write)
            os.replace(tmp, local)
            return size
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    async def list(self, path: str) -> list[FileInfo]:
        """The entries of directory ``path`` (not ``.`` and ``..``; symlinks not followed)."""
        msg = await self._client.request("file.list", sandbox=self._sb.id, path=path)
        base = path.rstrip("/")
        return [FileInfo._from_json(e, f"{base}/{e.get('name', '')}")
                for e in msg.get("entries", [])]

    async def stat(self, path: str, *, follow: bool | None = None) -> FileInfo:
        """Facts about ``path``. ``follow=True`` follows a final symlink."""
        msg = await self._client.request("file.stat", sandbox=self._sb.id, path=path,
                                         follow=follow)
        return FileInfo._from_json(msg, path)

    async def exists(self, path: str) -> bool:
        try:
            await self.stat(path)
            return True
        except NotFound:
            return False

    async def remove(self, path: str, *, recursive: bool = False) -> None:
        """Remove a file, an empty directory, or with ``recursive=True`` a whole tree."""
        await self._client.request("file.remove", sandbox=self._sb.id, path=path,
                                   recursive=recursive or None)

    # --- streaming --------------------------------------------------------------------

    async def _read_stream(self, path: str, sink: Callable[[bytes], Any]) -> int:
        client = self._client
        channels: list[int] = []

        def on_ready(msg: dict[str, Any]) -> None:
            ch = msg["channel"]
            channels.append(ch)
            client._files[ch] = _FileChannel(sink=sink)

        rid, fut = await client._start("file.read", {"sandbox": self._sb.id, "path": path},
                                       on_ready=on_ready)
        try:
            result = await fut
        finally:
            client._pending.pop(rid, None)
            fcs = [client._files.pop(ch, None) for ch in channels]
        fc = fcs[0] if fcs else None
        if fc is not None and fc.error is not None:
            raise fc.error
        received = fc.received if fc is not None else 0
        size = result.get("size")
        if size is not None and size != received:
            raise VivariumError("short_read", f"Read {received} of {size} bytes of {path}.")
        return received

    async def _write_stream(self, path: str, chunks: Iterable[bytes], mode: int | None,
                            append: bool) -> int:
        client = self._client
        ready: asyncio.Future = asyncio.get_running_loop().create_future()

        def on_ready(msg: dict[str, Any]) -> None:
            fc = _FileChannel(window=int(msg.get("window", 0)))
            client._files[msg["channel"]] = fc
            if not ready.done():
                ready.set_result((msg["channel"], fc))

        fields = {"sandbox": self._sb.id, "path": path,
                  "mode": None if mode is None else int(mode), "append": append or None}
        rid, fut = await client._start("file.write", fields, on_ready=on_ready)
        channel = None
        try:
            await asyncio.wait({ready, fut}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                result = fut.result()  # an error: raises it
                return int(result.get("size", 0))
            channel, fc = ready.result()
            fut.add_done_callback(lambda _: fc.changed.set())
            for chunk in chunks:
                view = memoryview(chunk)
                off = 0
                while off < len(view):
                    while fc.window <= 0:
                        if fut.done():
                            fut.result()
                            raise VivariumError("protocol", "The service ended the upload "
                                                "before all data was sent.")
                        if not client.connected:
                            raise ConnectionFailed("disconnected",
                                                   "The connection to vivariumd was lost.")
                        fc.changed.clear()
                        await fc.changed.wait()
                    if fut.done():
                        fut.result()
                    n = min(fc.window, len(view) - off, _FILE_CHUNK)
                    await client._send_binary(_frame(KIND_FILE, channel, view[off:off + n]))
                    fc.window -= n
                    off += n
            await client._send_binary(_frame(KIND_FILE, channel))
            result = await fut
            return int(result.get("size", 0))
        finally:
            client._pending.pop(rid, None)
            if channel is not None:
                client._files.pop(channel, None)
            if not fut.done():
                fut.cancel()


class AsyncSandbox:
    """A sandbox. Get one with :meth:`create`, :meth:`connect` or :meth:`list`.

    ``async with await AsyncSandbox.create(...) as sb:`` removes the sandbox at the end unless
    ``keep`` is true (the default for :meth:`connect` and :meth:`list`).
    """

    def __init__(self, client: AsyncClient, info: dict[str, Any], *, keep: bool = True):
        self._client = client
        self._id: str = info["id"]
        client._remember(info)
        self.keep = keep
        self.files = AsyncFiles(self)

    # --- construction -----------------------------------------------------------------

    @classmethod
    async def create(cls, template: str = "default", name: str | None = None, *,
                     keep: bool = False, client: AsyncClient | None = None,
                     url: str | None = None, token: str | None = None,
                     timeout: float | None = None,
                     on_progress: Callable[[int, str], Any] | None = None) -> "AsyncSandbox":
        """Create a sandbox and wait until it is ready (about 3 s under TCG; minutes the
        first time, while the guest images are built: see ``on_progress``)."""
        return await _pick(client, url, token).create_sandbox(
            template, name, keep=keep, timeout=timeout, on_progress=on_progress)

    @classmethod
    async def connect(cls, id_or_name: str, *, keep: bool = True,
                      client: AsyncClient | None = None, url: str | None = None,
                      token: str | None = None) -> "AsyncSandbox":
        """An existing sandbox, by id, name or unique id prefix."""
        return await _pick(client, url, token).get_sandbox(id_or_name, keep=keep)

    @classmethod
    async def list(cls, *, client: AsyncClient | None = None, url: str | None = None,
                   token: str | None = None) -> list["AsyncSandbox"]:
        """Every sandbox the token may see."""
        return await _pick(client, url, token).list_sandboxes()

    # --- facts ------------------------------------------------------------------------

    @property
    def client(self) -> AsyncClient:
        return self._client

    @property
    def info(self) -> dict[str, Any]:
        """The latest sandbox object (kept current by the service's events)."""
        return self._client._sandboxes.get(self._id, {"id": self._id})

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self.info.get("name", "")

    @property
    def template(self) -> str:
        return self.info.get("template", "")

    @property
    def state(self) -> str:
        """``booting``, ``ready``, ``stopping``, ``stopped``, ``error``, ``removing``, or
        ``removed`` once it is gone."""
        if self._id in self._client._removed:
            return "removed"
        return self.info.get("state", "unknown")

    @property
    def error(self) -> str | None:
        return self.info.get("error")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} name={self.name!r} state={self.state}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncSandbox) and other._id == self._id

    def __hash__(self) -> int:
        return hash(self._id)

    async def refresh(self) -> "AsyncSandbox":
        """Fetch the sandbox object again."""
        for s in await self._client.list_sandboxes():
            if s.id == self._id:
                return self
        self._client._removed.add(self._id)
        raise NotFound("not_found", f"Sandbox {self._id} no longer exists.")

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, *, timeout: float | None = None) -> "AsyncSandbox":
        """Boot a stopped (or failed) sandbox; returns once it is ready."""
        await self._client.request("sandbox.start", sandbox=self._id, timeout=timeout)
        return self

    async def stop(self, *, timeout: float | None = None) -> "AsyncSandbox":
        """Power the sandbox off; returns once it is stopped. Live runs end as lost."""
        await self._client.request("sandbox.stop", sandbox=self._id, timeout=timeout)
        return self

    async def remove(self) -> None:
        """Destroy the sandbox and delete its disk."""
        await self._client.request("sandbox.remove", sandbox=self._id)
        self._client._removed.add(self._id)

    async def __aenter__(self) -> "AsyncSandbox":
        return self

    async def __aexit__(self, *exc) -> None:
        if not self.keep and self.state != "removed":
            try:
                await self.remove()
            except NotFound:
                pass

    # --- commands ---------------------------------------------------------------------

    async def spawn(self, cmd: Command, *, on_stdout: OutputCallback | None = None,
                    on_stderr: OutputCallback | None = None, env: dict[str, str] | None = None,
                    cwd: str | None = None, user: str | int | None = None,
                    timeout: float | None = None, stdin: bool | StdinData = False,
                    pty: bool = False, rows: int | None = None, cols: int | None = None
                    ) -> AsyncProcess:
        """Start a command and return at once with its :class:`AsyncProcess`.

        ``stdin=True`` keeps stdin open for :meth:`AsyncProcess.write_stdin`; bytes, str or a
        binary file object is sent and stdin then closed; ``False`` closes it at once.
        ``timeout`` (seconds) makes the service kill the command when it runs longer.
        """
        argv = _argv(cmd)
        feed = stdin if stdin is not True and stdin is not False and stdin is not None else None
        client = self._client
        box: list[AsyncProcess] = []

        def on_result(msg: dict[str, Any]) -> None:
            ch = msg["channel"]
            box.append(client._claim(ch, lambda: AsyncProcess(
                client, msg.get("sandbox", self._id), int(msg["run"]), ch, argv,
                on_stdout, on_stderr)))

        await client.request(
            "exec", on_result=on_result, sandbox=self._id, argv=argv,
            env={str(k): str(v) for k, v in env.items()} if env else None,
            cwd=cwd or None, user=None if user is None else str(user),
            stdin=bool(stdin is True or feed is not None), pty=pty or None, rows=rows, cols=cols,
            timeout_ms=None if timeout is None else max(1, math.ceil(timeout * 1000)))
        proc = box[0]
        if feed is not None:
            await proc.write_stdin(feed)
            await proc.close_stdin()
        return proc

    async def run(self, cmd: Command, *, on_stdout: OutputCallback | None = None,
                  on_stderr: OutputCallback | None = None, env: dict[str, str] | None = None,
                  cwd: str | None = None, user: str | int | None = None,
                  timeout: float | None = None, stdin: StdinData | None = None,
                  check: bool = False, pty: bool = False) -> RunResult:
        """Run a command to its end and return its :class:`RunResult`.

        A ``str`` runs through ``sh -c``; a list is the argv. Output is collected and also
        passed to ``on_stdout``/``on_stderr`` as it arrives. With ``timeout`` the service
        kills the command after that many seconds (the result then has ``timed_out``).
        ``check=True`` raises :class:`CommandError` unless it exited 0.
        """
        proc = await self.spawn(cmd, on_stdout=on_stdout, on_stderr=on_stderr, env=env,
                                cwd=cwd, user=user, timeout=timeout,
                                stdin=False if stdin is None else stdin, pty=pty)
        try:
            result = await proc.wait(None if timeout is None else timeout + _TIMEOUT_GRACE)
        except asyncio.CancelledError:
            # The caller gave up (Ctrl-C in the sync API): do not leave the command running.
            asyncio.ensure_future(_quietly(proc.kill()))
            raise
        except Timeout:
            await _quietly(proc.kill())
            raise
        return result.check() if check else result

    async def attach(self, run: int, *, on_stdout: OutputCallback | None = None,
                     on_stderr: OutputCallback | None = None) -> AsyncProcess:
        """Follow a run (also one another connection started): its stored output is
        replayed from the start, then it continues live. ``wait()`` gives its result."""
        client = self._client
        box: list[AsyncProcess] = []

        def on_result(msg: dict[str, Any]) -> None:
            info = msg.get("run", {})
            ch = msg["channel"]
            box.append(client._claim(ch, lambda: AsyncProcess(
                client, info.get("sandbox", self._id), int(info.get("run", run)), ch,
                list(info.get("argv", [])), on_stdout, on_stderr)))

        await client.request("run.attach", on_result=on_result, sandbox=self._id, run=int(run))
        return box[0]

    async def runs(self) -> list[dict[str, Any]]:
        """Every run of this sandbox, live and finished (run objects, see docs/api.md)."""
        msg = await self._client.request("run.list", sandbox=self._id)
        return msg.get("runs", [])

    # --- tokens -----------------------------------------------------------------------

    async def create_token(self) -> ScopedToken:
        """A token that may use this sandbox only (needs the owner's token)."""
        return await self._client.create_token(self._id)


async def _quietly(aw: Awaitable[Any]) -> None:
    try:
        await aw
    except Exception:
        pass
