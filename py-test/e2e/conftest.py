"""Setup of the end-to-end suite: moto's server mode on 127.0.0.1 (started
and stopped here), boto3 pointed at it through the environment, the
Datadog libraries as they are called in production, and the results file
target/compat/python.json that docs/compatibility.py turns into
docs/compatibility.md."""

import os
import select
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import ddtrace_support  # noqa: E402
import e2e_support  # noqa: E402


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    """moto's server mode in a child process, on a free port of 127.0.0.1,
    for one test module (starting it takes a fraction of a second).

    The child prints its port, then serves until its standard input closes:
    if this process dies, the server goes with it."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "moto_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        port_line = proc.stdout.readline() if ready else ""
        if not port_line.strip().isdigit():
            proc.kill()
            proc.wait()
            log.close()
            pytest.fail(f"moto server did not start: {port_line!r}\n{log_path.read_text()}")
        url = f"http://127.0.0.1:{int(port_line)}"
        e2e_support.wait_until_serving(url)
        yield url
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


# What boto3 reads from the environment: dummy credentials, us-east-1, and
# moto's endpoint for every service; nothing from the user's files.
AWS_ENV_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


@pytest.fixture(scope="module")
def aws(moto_endpoint, tmp_path_factory):
    """A boto3 session on the emulator, configured only through the
    environment, which is restored after the module."""
    import boto3

    empty = tmp_path_factory.mktemp("aws") / "empty"
    empty.write_text("")
    settings = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    saved = {name: os.environ.get(name) for name in list(settings) + list(AWS_ENV_CLEARED)}
    for name in AWS_ENV_CLEARED:
        os.environ.pop(name, None)
    os.environ.update(settings)
    try:
        yield boto3.session.Session()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def agent():
    """Datadog's test agent for one test module: its URL."""
    try:
        with ddtrace_support.running() as url:
            yield url
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def datadog():
    """ddtrace's producer and datadog-lambda's consumer functions."""
    return e2e_support.Datadog()


@pytest.fixture(scope="session")
def compat():
    """Collects every flow's results; writes target/compat/python.json at
    the end of the session (with the end-to-end tests that failed, if any:
    docs/compatibility.py refuses such a file). A run of only some of the
    end-to-end tests (-k, a single file) writes nothing."""
    recorder = e2e_support.Recorder(started=time.time())
    yield recorder
    if not recorder.flows:
        return
    if PARTIAL:
        print(f"\nonly some end-to-end tests ran ({PARTIAL[0]}): {e2e_support.RESULTS_PATH} not written")
        return
    path = recorder.write()
    print(f"\nspan pointer compatibility results: {path}")


# Why this session runs only part of the end-to-end suite, if it does.
PARTIAL = []


def _in_e2e(nodeid):
    path = nodeid.split("::")[0].replace("\\", "/")
    return os.path.basename(os.path.dirname(path)) == "e2e"


def pytest_deselected(items):
    if any(_in_e2e(item.nodeid) for item in items):
        PARTIAL.append("tests deselected")


def pytest_collection_finish(session):
    modules = {os.path.basename(item.nodeid.split("::")[0]) for item in session.items if _in_e2e(item.nodeid)}
    everything = {name for name in os.listdir(HERE) if name.startswith("test_") and name.endswith(".py")}
    if modules and modules != everything:
        PARTIAL.append("not every test module collected")


def pytest_runtest_logreport(report):
    if report.failed and _in_e2e(report.nodeid):
        e2e_support.FAILED.append(report.nodeid)
