"""Workers outside Lambda: what SQS ReceiveMessage and the GetRecords of
Kinesis and DynamoDB Streams return gives the consumer pointers a Lambda
event would. None of the Datadog libraries handles these."""

import base64
import json

from .common import (
    BYTES,
    DDBU,
    KINESIS_ARRIVAL_SECONDS,
    RAW,
    S3_RECORD_TIME,
    S3U,
    notification,
    response_case,
    s3_record,
    sns_envelope,
    stream_arn,
)

OK = {"RequestId": "R1", "HTTPStatusCode": 200, "RetryAttempts": 0}


def sqs_message(body, n=1):
    """One message of ReceiveMessage's output, as botocore and the v3 SDK give it."""
    return {"MessageId": f"m-{n}", "ReceiptHandle": f"handle-{n}",
            "MD5OfBody": "00000000000000000000000000000000", "Body": body}


def kinesis_change(table, keys, event_name="INSERT", created_ms=None):
    """A DynamoDB change as Kinesis Data Streams for DynamoDB writes it."""
    dynamodb = {"Keys": keys, "SizeBytes": 20}
    if created_ms is not None:
        dynamodb["ApproximateCreationDateTime"] = created_ms
        dynamodb["ApproximateCreationDateTimePrecision"] = "MILLISECOND"
    return json.dumps({"awsRegion": "us-east-1", "eventID": "e-1", "eventName": event_name,
                       "recordFormat": "application/json", "tableName": table,
                       "dynamodb": dynamodb, "eventSource": "aws:dynamodb"}).encode("utf-8")


def kinesis_entry(data, arrival):
    return {"SequenceNumber": "4959", "ApproximateArrivalTimestamp": arrival,
            "Data": data, "PartitionKey": "p-1"}


def stream_entry(keys, created, event_name="INSERT"):
    """A record of DynamoDB Streams GetRecords: no eventSourceARN."""
    return {"eventID": "e-1", "eventName": event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {"ApproximateCreationDateTime": created, "Keys": keys,
                         "SequenceNumber": "100", "SizeBytes": 20, "StreamViewType": "KEYS_ONLY"}}


