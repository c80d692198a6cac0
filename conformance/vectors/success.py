"""Calls that did not succeed (SPEC section 8): no response, an error
shape, an HTTP status outside 200-299. They wrote nothing, so they give no
pointer, and say why."""

from .common import (
    S3D,
    DDBD,
    response_case,
)

PUT_OBJECT = {"Bucket": "some-bucket", "Key": "some-key.data"}
UPDATE_ITEM = {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}},
               "UpdateExpression": "SET n = :n", "ConditionExpression": "attribute_exists(n)"}


def botocore_error(code, status):
    """A failed call's response as botocore hands it to a response hook."""
    return {"Error": {"Code": code, "Message": "The conditional request failed"},
            "ResponseMetadata": {"RequestId": "R1", "HTTPStatusCode": status, "RetryAttempts": 0}}


def define():
    response_case(
        "failed_put_object_no_response",
        "A PutObject with no response at all (a network error) wrote nothing.",
        "n/a", "s3", "PutObject", PUT_OBJECT, None,
        [], ["response_not_successful"])
    response_case(
        "failed_put_object_botocore_error",
        "botocore's error shape (NoSuchBucket) gives no pointer.",
        "n/a", "s3", "PutObject", PUT_OBJECT, botocore_error("NoSuchBucket", 404),
        [], ["response_not_successful"])
    response_case(
        "failed_update_item_conditional_check",
        "A ConditionalCheckFailed UpdateItem wrote nothing; ddtrace hashes the request's key anyway.",
        "differs", "dynamodb", "UpdateItem", UPDATE_ITEM,
        botocore_error("ConditionalCheckFailedException", 400),
        [], ["response_not_successful"])
    response_case(
        "failed_update_item_no_response",
        "An UpdateItem whose hook got no response (botocore's finally after a network error) gives no pointer.",
        "differs", "dynamodb", "UpdateItem", UPDATE_ITEM, None,
        [], ["response_not_successful"])
    response_case(
        "failed_put_object_v3_status",
        "A v3 SDK output whose $metadata.httpStatusCode is 503 is no success, whatever else it holds.",
        "differs", "s3", "PutObjectCommand", PUT_OBJECT,
        {"$metadata": {"httpStatusCode": 503}, "ETag": "\"ab12ef34\""},
        [], ["response_not_successful"])
    response_case(
        "failed_put_object_status_only",
        "A status of 300 in botocore's ResponseMetadata is outside 200-299.",
        "differs", "s3", "PutObject", PUT_OBJECT,
        {"ETag": "\"ab12ef34\"", "ResponseMetadata": {"HTTPStatusCode": 300}},
        [], ["response_not_successful"])
    response_case(
        "failed_put_item_v2_error",
        "A JavaScript v2 response with an error (and no data) wrote nothing.",
        "differs", "dynamodb", "putItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1"}, "orderId": {"N": "1"}}},
        {"error": {"code": "ProvisionedThroughputExceededException"}, "data": None},
        [], ["response_not_successful"], config={"orders": ["customerId", "orderId"]})
    response_case(
        "succeeded_put_object_botocore_status",
        "A PutObject response with HTTPStatusCode 200 gives its pointer.",
        "agrees", "s3", "PutObject", PUT_OBJECT,
        {"ETag": "\"ab12ef34\"", "ResponseMetadata": {"HTTPStatusCode": 200}},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "succeeded_put_object_v3_status",
        "A v3 PutObject output with $metadata.httpStatusCode 200 gives its pointer.",
        "agrees", "s3", "PutObjectCommand", PUT_OBJECT,
        {"$metadata": {"httpStatusCode": 200, "requestId": "R1"}, "ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")])
    response_case(
        "succeeded_update_item_status_299",
        "299 is still a success.",
        "agrees", "dynamodb", "UpdateItem", UPDATE_ITEM,
        {"Attributes": {}, "ResponseMetadata": {"HTTPStatusCode": 299}},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "succeeded_update_item_error_null",
        "An Error member that is null is no error (absent and null are the same to SDKs).",
        "agrees", "dynamodb", "UpdateItem", UPDATE_ITEM, {"Error": None},
        [DDBD("some-table", ("some-key", "some-value"))])
