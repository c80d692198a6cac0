"""The benchmark's Lambda function: a handler that runs the hot-path
comparison (``calls.py``) inside one invocation, wrapped as a user wraps
it in each layout (README, the tracer set-ups). ``layout.py`` loads it the
way each layout's Lambda runtime does."""

import calls
import span_autolink.ddtrace
import span_autolink.opentelemetry


def _invocation(event, context):
    return {"results": calls.run_all()}


# Under datadog-lambda's handler (DD_LAMBDA_HANDLER=lambda_handler.datadog_handler).
datadog_handler = span_autolink.ddtrace.with_pointers(_invocation)
# Under opentelemetry-instrumentation-aws-lambda (ORIG_HANDLER=lambda_handler.otel_handler).
otel_handler = span_autolink.opentelemetry.with_pointers(_invocation)
