"""What the ddtrace suites share: Datadog's test agent (ddapm-test-agent,
which make test-python installs in target/agent-venv) on a free loopback
port and what it received, and ddtrace run in child processes (its global
tracer and patching stay out of the test process). bench/sampling uses
the agent too."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.path.join(ROOT, "target", "agent-venv", "bin", "ddapm-test-agent")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read().decode() or "null")


@contextlib.contextmanager
def running():
    """Starts the agent; yields its URL; stops it. Raises RuntimeError
    with the agent's log when it does not start."""
    if not os.path.exists(AGENT):
        raise RuntimeError(f"{AGENT} missing: make test-python installs it")
    port, otlp_http, otlp_grpc = free_port(), free_port(), free_port()
    with tempfile.TemporaryFile("w+") as log:
        # None of the tracers' DD_ variables: with DD_API_KEY the agent would call Datadog's API.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        proc = subprocess.Popen(
            [AGENT, f"--port={port}", "--host=127.0.0.1", f"--otlp-http-port={otlp_http}", f"--otlp-grpc-port={otlp_grpc}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "LOG_LEVEL": "WARNING"},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    get_json(url + "/info")
                    break
                except Exception:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        log.seek(0)
                        raise RuntimeError("the test agent did not start:\n" + log.read()[-3000:])
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def clear(agent):
    urllib.request.urlopen(agent + "/test/session/clear", timeout=10).read()


def received_spans(agent):
    spans = []
    for trace in get_json(agent + "/test/traces") or []:
        spans.extend(trace)
    return spans


def run_child(source, agent, stdin="", extra_env=None, argv=(), timeout=180):
    """Runs Python ``source`` in a child process whose ddtrace sends to
    ``agent``; answers its standard output."""
    env = {
        **os.environ,
        "DD_TRACE_AGENT_URL": agent,
        "DD_TRACE_ENABLED": "true",
        "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
        "DD_REMOTE_CONFIGURATION_ENABLED": "false",
        "DD_TRACE_STARTUP_LOGS": "false",
        "DD_SERVICE": "span-autolink-e2e",
        **(extra_env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-c", source, *argv], input=stdin, capture_output=True, text=True, env=env, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def pointer_links(span):
    links = span.get("span_links")
    if links is None and "_dd.span_links" in span.get("meta", {}):
        links = json.loads(span["meta"]["_dd.span_links"])
    return [link["attributes"] for link in links or () if link.get("attributes", {}).get("link.kind") == "span-pointer"]


# A Lambda function under datadog-lambda (datadog_lambda_wrapper over
# span_autolink.ddtrace.with_pointers), invoked once per event of the JSON
# list on its standard input; set AWS_LAMBDA_FUNCTION_NAME=dd-consumer.
# LAMBDA_INVOCATIONS stops before the tracer's shutdown, for scripts that
# record the spans first and print them after.
LAMBDA_INVOCATIONS = textwrap.dedent(
    """
    import json, sys
    from datadog_lambda.wrapper import datadog_lambda_wrapper
    import span_autolink.ddtrace as sad

    class Context:
        function_name = "dd-consumer"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:dd-consumer"
        memory_limit_in_mb = 128
        aws_request_id = "00000000-0000-0000-0000-000000000002"
        log_group_name = "/aws/lambda/dd-consumer"
        log_stream_name = "stream"
        client_context = None
        identity = None
        def get_remaining_time_in_millis(self):
            return 30000

    @datadog_lambda_wrapper
    @sad.with_pointers
    def handler(event, context):
        return {"ok": True}

    for event in json.load(sys.stdin):
        assert handler(event, Context()) == {"ok": True}
    """
)
LAMBDA_CONSUMER = LAMBDA_INVOCATIONS + textwrap.dedent(
    """
    from ddtrace.trace import tracer
    tracer.shutdown()
    """
)
