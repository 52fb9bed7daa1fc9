#!/usr/bin/python3
"""The ten-line agent: run model-written code in a throw-away sandbox and read back results."""
from vivarium import Sandbox

code = "import json, sys\nprint(json.dumps({'sum': sum(range(10)), 'py': sys.version_info[:2]}))\n"
with Sandbox.create(template="default") as sb:          # removed at the end of the block
    sb.files.write("/tmp/task.py", code)
    r = sb.run(["python3", "/tmp/task.py"], timeout=60, on_stdout=lambda b: print("live:", b))
    print("exit", r.exit_code, "stdout", r.stdout.strip(), "stderr", r.stderr.strip() or "-")
    print(sb.run("echo oops >&2; exit 3").exit_code)       # 3; check=True would raise instead
