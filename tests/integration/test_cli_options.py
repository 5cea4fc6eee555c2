"""The option schema through the CLI, against the real RGW: the config file
(--config, OBJECTFS_CONFIG), precedence flag > environment > config file >
default, and the errors of a bad file."""

import socket

from conftest import s3uri

HELLO = b"hello objectfs\n"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(tmp_path, text, name="objectfs.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_config_file_sets_options(objectfs, rgw, tmp_path):
    config = write(tmp_path, f"endpoint_url: {rgw['RGW_ENDPOINT']}\nmax_parallel_requests: 4\n"
                             "part_size: 1M\n")
    no_endpoint = ("AWS_ENDPOINT_URL",)
    ok = objectfs("--config", config, "cat", s3uri("hello.txt"), env_remove=no_endpoint)
    assert ok.returncode == 0, ok.stderr.decode()
    assert ok.stdout == HELLO
    # Without the file the same command goes to AWS, which does not know the bucket.
    without = objectfs("cat", s3uri("hello.txt"), env_remove=no_endpoint,
                       env_extra={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
                                  "OBJECTFS_MAX_ATTEMPTS": "1"})
    assert without.returncode == 1


def test_objectfs_config_variable_names_the_file(objectfs, rgw, tmp_path):
    config = write(tmp_path, f"endpoint_url: {rgw['RGW_ENDPOINT']}\n")
    ok = objectfs("cat", s3uri("hello.txt"), env_remove=("AWS_ENDPOINT_URL",),
                  env_extra={"OBJECTFS_CONFIG": config})
    assert ok.returncode == 0, ok.stderr.decode()
    assert ok.stdout == HELLO


def test_precedence_flag_over_environment_over_file(objectfs, tmp_path):
    # Attempts are counted in the error of a closed port: each layer's value shows.
    config = write(tmp_path, "max_attempts: 4\nretry_initial_backoff: 10ms\n"
                             "retry_max_backoff: 20ms\n")
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}"}

    def attempts(*flags, **extra):
        result = objectfs("--config", config, *flags, "stat", s3uri("hello.txt"),
                          env_extra={**env, **extra})
        assert result.returncode == 1
        return result.stderr.decode()

    assert "gave up after 4 attempts" in attempts()
    assert "gave up after 3 attempts" in attempts(OBJECTFS_MAX_ATTEMPTS="3")
    assert "gave up after 2 attempts" in attempts("--max-attempts", "2",
                                                  OBJECTFS_MAX_ATTEMPTS="3")
    # No file: the default (5).
    default = objectfs("--retry-max-backoff", "20ms", "--retry-initial-backoff", "10ms", "stat",
                       s3uri("hello.txt"), env_extra=env)
    assert "gave up after 5 attempts" in default.stderr.decode()


def test_aws_variables_outrank_the_file_and_flags_outrank_both(objectfs, rgw, tmp_path):
    closed = f"http://127.0.0.1:{closed_port()}"
    config = write(tmp_path, f"endpoint_url: {closed}\nmax_attempts: 1\n")
    env_wins = objectfs("--config", config, "cat", s3uri("hello.txt"))  # AWS_ENDPOINT_URL is RGW
    assert env_wins.returncode == 0, env_wins.stderr.decode()
    assert env_wins.stdout == HELLO
    flag_wins = objectfs("--config", config, "--endpoint-url", rgw["RGW_ENDPOINT"], "cat",
                         s3uri("hello.txt"), env_extra={"AWS_ENDPOINT_URL": closed})
    assert flag_wins.returncode == 0, flag_wins.stderr.decode()
    file_only = objectfs("--config", config, "cat", s3uri("hello.txt"),
                         env_remove=("AWS_ENDPOINT_URL",))
    assert file_only.returncode == 1
    assert "127.0.0.1" in file_only.stderr.decode() and "gave up after 1 attempts" in \
        file_only.stderr.decode()


def test_bad_config_files_name_the_file_the_line_and_the_key(objectfs, tmp_path):
    cases = {
        "unknown.yaml": ("part_size: 8M\nmax_paralel_requests: 4\n",
                         "line 2: unknown option 'max_paralel_requests'"),
        "value.yaml": ("part_size: 8X\n", "line 1: part_size: invalid size '8X'"),
        "syntax.yaml": ("part_size: 8M\nregion: [us-east-1\n", "YAML syntax error"),
        "range.yaml": ("part_size: 1K\n", "part_size must be between 64K and 5G"),
    }
    for name, (text, message) in cases.items():
        path = write(tmp_path, text, name)
        result = objectfs("--config", path, "stat", s3uri("hello.txt"))
        err = result.stderr.decode()
        assert result.returncode == 1, err
        assert message in err, err
        if name != "range.yaml":  # checked when the Client is created, as flags are
            assert f"config file {path}" in err, err
    missing = objectfs("--config", str(tmp_path / "none.yaml"), "stat", s3uri("hello.txt"))
    assert missing.returncode == 1 and "none.yaml" in missing.stderr.decode()


def test_bad_values_are_named_on_every_layer(objectfs):
    flag = objectfs("--part-size", "8X", "stat", s3uri("hello.txt"))
    assert flag.returncode == 1 and "part_size: invalid size '8X'" in \
        flag.stderr.decode()
    env = objectfs("stat", s3uri("hello.txt"), env_extra={"OBJECTFS_READ_TIMEOUT": "soon"})
    assert env.returncode == 1
    assert "environment variable OBJECTFS_READ_TIMEOUT: read_timeout" in env.stderr.decode()
    limits = objectfs("--memory-limit", "1M", "stat", s3uri("hello.txt"))
    assert "memory_limit must be at least twice part_size" in limits.stderr.decode()


def test_help_lists_every_schema_option(objectfs):
    out = objectfs("--help", check_rc=0).stdout.decode()
    table = objectfs("options", check_rc=0).stdout.decode()
    names = [line.split()[0] for line in table.splitlines() if not line.startswith(" ")]
    assert len(names) >= 30
    for name in names:
        assert "--" + name.replace("_", "-") in out, name
    for flag in ("--account-name", "--account-key", "--connection-string", "--sas-token",
                 "--blob-endpoint", "--config"):
        assert flag in out
