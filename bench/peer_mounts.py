"""The benchmark RGW from the Python benchmarks: its env file, clients' environment,
a boto3 client, and mounting one of its buckets with objectfs, s3fs or rclone
(default options unless asked).

    rgw = load_env(ENV_FILE); env = client_env(rgw); s3 = boto3_client(rgw)
    with PeerMount("s3fs", bucket, rgw, env, work) as m: ... m.mnt ... m.peak_rss_mib()
"""

import os
import subprocess
import sys
import time


def load_env(path):
    """The KEY=VALUE lines tests/servers/rgw.sh writes."""
    env = {}
    for line in open(path, encoding="utf-8"):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            env[k] = v.strip("'\"")
    return env


def parse_size(text):
    """'512M', '2G' -> bytes."""
    return int(text[:-1]) << {"M": 20, "G": 30}[text[-1]]


def client_env(rgw):
    """This process's environment with the RGW's credentials, the AWS way."""
    return dict(os.environ, AWS_ACCESS_KEY_ID=rgw["RGW_ACCESS_KEY"],
                AWS_SECRET_ACCESS_KEY=rgw["RGW_SECRET_KEY"], AWS_ENDPOINT_URL=rgw["RGW_ENDPOINT"],
                AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")


def boto3_client(rgw):
    import boto3

    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"])


def mounted(path):
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(line.split()[1] == path for line in f)


def mount_command(kind, bucket, mnt, rgw, work, objectfs=None, extra=()):
    """The foreground command that mounts `bucket` at `mnt`, and its environment changes."""
    if kind == "objectfs":
        return [objectfs, "mount", *extra, "--foreground", f"s3://{bucket}", mnt], {}
    if kind == "s3fs":
        passwd = os.path.join(work, "s3fs.passwd")
        with open(passwd, "w", encoding="utf-8") as f:
            f.write(f"{rgw['RGW_ACCESS_KEY']}:{rgw['RGW_SECRET_KEY']}\n")
        os.chmod(passwd, 0o600)
        return ["s3fs", bucket, mnt, "-f", "-o", f"url={rgw['RGW_ENDPOINT']}", "-o",
                "use_path_request_style", "-o", f"passwd_file={passwd}", *extra], {}
    conf = os.path.join(work, "rclone.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(f"[rgw]\ntype = s3\nprovider = Ceph\nenv_auth = false\n"
                f"access_key_id = {rgw['RGW_ACCESS_KEY']}\n"
                f"secret_access_key = {rgw['RGW_SECRET_KEY']}\n"
                f"endpoint = {rgw['RGW_ENDPOINT']}\nforce_path_style = true\n")
    # rclone refuses a custom CA bundle on its S3 transport.
    return (["rclone", "--config", conf, "--cache-dir", os.path.join(work, "rclone-cache"),
             "mount", f"rgw:{bucket}", mnt, *extra], {"AWS_CA_BUNDLE": None})


class PeerMount:
    """A foreground mount daemon, unmounted and stopped on exit (even on errors)."""

    def __init__(self, kind, bucket, rgw, env, work, objectfs=None, extra=(), name=None):
        self.kind = kind
        self.mnt = os.path.join(work, f"mnt-{name or kind}")
        os.makedirs(self.mnt, exist_ok=True)
        cmd, changes = mount_command(kind, bucket, self.mnt, rgw, work, objectfs, extra)
        self.env = {k: v for k, v in {**env, **changes}.items() if v is not None}
        self.cmd = cmd
        self.log = os.path.join(work, f"{name or kind}.log")
        self.daemon = None

    def __enter__(self):
        log = open(self.log, "ab")
        self.daemon = subprocess.Popen(self.cmd, env=self.env, stdout=log, stderr=log,
                                       stdin=subprocess.DEVNULL)
        for _ in range(300):
            if mounted(self.mnt):
                return self
            if self.daemon.poll() is not None:
                break
            time.sleep(0.1)
        self.__exit__()
        sys.exit(f"{self.kind} mount failed; see {self.log}")

    def peak_rss_mib(self):
        with open(f"/proc/{self.daemon.pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", self.mnt], stderr=subprocess.DEVNULL)
        if mounted(self.mnt):
            subprocess.run(["fusermount3", "-uz", self.mnt], stderr=subprocess.DEVNULL)
        try:
            self.daemon.wait(30)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait(10)
