"""One objectfs call in a child interpreter, so that a hang or a crash fails
the test that asked for it instead of stopping the suite.

    result, seconds = run_call(options, "read", "s3://bkt/key", timeout=60)

The child prints the sha256 of the bytes it read, loaded or wrote, and exits
OK, OS_ERROR (an OSError subclass, its "Type: message" on stderr) or
OTHER_ERROR (anything else, "NOT AN OSError Type: message" on stderr).
Calls: read, ls, stat, load_file (the arrays' bytes in name order), write
(the file at `source`, in 5 MiB parts).
"""

import hashlib
import json
import os
import subprocess
import sys
import time

OK, OS_ERROR, OTHER_ERROR = 0, 3, 4


def run_call(options, call, uri, source=None, timeout=60):
    """Runs one call in a child; returns (CompletedProcess, seconds)."""
    args = json.dumps({"options": options, "call": call, "uri": uri, "source": source})
    start = time.monotonic()
    result = subprocess.run([sys.executable, os.path.abspath(__file__), args],
                            capture_output=True, timeout=timeout, env=dict(os.environ))
    return result, time.monotonic() - start


def digest(data):
    return hashlib.sha256(data).hexdigest()


def _call(objectfs, client, args):
    if args["call"] == "read":
        with objectfs.open(args["uri"], client=client) as f:
            return f.read()
    if args["call"] == "ls":
        objectfs.ls(args["uri"], recursive=True, client=client)
        return b""
    if args["call"] == "stat":
        objectfs.stat(args["uri"], client=client)
        return b""
    if args["call"] == "load_file":
        from objectfs import safetensors
        arrays = safetensors.load_file(args["uri"], framework="np", client=client)
        return b"".join(arrays[name].tobytes() for name in sorted(arrays))
    if args["call"] == "write":
        with open(args["source"], "rb") as f:
            data = f.read()
        with objectfs.open(args["uri"], "wb", client=client, part_size=5 << 20) as f:
            f.write(data)
        return data
    raise ValueError("unknown call " + args["call"])


def main():
    import objectfs

    args = json.loads(sys.argv[1])
    client = objectfs.Client(**args["options"])
    try:
        print(digest(_call(objectfs, client, args)))
    except OSError as e:
        print(type(e).__name__ + ": " + str(e), file=sys.stderr)
        sys.exit(OS_ERROR)
    except BaseException as e:
        print("NOT AN OSError " + type(e).__name__ + ": " + str(e), file=sys.stderr)
        sys.exit(OTHER_ERROR)


if __name__ == "__main__":
    main()
