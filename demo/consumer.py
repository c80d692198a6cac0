"""A Lambda-style consumer of the demo: the handler in handlers.py, named
by `_HANDLER` as the Lambda runtime names it, instrumented with
opentelemetry-instrumentation-aws-lambda and decorated with
span_autolink.opentelemetry.with_pointers, invoked once with the event on
standard input (what Lambda's event source mapping would deliver).

    python consumer.py FUNCTION_NAME HANDLER < event.json"""

import importlib
import json
import os
import sys

from tracing import tracer_provider


class Context:
    """The parts of the Lambda context object the instrumentation reads."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = f"demo-{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "demo"


def main() -> None:
    name, handler = sys.argv[1], sys.argv[2]
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = name
    os.environ["_HANDLER"] = handler
    provider = tracer_provider(name)
    from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor

    AwsLambdaInstrumentor().instrument(tracer_provider=provider)
    module, function = handler.rsplit(".", 1)
    event = json.load(sys.stdin)
    getattr(importlib.import_module(module), function)(event, Context(name))
    provider.shutdown()


if __name__ == "__main__":
    main()
