"""The demo's producer, service `shop`: boto3 instrumented with
OpenTelemetry through span_autolink.opentelemetry.instrument_botocore,
writing objects to S3 and items to DynamoDB on moto's server.

    python producer.py BUCKET TABLE

The order item is written twice, more than two seconds apart, so that each
of its two stream records has its own write to link to."""

import sys
import time

import span_autolink.opentelemetry as autolink
from tracing import tracer_provider

OBJECTS = ["invoices/March 2026.pdf", "photos/cat+dog.jpg", "photos/café.png"]


def main() -> None:
    bucket, table = sys.argv[1], sys.argv[2]
    provider = tracer_provider("shop")
    # The line the README tells a user to write (key names given here, as
    # DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS would give them).
    autolink.instrument_botocore(tracer_provider=provider, dynamodb_primary_keys={table: ["customer", "order"]})

    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    dynamodb = boto3.client("dynamodb")
    tracer = provider.get_tracer("demo.shop")

    with tracer.start_as_current_span("upload documents"):
        for key in OBJECTS:
            s3.put_object(Bucket=bucket, Key=key, Body=f"contents of {key}".encode())
    with tracer.start_as_current_span("place order"):
        dynamodb.put_item(
            TableName=table,
            Item={"customer": {"S": "alice"}, "order": {"N": "1"}, "status": {"S": "placed"}},
        )
        dynamodb.put_item(
            TableName=table,
            Item={"customer": {"S": "bob"}, "order": {"N": "2"}, "status": {"S": "placed"}},
        )
    # Stream records carry their change time cut to whole seconds: at
    # least two seconds between the writes keep the second record nearer
    # the second write than the first (SPEC 10 pairs by nearest end),
    # whatever the fraction of a second the first write fell on.
    time.sleep(2.5)
    with tracer.start_as_current_span("ship order"):
        dynamodb.update_item(
            TableName=table,
            Key={"customer": {"S": "alice"}, "order": {"N": "1"}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "shipped"}},
        )
    provider.shutdown()


if __name__ == "__main__":
    main()
