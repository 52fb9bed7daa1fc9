"""The Python SDK against a real vivariumd with real (tiny, TCG) sandboxes.

Run: /usr/bin/python3 -m unittest discover -s sdk/python/tests -t sdk/python -v
with PYTHONPATH=sdk/python/src and VIVARIUM_BIN_DIR=build/bin (ctest sets both).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
import threading
import time
import unittest

import vivarium
from vivarium import Client, Sandbox
from vivarium.aio import AsyncClient, AsyncSandbox

from .service import Service, wait_for

SERVICE: Service | None = None


def setUpModule() -> None:
    global SERVICE
    SERVICE = Service().start()


def tearDownModule() -> None:
    global SERVICE
    if SERVICE is None:
        return
    try:
        with Client(SERVICE.url, SERVICE.token) as owner:
            for sb in owner.list():
                try:
                    sb.remove()
                except vivarium.VivariumError:
                    pass
    finally:
        SERVICE.stop()
        SERVICE = None


class SharedSandbox(unittest.TestCase):
    """One booted tiny sandbox for the whole class (each boot costs ~3 s under TCG)."""

    sb: Sandbox

    @classmethod
    def setUpClass(cls) -> None:
        cls.sb = Sandbox.create(template="tiny", keep=True)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.sb.remove()


class RunTest(SharedSandbox):
    def test_output_and_exit_code(self):
        r = self.sb.run("echo hi; echo err >&2; exit 3")
        self.assertEqual(r.stdout, "hi\n")
        self.assertEqual(r.stderr, "err\n")
        self.assertEqual(r.stdout_bytes, b"hi\n")
        self.assertEqual(r.exit_code, 3)
        self.assertIsNone(r.signal)
        self.assertIsNone(r.error)
        self.assertFalse(r.ok)
        self.assertEqual(r.argv, ["sh", "-c", "echo hi; echo err >&2; exit 3"])
        self.assertEqual(r.sandbox, self.sb.id)
        self.assertGreater(r.run, 0)

    def test_argv_list_and_invalid_utf8(self):
        r = self.sb.run(["printf", "%s\\377\\n", "a b"])
        self.assertEqual(r.exit_code, 0)
        self.assertEqual(r.stdout_bytes, b"a b\xff\n")
        self.assertEqual(r.stdout, "a b\ufffd\n")

    def test_check(self):
        self.assertEqual(self.sb.run("true", check=True).exit_code, 0)
        with self.assertRaises(vivarium.CommandError) as cm:
            self.sb.run("echo partial; exit 7", check=True)
        self.assertEqual(cm.exception.code, "exit_status")
        self.assertEqual(cm.exception.result.exit_code, 7)
        self.assertEqual(cm.exception.result.stdout, "partial\n")

    def test_signal(self):
        proc = self.sb.spawn("echo started; exec sleep 60", stdin=True)
        wait_for(lambda: b"started" in proc.stdout_so_far, 30, "the command to start")
        proc.signal(15)
        r = proc.wait(30)
        self.assertIsNone(r.exit_code)
        self.assertEqual(r.signal, 15)
        self.assertIsNone(r.error)
        # A signal it sends itself.
        r = self.sb.run("kill -9 $$")
        self.assertEqual((r.exit_code, r.signal), (None, 9))
        with self.assertRaises(vivarium.CommandError) as cm:
            r.check()
        self.assertEqual(cm.exception.code, "killed")
        # Signalling a finished run is an error from the service.
        with self.assertRaises(vivarium.InvalidState):
            proc.signal(15)
        proc.kill()  # but kill() of a finished run is quietly nothing

    def test_streaming_callbacks_before_the_end(self):
        out: list[bytes] = []
        err: list[bytes] = []
        seen = threading.Event()

        def on_stdout(b: bytes) -> None:
            out.append(b)
            if b"ready" in b"".join(out):
                seen.set()

        proc = self.sb.spawn("echo ready; echo warn >&2; read line; echo got $line",
                             stdin=True, on_stdout=on_stdout, on_stderr=err.append)
        self.assertTrue(seen.wait(30), "no output before the command ended")
        self.assertFalse(proc.done, "the command must still be waiting for stdin")
        wait_for(lambda: b"warn" in b"".join(err), 30, "stderr to stream")
        proc.write_stdin(b"hello\n")
        proc.close_stdin()
        r = proc.wait(30)
        self.assertEqual(r.exit_code, 0)
        self.assertEqual(b"".join(out), b"ready\ngot hello\n")
        self.assertEqual(r.stdout, "ready\ngot hello\n")
        self.assertEqual(b"".join(err), b"warn\n")

    def test_run_with_callbacks(self):
        chunks: list[bytes] = []
        r = self.sb.run("for i in 1 2 3; do echo $i; done", on_stdout=chunks.append)
        self.assertEqual(b"".join(chunks), b"1\n2\n3\n")
        self.assertEqual(r.stdout, "1\n2\n3\n")

    def test_callback_error_is_raised(self):
        def boom(_: bytes) -> None:
            raise ValueError("boom")

        with self.assertRaises(ValueError):
            self.sb.run("echo x", on_stdout=boom)

    def test_stdin(self):
        self.assertEqual(self.sb.run("cat", stdin=b"bytes\x00in").stdout_bytes, b"bytes\x00in")
        self.assertEqual(self.sb.run("cat", stdin="text é").stdout, "text é")
        big = os.urandom(300 * 1024)  # several stdin frames
        r = self.sb.run("sha256sum", stdin=io.BytesIO(big))
        self.assertEqual(r.stdout.split()[0], hashlib.sha256(big).hexdigest())
        # Without stdin the command reads end-of-file at once.
        self.assertEqual(self.sb.run("cat; echo eof").stdout, "eof\n")

    def test_env_cwd_user(self):
        r = self.sb.run('echo "$FOO|$BAR"; pwd', env={"FOO": "foo value", "BAR": "1"}, cwd="/tmp")
        self.assertEqual(r.stdout, "foo value|1\n/tmp\n")
        self.assertEqual(self.sb.run("id -u", user="nobody").stdout.strip(), "65534")
        self.assertEqual(self.sb.run("id -u", user=1000).stdout.strip(), "1000")

    def test_timeout(self):
        t0 = time.monotonic()
        r = self.sb.run("echo before; sleep 60", timeout=1.0)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertTrue(r.timed_out)
        self.assertIsNone(r.exit_code)
        self.assertEqual(r.signal, 9)
        self.assertEqual(r.error_code, "timeout")
        self.assertEqual(r.stdout, "before\n")
        with self.assertRaises(vivarium.CommandTimeout) as cm:
            self.sb.run("sleep 60", timeout=0.5, check=True)
        self.assertIsInstance(cm.exception, vivarium.Timeout)
        # A command that ends in time is not affected.
        self.assertEqual(self.sb.run("echo ok", timeout=30).exit_code, 0)

    def test_exec_failed(self):
        r = self.sb.run(["/nonexistent/binary"])
        self.assertIsNone(r.exit_code)
        self.assertIsNone(r.signal)
        self.assertEqual(r.error_code, "exec_failed")
        self.assertIn("No such file", r.error)
        with self.assertRaises(vivarium.ExecFailed):
            r.check()
        with self.assertRaises(vivarium.ExecFailed):
            self.sb.run("true", user="no-such-user", check=True)

    def test_wait_timeout_leaves_the_command_running(self):
        proc = self.sb.spawn("read x; echo $x", stdin=True)
        with self.assertRaises(vivarium.Timeout):
            proc.wait(0.2)
        self.assertFalse(proc.done)
        proc.write_stdin("late\n")
        self.assertEqual(proc.wait(30).stdout, "late\n")

    def test_attach_replays_a_run(self):
        r = self.sb.run("echo one; echo two >&2")
        out: list[bytes] = []
        proc = self.sb.attach(r.run, on_stdout=out.append)
        replay = proc.wait(30)
        self.assertEqual(replay.exit_code, 0)
        self.assertEqual(replay.stdout, "one\n")
        self.assertEqual(replay.stderr, "two\n")
        self.assertEqual(b"".join(out), b"one\n")
        self.assertIn(r.run, [x["run"] for x in self.sb.runs()])

    def test_attach_from_another_connection(self):
        proc = self.sb.spawn("echo first; read x; echo second $x", stdin=True)
        wait_for(lambda: b"first" in proc.stdout_so_far, 30, "the first line")
        seen: list[bytes] = []
        with Client() as other:
            follower = Sandbox.connect(self.sb.id, client=other).attach(
                proc.run, on_stdout=seen.append)
            wait_for(lambda: b"first" in b"".join(seen), 30, "the replayed output")
            self.assertFalse(follower.done)
            proc.write_stdin("x\n")
            r = follower.wait(30)
        self.assertEqual(r.stdout, "first\nsecond x\n")
        self.assertEqual(b"".join(seen), b"first\nsecond x\n")
        self.assertEqual(proc.wait(30).exit_code, 0)

    def test_sync_api_inside_a_running_event_loop(self):
        # As in Jupyter: the sync API runs on its own thread, not on the caller's loop.
        async def main():
            return self.sb.run("echo from-a-loop").stdout

        self.assertEqual(asyncio.run(main()), "from-a-loop\n")

    def test_cancelled_run_is_killed(self):
        async def main():
            async with AsyncClient() as client:
                sb = await AsyncSandbox.connect(self.sb.id, client=client)
                started = asyncio.Event()
                task = asyncio.create_task(sb.run(
                    "echo up; sleep 60", on_stdout=lambda b: started.set()))
                await asyncio.wait_for(started.wait(), 30)
                task.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await task
                runs = await sb.runs()
                return runs[-1]["run"]

        run = asyncio.run(main())
        wait_for(lambda: next(r for r in self.sb.runs() if r["run"] == run).get("signal") == 9,
                 30, "the cancelled command to be killed")

    def test_pty(self):
        r = self.sb.run("tty >/dev/null && echo on-a-tty; echo err >&2", pty=True)
        self.assertEqual(r.exit_code, 0)
        self.assertIn("on-a-tty", r.stdout)
        self.assertIn("err", r.stdout)  # merged into stdout

    def test_sandbox_facts(self):
        self.assertEqual(self.sb.state, "ready")
        self.assertEqual(self.sb.template, "tiny")
        self.assertTrue(self.sb.name.startswith("tiny-"))
        self.assertEqual(Sandbox.connect(self.sb.name).id, self.sb.id)
        self.assertEqual(Sandbox.connect(self.sb.id[:6]).id, self.sb.id)
        self.assertIn(self.sb.id, [s.id for s in Sandbox.list()])

    def test_async_api(self):
        async def main():
            async with AsyncClient() as client:
                sb = await AsyncSandbox.connect(self.sb.id, client=client)
                results = await asyncio.gather(*(sb.run(f"echo {i}") for i in range(5)))
                self.assertEqual([r.stdout for r in results], [f"{i}\n" for i in range(5)])
                await sb.files.write("/tmp/async.txt", "async")
                self.assertEqual(await sb.files.read("/tmp/async.txt"), b"async")
                proc = await sb.spawn("cat", stdin=True)
                await proc.write_stdin(b"x")
                await proc.close_stdin()
                self.assertEqual((await proc.wait(30)).stdout, "x")
                self.assertTrue(sb.keep)

        asyncio.run(main())


class FilesTest(SharedSandbox):
    def test_write_read(self):
        files = self.sb.files
        self.assertEqual(files.write("/tmp/a.txt", b"data\x00\xff"), 6)
        self.assertEqual(files.read("/tmp/a.txt"), b"data\x00\xff")
        files.write("/tmp/a.txt", "more é", append=True)
        self.assertEqual(files.read("/tmp/a.txt"), b"data\x00\xff" + "more é".encode())
        files.write("/tmp/a.txt", b"")
        self.assertEqual(files.read("/tmp/a.txt"), b"")
        files.write("/tmp/text.txt", "héllo\n")
        self.assertEqual(files.read_text("/tmp/text.txt"), "héllo\n")
        # The guest sees what was written.
        self.assertEqual(self.sb.run("cat /tmp/text.txt").stdout, "héllo\n")

    def test_write_mode_and_stat(self):
        self.sb.files.write("/tmp/script.sh", "#!/bin/sh\necho ran\n", mode=0o755)
        self.assertEqual(self.sb.run(["/tmp/script.sh"]).stdout, "ran\n")
        st = self.sb.files.stat("/tmp/script.sh")
        self.assertEqual(st.mode, 0o755)
        self.assertEqual(st.size, len("#!/bin/sh\necho ran\n"))
        self.assertEqual(st.name, "script.sh")
        self.assertEqual(st.path, "/tmp/script.sh")
        self.assertGreater(st.mtime, 0)
        self.assertEqual((st.uid, st.gid), (0, 0))

    def test_stat_reports_the_file_type(self):
        self.assertEqual(self.sb.files.stat("/tmp").type, "dir")
        self.sb.files.write("/tmp/typed", b"x")
        self.assertEqual(self.sb.files.stat("/tmp/typed").type, "file")

    def test_list(self):
        self.sb.run("rm -rf /tmp/d && mkdir -p /tmp/d/sub && echo 12345 > /tmp/d/f "
                    "&& ln -s f /tmp/d/link", check=True)
        entries = {e.name: e for e in self.sb.files.list("/tmp/d")}
        self.assertEqual(set(entries), {"sub", "f", "link"})
        self.assertEqual(entries["sub"].type, "dir")
        self.assertTrue(entries["sub"].is_dir)
        self.assertEqual(entries["f"].type, "file")
        self.assertEqual(entries["f"].size, 6)
        self.assertEqual(entries["f"].path, "/tmp/d/f")
        self.assertEqual(entries["link"].type, "symlink")
        self.assertEqual(entries["link"].target, "f")
        with self.assertRaises(vivarium.NotFound):
            self.sb.files.list("/tmp/no-such-dir")

    def test_stat_follow(self):
        self.sb.run("echo abc > /tmp/target && ln -sf target /tmp/lnk", check=True)
        lst = self.sb.files.stat("/tmp/lnk")
        self.assertEqual(lst.target, "target")
        followed = self.sb.files.stat("/tmp/lnk", follow=True)
        self.assertEqual(followed.size, 4)
        self.assertIsNone(followed.target)
        self.assertTrue(self.sb.files.exists("/tmp/lnk"))
        self.assertFalse(self.sb.files.exists("/tmp/nothing-here"))

    def test_remove(self):
        files = self.sb.files
        files.write("/tmp/gone", b"x")
        files.remove("/tmp/gone")
        self.assertFalse(files.exists("/tmp/gone"))
        with self.assertRaises(vivarium.NotFound):
            files.remove("/tmp/gone")
        self.sb.run("mkdir -p /tmp/tree/a/b && touch /tmp/tree/a/b/c", check=True)
        with self.assertRaises(vivarium.VivariumError):
            files.remove("/tmp/tree")  # not empty
        self.assertTrue(files.exists("/tmp/tree/a/b/c"))
        files.remove("/tmp/tree", recursive=True)
        self.assertFalse(files.exists("/tmp/tree"))

    def test_errors(self):
        with self.assertRaises(vivarium.NotFound) as cm:
            self.sb.files.read("/tmp/does-not-exist")
        self.assertEqual(cm.exception.code, "not_found")
        with self.assertRaises(vivarium.VivariumError):
            self.sb.files.read("/tmp")  # a directory
        with self.assertRaises(vivarium.NotFound):
            self.sb.files.write("/tmp/no/such/dir/file", b"x")

    def test_stream_file_objects(self):
        data = os.urandom(3 * 1024 * 1024 + 17)
        self.assertEqual(self.sb.files.write("/tmp/obj.bin", io.BytesIO(data)), len(data))
        out = io.BytesIO()
        self.assertEqual(self.sb.files.download("/tmp/obj.bin", out), len(data))
        self.assertEqual(out.getvalue(), data)

    def test_upload_download_20_mib(self):
        size = 20 * 1024 * 1024
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src.bin")
            dst = os.path.join(tmp, "dst.bin")
            digest = hashlib.sha256()
            with open(src, "wb") as f:
                for _ in range(20):
                    chunk = os.urandom(1024 * 1024)
                    digest.update(chunk)
                    f.write(chunk)
            os.chmod(src, 0o600)
            self.assertEqual(self.sb.files.upload(src, "/tmp/big.bin"), size)
            st = self.sb.files.stat("/tmp/big.bin")
            self.assertEqual((st.size, st.mode), (size, 0o600))
            guest_sum = self.sb.run("sha256sum /tmp/big.bin", check=True).stdout.split()[0]
            self.assertEqual(guest_sum, digest.hexdigest())
            self.assertEqual(self.sb.files.download("/tmp/big.bin", dst), size)
            back = hashlib.sha256()
            with open(dst, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    back.update(chunk)
            self.assertEqual(back.hexdigest(), digest.hexdigest())
            self.sb.files.remove("/tmp/big.bin")
            # A failed download leaves no partial file behind.
            with self.assertRaises(vivarium.NotFound):
                self.sb.files.download("/tmp/big.bin", os.path.join(tmp, "missing.bin"))
            self.assertEqual(sorted(os.listdir(tmp)), ["dst.bin", "src.bin"])


class ErrorTest(unittest.TestCase):
    def test_unknown_sandbox(self):
        with self.assertRaises(vivarium.NotFound) as cm:
            Sandbox.connect("no-such-sandbox")
        self.assertEqual(cm.exception.code, "not_found")
        self.assertTrue(cm.exception.message)
        client = Client()
        ghost = Sandbox(_handle(client, "deadbeef"), client)  # a handle to no sandbox
        with self.assertRaises(vivarium.NotFound):
            ghost.run("true")
        with self.assertRaises(vivarium.NotFound):
            ghost.files.read("/etc/passwd")

    def test_wrong_token(self):
        with self.assertRaises(vivarium.Unauthorized) as cm:
            Sandbox.list(token="0" * 64)
        self.assertEqual(cm.exception.code, "unauthorized")
        self.assertIs(vivarium.AuthError, vivarium.Unauthorized)
        with self.assertRaises(vivarium.Unauthorized):
            Client(token="wrong").connect()

    def test_unreachable(self):
        with self.assertRaises(vivarium.ConnectionFailed) as cm:
            Client("ws://127.0.0.1:1", "x", connect_timeout=5).connect()
        self.assertEqual(cm.exception.code, "unreachable")

    def test_bad_template(self):
        with self.assertRaises(vivarium.UnknownTemplate):
            Sandbox.create(template="no-such-template")

    def test_info(self):
        info = Client().info()
        self.assertEqual(info["version"], 1)
        self.assertEqual(info["scope"], "owner")
        self.assertIn("tiny", [t["name"] for t in info["templates"]])


class LifecycleTest(unittest.TestCase):
    def test_context_manager_removes_and_states(self):
        with Sandbox.create(template="tiny", name="sdk-lifecycle") as sb:
            sid = sb.id
            self.assertEqual(sb.name, "sdk-lifecycle")
            self.assertEqual(sb.state, "ready")
            with self.assertRaises(vivarium.NameTaken):
                Sandbox.create(template="tiny", name="sdk-lifecycle")
            sb.stop()
            self.assertEqual(sb.state, "stopped")
            with self.assertRaises(vivarium.InvalidState) as cm:
                sb.run("true")
            self.assertIn("stopped", cm.exception.message)
            sb.start()
            self.assertEqual(sb.state, "ready")
            self.assertEqual(sb.run("echo back").stdout, "back\n")
        self.assertEqual(sb.state, "removed")
        self.assertNotIn(sid, [s.id for s in Sandbox.list()])
        with self.assertRaises(vivarium.NotFound):
            Sandbox.connect(sid)

    def test_keep(self):
        with Sandbox.create(template="tiny", keep=True) as sb:
            pass
        try:
            self.assertEqual(Sandbox.connect(sb.id).state, "ready")
            with Sandbox.connect(sb.id):  # connect() keeps by default too
                pass
            self.assertIn(sb.id, [s.id for s in Sandbox.list()])
        finally:
            sb.remove()
        self.assertEqual(sb.state, "removed")


class ScopedTokenTest(unittest.TestCase):
    def test_scoped_token(self):
        owner = Client()
        mine = owner.create("tiny", "sdk-scoped", keep=True)
        other = owner.create("tiny", "sdk-other", keep=True)
        try:
            token = owner.create_token(mine)
            self.assertEqual(token.sandbox, mine.id)
            self.assertNotIn(token.token, repr(token))
            self.assertIn(token.token_id, [t.token_id for t in owner.list_tokens()])

            with Client(token=token.token) as scoped:
                self.assertEqual(scoped.info()["scope"], f"sandbox:{mine.id}")
                self.assertEqual([s.id for s in scoped.list()], [mine.id])
                sb = Sandbox.connect("sdk-scoped", client=scoped)
                self.assertEqual(sb.run("echo scoped").stdout, "scoped\n")
                sb.files.write("/tmp/scoped", b"ok")
                self.assertEqual(sb.files.read("/tmp/scoped"), b"ok")
                with self.assertRaises(vivarium.Forbidden):
                    Sandbox.connect(other.id, client=scoped)
                with self.assertRaises(vivarium.Forbidden):
                    Sandbox(_handle(scoped, other.id), scoped).run("true")
                with self.assertRaises(vivarium.Forbidden):
                    scoped.create("tiny")
                with self.assertRaises(vivarium.Forbidden):
                    scoped.create_token(mine.id)

            owner.revoke_token(token.token_id)
            with self.assertRaises(vivarium.Unauthorized):
                Client(token=token.token).connect()
        finally:
            mine.remove()
            other.remove()


def _handle(client: Client, sandbox_id: str) -> AsyncSandbox:
    return AsyncSandbox(client._async, {"id": sandbox_id})


if __name__ == "__main__":
    unittest.main()
