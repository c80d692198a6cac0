"""S3 objects: producer calls and the events that deliver their notifications."""

import json

from .common import (
    EVENTBRIDGE_TIME,
    PHOTO_ETAG,
    S3D,
    S3U,
    event_case,
    eventbridge_s3,
    fixture,
    notification,
    response_case,
    s3_record,
    sns_envelope,
    sns_record,
    sqs_record,
)


def define():
    # ======================================================================
    # S3 producer
    # ======================================================================
    response_case(
        "s3_put_object_known_answer",
        "PutObject with a quoted ETag gives the SPEC section 7 known answer.",
        "agrees", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "some-key.data", "Body": "hello"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_put_object_unquoted_etag",
        "An ETag without surrounding quotes is used as it is.",
        "agrees", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "ab12ef34"},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_complete_multipart_upload",
        "CompleteMultipartUpload hashes the multipart ETag with its part count suffix.",
        "agrees", "s3", "CompleteMultipartUpload",
        {"Bucket": "video-bucket", "Key": "videos/launch.mp4", "UploadId": "VXBsb2FkIElE",
         "MultipartUpload": {"Parts": [{"ETag": "\"aa\"", "PartNumber": 1}]}},
        {"Bucket": "video-bucket", "Key": "videos/launch.mp4",
         "ETag": "\"6c9a4e3b2d7f1e0a8b5c4d3e2f1a0b9c-9\"", "Location": "https://example/x"},
        [S3D("video-bucket", "videos/launch.mp4", "6c9a4e3b2d7f1e0a8b5c4d3e2f1a0b9c-9")])
    response_case(
        "s3_copy_object_destination",
        "CopyObject points at the destination Bucket/Key with CopyObjectResult.ETag.",
        "agrees", "s3", "CopyObject",
        {"Bucket": "dest-bucket", "Key": "copies/report.csv", "CopySource": "src-bucket/report.csv"},
        {"CopyObjectResult": {"ETag": "\"0cc175b9c0f1b6a831c399e269772661\"",
                              "LastModified": "2026-11-20T10:15:30.000Z"}},
        [S3D("dest-bucket", "copies/report.csv", "0cc175b9c0f1b6a831c399e269772661")])
    response_case(
        "s3_copy_object_missing_copy_result",
        "CopyObject without CopyObjectResult.ETag gives no pointer.",
        "n/a", "s3", "CopyObject",
        {"Bucket": "dest-bucket", "Key": "copies/report.csv", "CopySource": "src-bucket/report.csv"},
        {"VersionId": "v1"},
        [], ["field_missing"])
    response_case(
        "s3_get_object_no_pointer",
        "GetObject writes nothing and gives neither pointer nor issue.",
        "n/a", "s3", "GetObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\"", "ContentLength": 5})
    response_case(
        "s3_delete_object_no_pointer",
        "DeleteObject is not a pointer operation.",
        "n/a", "s3", "DeleteObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"DeleteMarker": True})
    response_case(
        "s3_operation_lower_camel_case",
        "The JavaScript spelling putObject is the same operation as PutObject.",
        "agrees", "s3", "putObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_operation_command_suffix",
        "The AWS SDK v3 command name PutObjectCommand is the same operation as PutObject.",
        "agrees", "s3", "PutObjectCommand",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_service_upper_case",
        "The service name is compared case-insensitively (S3).",
        "agrees", "S3", "PutObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_copy_object_command_suffix",
        "CopyObjectCommand is CopyObject.",
        "agrees", "s3", "CopyObjectCommand",
        {"Bucket": "dest-bucket", "Key": "b.txt", "CopySource": "src-bucket/a.txt"},
        {"CopyObjectResult": {"ETag": "\"92eb5ffee6ae2fec3ad71c777531578f\""}},
        [S3D("dest-bucket", "b.txt", "92eb5ffee6ae2fec3ad71c777531578f")])
    response_case(
        "s3_put_object_sdk_js_v2_data",
        "AWS SDK for JavaScript v2 wraps the output in data; the ETag is read from there.",
        "agrees", "s3", "putObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"data": {"ETag": "\"ab12ef34\""}, "requestId": "C3D13FE58DE4C810"},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "s3_copy_object_sdk_js_v2_data",
        "AWS SDK for JavaScript v2 CopyObject output under data.",
        "agrees", "s3", "copyObject",
        {"Bucket": "dest-bucket", "Key": "b.txt", "CopySource": "src-bucket/a.txt"},
        {"data": {"CopyObjectResult": {"ETag": "\"92eb5ffee6ae2fec3ad71c777531578f\""}}},
        [S3D("dest-bucket", "b.txt", "92eb5ffee6ae2fec3ad71c777531578f")])
    response_case(
        "s3_complete_multipart_upload_sdk_js_v2_data",
        "AWS SDK for JavaScript v2 CompleteMultipartUpload output under data.",
        "agrees", "s3", "completeMultipartUpload",
        {"Bucket": "video-bucket", "Key": "videos/teaser.mp4", "UploadId": "abc"},
        {"data": {"ETag": "\"3858f62230ac3c915f300c664312c11f-2\"", "Location": "https://example/y"}},
        [S3D("video-bucket", "videos/teaser.mp4", "3858f62230ac3c915f300c664312c11f-2")])
    response_case(
        "s3_put_object_key_with_spaces_matches_notification",
        "A producer key is taken as written (never URL-decoded) and matches the decoded notification key.",
        "agrees", "s3", "PutObject",
        {"Bucket": "photo-uploads", "Key": "albums/summer 2026/IMG (1) café.jpg"},
        {"ETag": "\"9b2cf535f27731c974343645a3985328\""},
        [S3D("photo-uploads", "albums/summer 2026/IMG (1) café.jpg", PHOTO_ETAG)])
    response_case(
        "s3_put_object_key_with_percent_is_not_decoded",
        "A producer key containing %25 and + is hashed literally, not URL-decoded.",
        "agrees", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "100%25 done+final.txt"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "100%25 done+final.txt", "ab12ef34")])
    response_case(
        "s3_put_object_emoji_key",
        "A key with characters outside the BMP is hashed as UTF-8.",
        "agrees", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "📷/😀 smile.png"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "📷/😀 smile.png", "ab12ef34")])
    response_case(
        "s3_put_object_bucket_not_ascii",
        "A bucket name with a non-ASCII character gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "bücket", "Key": "k"},
        {"ETag": "\"ab12ef34\""},
        [], ["bucket_not_ascii"])
    for name, bucket, what in [
        ("arn", "arn:aws:s3:us-east-1:123456789012:accesspoint/uploads", "an access point ARN"),
        ("alias", "uploads-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias", "an access point alias"),
        ("object_lambda_alias", "thumbnails-fiy6ie8ic5qhs4jvoyq1a8xlk1maaewmz--ol-s3", "an Object Lambda access point alias"),
        ("multi_region_arn", "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", "a Multi-Region access point ARN"),
    ]:
        response_case(
            f"s3_put_object_bucket_access_point_{name}",
            f"A Bucket that is {what} gives no pointer: the notification names the bucket behind it.",
            "differs", "s3", "PutObject",
            {"Bucket": bucket, "Key": "k"},
            {"ETag": "\"ab12ef34\""},
            [], ["bucket_is_access_point"])
    response_case(
        "s3_copy_object_to_access_point",
        "A CopyObject whose destination Bucket is an access point ARN gives no pointer.",
        "differs", "s3", "CopyObject",
        {"Bucket": "arn:aws:s3:us-east-1:123456789012:accesspoint/uploads", "Key": "k", "CopySource": "src/k"},
        {"CopyObjectResult": {"ETag": "\"ab12ef34\""}},
        [], ["bucket_is_access_point"])
    response_case(
        "s3_put_object_bucket_named_like_an_alias",
        "A bucket whose name only contains an access point suffix is a bucket.",
        "agrees", "s3", "PutObject",
        {"Bucket": "my-s3alias-bucket.mrap-logs", "Key": "k"},
        {"ETag": "\"ab12ef34\""},
        [S3D("my-s3alias-bucket.mrap-logs", "k", "ab12ef34")])
    response_case(
        "s3_put_object_etag_inner_quote",
        "An ETag that still contains a quote after removing one surrounding pair gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": "\"ab\"12\""},
        [], ["etag_invalid"])
    response_case(
        "s3_put_object_etag_double_quoted",
        "Only one pair of surrounding quotes is removed; a doubly quoted ETag gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": "\"\"ab12ef34\"\""},
        [], ["etag_invalid"])
    response_case(
        "s3_put_object_etag_leading_quote_only",
        "An ETag with only a leading quote is not surrounded and still contains a quote.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": "\"ab12ef34"},
        [], ["etag_invalid"])
    response_case(
        "s3_put_object_etag_empty",
        "An ETag that is empty after removing its quotes gives no pointer; ddtrace hashes the empty ETag.",
        "differs", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": "\"\""},
        [], ["etag_invalid"])
    response_case(
        "s3_put_object_etag_not_ascii",
        "A non-ASCII ETag gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": "\"abcé\""},
        [], ["etag_invalid"])
    response_case(
        "s3_put_object_missing_bucket",
        "A request without Bucket gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Key": "k"},
        {"ETag": "\"ab12ef34\""},
        [], ["field_missing"])
    response_case(
        "s3_put_object_missing_key",
        "A request without Key gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket"},
        {"ETag": "\"ab12ef34\""},
        [], ["field_missing"])
    response_case(
        "s3_put_object_missing_etag",
        "A response without ETag gives no pointer.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"VersionId": "v1"},
        [], ["field_missing"])
    response_case(
        "s3_put_object_null_etag",
        "A null ETag counts as missing.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": None},
        [], ["field_missing"])
    response_case(
        "s3_put_object_bucket_is_number",
        "A Bucket that is a number has the wrong JSON type.",
        "n/a", "s3", "PutObject",
        {"Bucket": 123, "Key": "k"},
        {"ETag": "\"ab12ef34\""},
        [], ["field_invalid"])
    response_case(
        "s3_put_object_key_is_list",
        "A Key that is a list has the wrong JSON type.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": ["k"]},
        {"ETag": "\"ab12ef34\""},
        [], ["field_invalid"])
    response_case(
        "s3_put_object_etag_is_number",
        "An ETag that is a number has the wrong JSON type.",
        "n/a", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "k"},
        {"ETag": 12345},
        [], ["field_invalid"])
    response_case(
        "sqs_send_message_no_pointer",
        "An SQS SendMessage is unrelated and gives nothing.",
        "n/a", "sqs", "SendMessage",
        {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": "hi"},
        {"MessageId": "m-1", "MD5OfMessageBody": "49f68a5c8493ec2c0bf489821c21fc3b"})
    response_case(
        "lambda_invoke_no_pointer",
        "A Lambda Invoke carrying S3-looking fields is unrelated and gives nothing.",
        "n/a", "lambda", "Invoke",
        {"FunctionName": "f", "Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\"", "StatusCode": 200})


    # ======================================================================
    # S3 events (consumer)
    # ======================================================================
    event_case(
        "fixture_s3_notification",
        "fixtures/events/s3-notification.json: two created objects (one URL-encoded key) and a removal.",
        "differs", fixture("s3-notification.json"),
        [S3U("photo-uploads", "albums/summer 2026/IMG (1) café.jpg", PHOTO_ETAG),
         S3U("photo-uploads", "videos/launch.mp4", "6c9a4e3b2d7f1e0a8b5c4d3e2f1a0b9c-9",
             at="2026-11-20T10:15:31.004Z")])
    event_case(
        "s3_event_plain_key",
        "A notification whose key needs no decoding gives the same hash as every Datadog library.",
        "agrees", notification(s3_record("some-bucket", "some-key.data", "ab12ef34")),
        [S3U("some-bucket", "some-key.data", "ab12ef34")])
    event_case(
        "s3_event_multiple_records_with_removed",
        "Each ObjectCreated record gives a pointer in order; ObjectRemoved gives nothing.",
        "agrees", notification(
            s3_record("logs-bucket", "2026/11/20/a.log", "c4ca4238a0b923820dcc509a6f75849b"),
            s3_record("logs-bucket", "2026/11/20/old.log", None, "ObjectRemoved:Delete"),
            s3_record("logs-bucket", "2026/11/20/b.log", "c81e728d9d4c2f636f067f89cc14862c",
                      "ObjectCreated:CompleteMultipartUpload"),
            s3_record("logs-bucket", "2026/11/20/c.log", "eccbc87e4b5ce2fe28308fd9f2a7baf3",
                      "ObjectCreated:Copy")),
        [S3U("logs-bucket", "2026/11/20/a.log", "c4ca4238a0b923820dcc509a6f75849b"),
         S3U("logs-bucket", "2026/11/20/b.log", "c81e728d9d4c2f636f067f89cc14862c"),
         S3U("logs-bucket", "2026/11/20/c.log", "eccbc87e4b5ce2fe28308fd9f2a7baf3")])
    event_case(
        "s3_event_object_removed_only",
        "An ObjectRemoved notification gives neither pointer nor issue.",
        "n/a", notification(s3_record("logs-bucket", "tmp/old.txt", None, "ObjectRemoved:DeleteMarkerCreated")))
    event_case(
        "s3_event_restore_completed",
        "An ObjectRestore notification is not a creation.",
        "n/a", notification(s3_record("logs-bucket", "archive.zip", "a87ff679a2f3e71d9181a67b7542122c",
                                      "ObjectRestore:Completed")))
    event_case(
        "s3_event_key_plus_and_percent_2b",
        "dir/my+file%2B1.txt decodes to dir/my file+1.txt (the SPEC example).",
        "differs", notification(s3_record("some-bucket", "dir/my+file%2B1.txt", "ab12ef34")),
        [S3U("some-bucket", "dir/my file+1.txt", "ab12ef34")])
    event_case(
        "s3_event_key_parentheses_and_utf8",
        "IMG+%281%29+caf%C3%A9.jpg decodes to IMG (1) café.jpg.",
        "differs", notification(s3_record("photo-uploads", "IMG+%281%29+caf%C3%A9.jpg", PHOTO_ETAG)),
        [S3U("photo-uploads", "IMG (1) café.jpg", PHOTO_ETAG)])
    event_case(
        "s3_event_key_lowercase_hex_escape",
        "Escapes are case-insensitive: caf%c3%a9 decodes to café.",
        "differs", notification(s3_record("photo-uploads", "caf%c3%a9.txt", PHOTO_ETAG)),
        [S3U("photo-uploads", "café.txt", PHOTO_ETAG)])
    event_case(
        "s3_event_key_emoji",
        "A four-byte UTF-8 escape decodes to an emoji.",
        "differs", notification(s3_record("photo-uploads", "%F0%9F%93%B7+photo.jpg", PHOTO_ETAG)),
        [S3U("photo-uploads", "📷 photo.jpg", PHOTO_ETAG)])
    event_case(
        "s3_event_key_percent_25",
        "100%25+done.txt decodes to 100% done.txt.",
        "differs", notification(s3_record("some-bucket", "100%25+done.txt", "ab12ef34")),
        [S3U("some-bucket", "100% done.txt", "ab12ef34")])
    event_case(
        "s3_event_key_only_plus",
        "A key a+b.txt is the object a b.txt.",
        "differs", notification(s3_record("some-bucket", "a+b.txt", "ab12ef34")),
        [S3U("some-bucket", "a b.txt", "ab12ef34")])
    event_case(
        "s3_event_key_bad_escape",
        "A % not followed by two hex digits gives no pointer; Datadog hashes the raw text.",
        "differs", notification(s3_record("some-bucket", "bad%zzkey", "ab12ef34")),
        [], ["key_escape_invalid"])
    event_case(
        "s3_event_key_trailing_percent",
        "A trailing % gives no pointer.",
        "differs", notification(s3_record("some-bucket", "100%", "ab12ef34")),
        [], ["key_escape_invalid"])
    event_case(
        "s3_event_key_short_escape",
        "A % followed by a single hex digit at the end gives no pointer.",
        "differs", notification(s3_record("some-bucket", "x%4", "ab12ef34")),
        [], ["key_escape_invalid"])
    event_case(
        "s3_event_key_not_utf8",
        "%FF%FE decodes to bytes that are not UTF-8.",
        "differs", notification(s3_record("some-bucket", "%FF%FE.bin", "ab12ef34")),
        [], ["key_not_utf8"])
    event_case(
        "s3_event_key_overlong_utf8",
        "An overlong encoding (%C0%AF) is not valid UTF-8.",
        "differs", notification(s3_record("some-bucket", "a%C0%AFb", "ab12ef34")),
        [], ["key_not_utf8"])
    event_case(
        "s3_event_key_encoded_surrogate",
        "An encoded UTF-16 surrogate (%ED%A0%80) is not valid UTF-8.",
        "differs", notification(s3_record("some-bucket", "a%ED%A0%80b", "ab12ef34")),
        [], ["key_not_utf8"])
    event_case(
        "s3_event_bad_record_others_kept",
        "A record with an invalid key gives an issue while the next record keeps its pointer.",
        "differs", notification(
            s3_record("some-bucket", "bad%zz", "ab12ef34"),
            s3_record("some-bucket", "good.txt", "ab12ef34")),
        [S3U("some-bucket", "good.txt", "ab12ef34")], ["key_escape_invalid"])
    event_case(
        "s3_event_missing_etag",
        "An ObjectCreated record without eTag gives no pointer.",
        "n/a", notification(s3_record("some-bucket", "k", None)),
        [], ["field_missing"])
    event_case(
        "s3_event_etag_is_number",
        "An eTag that is a number has the wrong JSON type.",
        "n/a", notification(s3_record("some-bucket", "k", 12345)),
        [], ["field_invalid"])
    event_case(
        "s3_event_bucket_not_ascii",
        "A notification bucket name with a non-ASCII character gives no pointer.",
        "n/a", notification(s3_record("bücket", "k", "ab12ef34")),
        [], ["bucket_not_ascii"])

    # -- wrappings ---------------------------------------------------------
    event_case(
        "fixture_sqs_wrapping_s3",
        "fixtures/events/sqs-wrapping-s3.json: S3 -> SQS plus an s3:TestEvent message that gives nothing.",
        "n/a", fixture("sqs-wrapping-s3.json"),
        [S3U("photo-uploads", "albums/summer 2026/IMG (1) café.jpg", PHOTO_ETAG)])
    event_case(
        "fixture_sns_wrapping_s3",
        "fixtures/events/sns-wrapping-s3.json: S3 -> SNS.",
        "n/a", fixture("sns-wrapping-s3.json"),
        [S3U("photo-uploads", "albums/summer 2026/IMG (1) café.jpg", PHOTO_ETAG)])
    event_case(
        "fixture_sqs_wrapping_sns_wrapping_s3",
        "fixtures/events/sqs-wrapping-sns-wrapping-s3.json: S3 -> SNS -> SQS.",
        "n/a", fixture("sqs-wrapping-sns-wrapping-s3.json"),
        [S3U("photo-uploads", "albums/summer 2026/IMG (1) café.jpg", PHOTO_ETAG)])
    event_case(
        "fixture_eventbridge_s3",
        "fixtures/events/eventbridge-s3.json: S3 -> EventBridge with a URL-encoded multipart key.",
        "n/a", fixture("eventbridge-s3.json"),
        [S3U("reports-bucket", "2026/q3 summary+final.pdf", "b1946ac92492d2347c6235b4d2611184-2",
             at="2026-11-20T10:15:30Z")])
    note = notification(s3_record("uploads", "in/data+1.csv", "e4da3b7fbbce2345d7772b0674a318d5"))
    note_ptr = S3U("uploads", "in/data 1.csv", "e4da3b7fbbce2345d7772b0674a318d5")
    eventbridge_ptr = S3U("uploads", "in/data 1.csv", "e4da3b7fbbce2345d7772b0674a318d5", at=EVENTBRIDGE_TIME)
    event_case(
        "sqs_wrapping_s3_two_messages",
        "S3 -> SQS with two messages, each a notification.",
        "n/a", {"Records": [
            sqs_record(json.dumps(note)),
            sqs_record(json.dumps(notification(s3_record("uploads", "in/plain.csv", "1679091c5a880faf6fb5e6087eb1b2dc"))))]},
        [note_ptr, S3U("uploads", "in/plain.csv", "1679091c5a880faf6fb5e6087eb1b2dc")])
    event_case(
        "sns_sqs_raw_message_delivery",
        "S3 -> SNS -> SQS with raw message delivery: the SQS body is the notification itself.",
        "n/a", {"Records": [sqs_record(json.dumps(note), queue="uploads-fanout-raw")]},
        [note_ptr])
    event_case(
        "sns_sqs_envelope",
        "S3 -> SNS -> SQS without raw delivery: the SQS body is an SNS envelope whose Message is the notification.",
        "n/a", {"Records": [sqs_record(json.dumps(sns_envelope(json.dumps(note))), queue="uploads-fanout")]},
        [note_ptr])
    event_case(
        "sns_wrapping_s3_encoded_key",
        "S3 -> SNS with a key needing decoding.",
        "n/a", {"Records": [sns_record(json.dumps(note))]},
        [note_ptr])
    event_case(
        "eventbridge_s3_object_created",
        "An EventBridge Object Created event gives a pointer from detail.bucket.name, detail.object.key (decoded) and etag.",
        "n/a", eventbridge_s3("uploads", "in/data+1.csv", "e4da3b7fbbce2345d7772b0674a318d5"),
        [eventbridge_ptr])
    event_case(
        "eventbridge_s3_object_deleted",
        "An EventBridge Object Deleted event gives nothing.",
        "n/a", eventbridge_s3("uploads", "in/data+1.csv", "e4da3b7fbbce2345d7772b0674a318d5",
                              detail_type="Object Deleted"))
    event_case(
        "eventbridge_sqs_s3",
        "S3 -> EventBridge -> SQS: the SQS body is the EventBridge event.",
        "n/a", {"Records": [sqs_record(json.dumps(eventbridge_s3(
            "uploads", "in/data+1.csv", "e4da3b7fbbce2345d7772b0674a318d5")), queue="eb-target")]},
        [eventbridge_ptr])
    event_case(
        "sqs_s3_test_event_only",
        "An s3:TestEvent in SQS gives neither pointer nor issue.",
        "n/a", {"Records": [sqs_record(json.dumps({
            "Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-20T10:00:00.000Z",
            "Bucket": "uploads", "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3e"}))]})
    event_case(
        "sqs_body_not_json",
        "An SQS message whose body is not JSON gives neither pointer nor issue.",
        "n/a", {"Records": [sqs_record("hello, this is not JSON {")]})
    event_case(
        "sqs_body_unrelated_json",
        "An SQS message whose body is unrelated JSON gives nothing.",
        "n/a", {"Records": [sqs_record(json.dumps({"orderId": 42, "status": "NEW"}))]})
    event_case(
        "sns_message_not_json",
        "An SNS message that is plain text gives nothing.",
        "n/a", {"Records": [sns_record("Your upload finished.")]})
