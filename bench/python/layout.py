"""The process layouts the hot-path comparison (calls.py) runs in, for
bench.py: a clean interpreter, or a Lambda function whose handler
(lambda_handler.py) is loaded as that layout's runtime does and invoked
once. Prints the results as the last line (JSON).

    python layout.py clean            nothing but the two libraries
    python layout.py datadog-lambda   datadog-lambda's handler wrapper
                                      (datadog_lambda.handler, as the
                                      Datadog Lambda layer runs a function):
                                      datadog_lambda and ddtrace load first,
                                      ddtrace's botocore patched
    python layout.py opentelemetry    OpenTelemetry's Lambda instrumentation
                                      (as its Lambda layer's wrapper does):
                                      the SDK, the botocore instrumentation
                                      with span-autolink's hook, the handler
                                      wrapped by AwsLambdaInstrumentor

bench.py sets the Lambda environment (AWS_LAMBDA_FUNCTION_NAME, ...) and,
for both layouts, what datadog-lambda sets before ddtrace loads in
Lambda (instrumentation telemetry off): the Datadog side is timed as it
runs in a Lambda function.
"""

import importlib
import json
import os
import sys


class Context:
    function_name = "span-autolink-bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:span-autolink-bench"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000024"
    log_group_name = "/aws/lambda/span-autolink-bench"
    log_stream_name = "bench"
    client_context = None
    identity = None

    def get_remaining_time_in_millis(self):
        return 900000


def datadog_lambda():
    os.environ["DD_LAMBDA_HANDLER"] = "lambda_handler.datadog_handler"
    from datadog_lambda.handler import handler

    return handler


def opentelemetry():
    from opentelemetry import trace
    from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import span_autolink.opentelemetry

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    trace.set_tracer_provider(provider)
    span_autolink.opentelemetry.instrument_botocore(tracer_provider=provider)
    os.environ["ORIG_HANDLER"] = "lambda_handler.otel_handler"
    AwsLambdaInstrumentor().instrument(tracer_provider=provider)
    return importlib.import_module("lambda_handler").otel_handler


def clean():
    import calls

    return lambda event, context: {"results": calls.run_all()}


LAYOUTS = {"clean": clean, "datadog-lambda": datadog_lambda, "opentelemetry": opentelemetry}


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    handler = LAYOUTS[sys.argv[1]]()
    answer = handler({"source": "span-autolink.bench"}, Context())
    sys.stdout.flush()
    print("\n" + json.dumps(answer["results"]))


if __name__ == "__main__":
    main()