def define():
    note = json.dumps(notification(s3_record("uploads", "in/data+1.csv", "e4da3b7fbbce2345d7772b0674a318d5")))
    note_ptr = S3U("uploads", "in/data 1.csv", "e4da3b7fbbce2345d7772b0674a318d5")
    response_case(
        "receive_message_s3_notification",
        "ReceiveMessage output (botocore) whose message body is an S3 notification.",
        "n/a", "sqs", "ReceiveMessage", {"QueueUrl": "https://sqs/q", "MaxNumberOfMessages": 10},
        {"Messages": [sqs_message(note)], "ResponseMetadata": OK},
        [note_ptr])
    response_case(
        "receive_message_v3_two_messages",
        "v3 ReceiveMessageCommand output: an SNS envelope and a plain notification, each a pointer in order.",
        "n/a", "SQS", "ReceiveMessageCommand", {"QueueUrl": "https://sqs/q"},
        {"$metadata": {"httpStatusCode": 200}, "Messages": [
            sqs_message(json.dumps(sns_envelope(note)), 1),
            sqs_message(json.dumps(notification(s3_record("uploads", "in/plain.csv",
                                                          "1679091c5a880faf6fb5e6087eb1b2dc"))), 2)]},
        [note_ptr, S3U("uploads", "in/plain.csv", "1679091c5a880faf6fb5e6087eb1b2dc")])
    response_case(
        "receive_message_unrelated_and_empty",
        "Messages that are not notifications give nothing; neither does an output without Messages.",
        "n/a", "sqs", "ReceiveMessage", {"QueueUrl": "https://sqs/q"},
        {"Messages": [sqs_message("hello", 1), sqs_message("{\"order\": 1}", 2)], "ResponseMetadata": OK})
    response_case(
        "receive_message_no_messages",
        "An empty receive gives nothing.",
        "n/a", "sqs", "ReceiveMessage", {"QueueUrl": "https://sqs/q"}, {"ResponseMetadata": OK})
    response_case(
        "receive_message_v2_data",
        "The JavaScript v2 SDK's response holds the output under data.",
        "n/a", "sqs", "receiveMessage", {"QueueUrl": "https://sqs/q"},
        {"data": {"Messages": [sqs_message(note)]}},
        [note_ptr])
    response_case(
        "receive_message_failed",
        "A ReceiveMessage that failed gives nothing and says so.",
        "n/a", "sqs", "ReceiveMessage", {"QueueUrl": "https://sqs/q"},
        {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        [], ["response_not_successful"])

    keys = {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}}
    order = ("customerId", "c-1001"), ("orderId", "42")
    response_case(
        "kinesis_get_records_bytes",
        "Kinesis GetRecords with Data as bytes (botocore, the v3 SDK): the change's own time is its change time.",
        "n/a", "kinesis", "GetRecords", {"ShardIterator": "AAAA"},
        {"Records": [kinesis_entry(BYTES(base64.b64encode(kinesis_change("orders", keys, "MODIFY",
                                                                           1763633731123)).decode()),
                                   "2026-11-20T10:15:31.200Z")],
         "NextShardIterator": "BBBB", "MillisBehindLatest": 0, "ResponseMetadata": OK},
        [DDBU("orders", *order, at=("ms", "1763633731123"))])
    response_case(
        "kinesis_get_records_base64_text",
        "Kinesis GetRecords with Data as base64 text and no time in the change: the arrival time (seconds) is used.",
        "n/a", "kinesis", "GetRecords", {"ShardIterator": "AAAA"},
        {"Records": [kinesis_entry(base64.b64encode(kinesis_change("users", {"id": {"S": "u-1"}}, "REMOVE")).decode(),
                                   RAW(KINESIS_ARRIVAL_SECONDS)),
                     kinesis_entry(base64.b64encode(b"not a change").decode(), RAW(KINESIS_ARRIVAL_SECONDS))]},
        [DDBU("users", ("id", "u-1"), at=("s", KINESIS_ARRIVAL_SECONDS))])
    response_case(
        "kinesis_get_records_arrival_text",
        "An arrival time written as RFC 3339 text (what hosts write for an SDK's date) is read too.",
        "n/a", "Kinesis", "GetRecordsCommand", {"ShardIterator": "AAAA"},
        {"$metadata": {"httpStatusCode": 200},
         "Records": [kinesis_entry(BYTES(base64.b64encode(kinesis_change("users", {"id": {"S": "u-1"}})).decode()),
                                   "2026-11-20T10:15:31.2+00:00")]},
        [DDBU("users", ("id", "u-1"), at="2026-11-20T10:15:31.200Z")])

    arn = stream_arn("orders")
    response_case(
        "stream_get_records",
        "DynamoDB Streams GetRecords with the stream ARN the caller read: one pointer per change, REMOVE included.",
        "n/a", "dynamodbstreams", "GetRecords", {"ShardIterator": "AAAA", "StreamArn": arn},
        {"Records": [stream_entry(keys, "2026-11-20T10:15:30Z"),
                     stream_entry(keys, RAW("1763633731"), "REMOVE")],
         "NextShardIterator": "BBBB", "ResponseMetadata": OK},
        [DDBU("orders", *order, at="2026-11-20T10:15:30Z"), DDBU("orders", *order, at=("s", "1763633731"))])
    response_case(
        "stream_get_records_v3_service_id",
        "The v3 SDK names the service DynamoDB Streams.",
        "n/a", "DynamoDB Streams", "GetRecordsCommand", {"ShardIterator": "AAAA", "StreamArn": arn},
        {"$metadata": {"httpStatusCode": 200}, "Records": [stream_entry(keys, S3_RECORD_TIME, "MODIFY")]},
        [DDBU("orders", *order, at=S3_RECORD_TIME)])
    response_case(
        "stream_get_records_without_arn",
        "Stream records name no table: without the stream ARN there is no pointer, and the issue says what is missing.",
        "n/a", "dynamodbstreams", "GetRecords", {"ShardIterator": "AAAA"},
        {"Records": [stream_entry(keys, "2026-11-20T10:15:30Z")]},
        [], ["field_missing"])
    response_case(
        "stream_get_records_bad_arn",
        "A table ARN is not a stream ARN.",
        "n/a", "dynamodbstreams", "GetRecords",
        {"ShardIterator": "AAAA", "StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
        {"Records": [stream_entry(keys, "2026-11-20T10:15:30Z")]},
        [], ["stream_arn_invalid"])
    response_case(
        "stream_get_records_empty",
        "No records: nothing, and no issue even without the ARN.",
        "n/a", "dynamodbstreams", "GetRecords", {"ShardIterator": "AAAA"},
        {"Records": [], "NextShardIterator": "BBBB"})
