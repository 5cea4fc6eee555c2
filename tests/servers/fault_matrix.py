"""What the fault matrix tests share: the faults, the two rates, the client
settings, the time bound docs/RELIABILITY.md derives, and what a failure's
one line must say.

Two rates per fault: EVERY_THIRD (every 3rd request misbehaves: the front must
end with exact bytes, through retries) and EVERY (every request misbehaves:
the front must fail within BOUND_S with one line naming the URI and the cause).
"""

import os
import random
import re
import subprocess
import time

from fault_proxy import FAULTS  # noqa: F401  (re-exported for the tests)

EVERY_THIRD, EVERY = 3, 1
RATES = {"every3": EVERY_THIRD, "every1": EVERY}

READ_TIMEOUT_S = 1
CONNECT_TIMEOUT_S = 1
MAX_BACKOFF_S = 1.0
# Enough tries that a request survives the every-3rd faults even when parallel
# requests share the count; two where everything fails, to keep the bound short.
ATTEMPTS = {EVERY_THIRD: 6, EVERY: 2}
# The proxy's stall outlasts the read timeout; its trickle (4 bytes/s) is far
# below the minimum transfer rate (low_speed_limit, 1 KiB/s by default).
STALL_S = READ_TIMEOUT_S + 3
REFUSE_S = 0.1  # shorter than the least total backoff of 4 attempts (0.175 s)


def cli_options(every):
    return ["--max-attempts", str(ATTEMPTS[every]), "--read-timeout", str(READ_TIMEOUT_S),
            "--connect-timeout", str(CONNECT_TIMEOUT_S), "--retry-initial-backoff", "0.05",
            "--retry-max-backoff", str(MAX_BACKOFF_S)]


def python_options(every):
    return dict(max_attempts=ATTEMPTS[every], read_timeout=READ_TIMEOUT_S,
                connect_timeout=CONNECT_TIMEOUT_S, retry_initial_backoff=0.05,
                retry_max_backoff=MAX_BACKOFF_S)


def request_bound_s(attempts):
    """docs/RELIABILITY.md: one request ends within attempts x (connect_timeout
    + read_timeout + its bytes / low_speed_limit) + (attempts - 1) x
    retry_max_backoff. Curl checks the rate once a second: +1 s per try. The
    test objects are small, so the bytes term is below a second."""
    return attempts * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S + 1 + 1) + (attempts - 1) * MAX_BACKOFF_S


# Where every request fails, the front fails at its first request: one
# request's bound, plus process start-up and the proxy's own slack.
BOUND_S = request_bound_s(ATTEMPTS[EVERY]) + 4

# What the one line must say about the cause, per fault.
CAUSES = {
    "503": r"HTTP 503|SlowDown",
    "500": r"HTTP 500|InternalError",
    "429": r"HTTP 429|SlowDown",
    "reset": r"curl error|reset|closed|Empty reply",
    "short": r"curl error|closed in the middle|partial|short",
    "stall": r"too slow|timed out|curl error 28",
    "trickle": r"too slow|timed out|curl error 28",
    "refuse": r"connect|refused|curl error 7",
}


def check_cli_outcome(result, elapsed, proxy, every, uri, fault):
    """A CLI run through `proxy` at rate `every`: every 3rd, exit 0 and the
    proxy injected something; every request, exit 1 within BOUND_S and one
    line naming `uri` (a query dropped, as messages do) and the cause. Returns
    True when the run succeeded (the caller checks the bytes)."""
    err = result.stderr.decode(errors="replace")
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {err}"
    if every == EVERY_THIRD:
        assert result.returncode == 0, err
        assert proxy.injected(), "the proxy injected nothing: the cell tested nothing"
        return True
    assert result.returncode == 1, err
    assert elapsed < BOUND_S, (elapsed, BOUND_S, err)
    check_failure_line(err, uri.split("?")[0], fault)
    return False


def check_failure_line(text, uri, fault):
    """One line, naming the URI and the cause; returns the line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    line = lines[0]
    assert uri in line, line
    assert re.search(CAUSES[fault], line), (fault, line)
    return line


# A mount keeps its options for both rates: enough tries for the every-3rd
# phase (parallel parts may meet more than one refusal window), and the bound
# of the every-request phase follows from them.
MOUNT_ATTEMPTS = 5


def mount_options():
    return ["--max-attempts", str(MOUNT_ATTEMPTS), "--read-timeout", str(READ_TIMEOUT_S),
            "--connect-timeout", str(CONNECT_TIMEOUT_S), "--retry-initial-backoff", "0.05",
            "--retry-max-backoff", str(MAX_BACKOFF_S)]


def read_seq(path):
    with open(path, "rb") as f:
        return f.read()


def pread_all(path, size, seed):
    """Random 4-40 KiB preads covering the file, in a shuffled order."""
    rng = random.Random(seed)
    chunks = []
    offset = 0
    while offset < size:
        n = rng.randint(4 << 10, 40 << 10)
        chunks.append((offset, min(n, size - offset)))
        offset += n
    rng.shuffle(chunks)
    out = bytearray(size)
    fd = os.open(path, os.O_RDONLY)
    try:
        for off, n in chunks:
            got = os.pread(fd, n, off)
            assert len(got) == n
            out[off:off + n] = got
    finally:
        os.close(fd)
    return bytes(out)


def is_mounted(path):
    path = os.path.realpath(str(path))
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(line.split()[1] == path for line in f)


class Mount:
    """`objectfs mount URI` of a conformance backend (with `env` on top of its
    own) for a with-block; always unmounted and waited for on exit."""

    def __init__(self, backend, uri, env, workdir, *args):
        self.mnt = workdir / "mnt"
        self.mnt.mkdir()
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(backend.home),
                    "AWS_EC2_METADATA_DISABLED": "true", **backend.server.env, **env}
        binary = os.environ.get("OBJECTFS_BIN", "build/objectfs")
        self.proc = subprocess.Popen([binary, "mount", uri, str(self.mnt), "--foreground",
                                      "--log-file", str(workdir / "mount.log"), *args],
                                     env=full_env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def __enter__(self):
        try:
            deadline = time.monotonic() + 20
            while not is_mounted(self.mnt):
                assert self.proc.poll() is None, f"mount exited: {self.proc.stderr.read().decode()}"
                assert time.monotonic() < deadline, "mount not ready after 20 s"
                time.sleep(0.05)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.mnt

    def __exit__(self, *exc):
        for args in (["-u"], ["-uz"]):
            if is_mounted(self.mnt):
                subprocess.run(["fusermount3", *args, str(self.mnt)], capture_output=True,
                               timeout=30)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        assert not is_mounted(self.mnt)
