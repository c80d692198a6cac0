"""The README's botocore integration, end to end: real boto3 clients and
resources (answers stubbed by botocore's Stubber), a wrapper around
BaseClient._make_api_call like ddtrace's, and the pointers it attaches."""

from decimal import Decimal

import boto3
import botocore.client
import pytest
from boto3.dynamodb.types import Binary
from botocore.stub import ANY, Stubber

import span_autolink
from helpers import ddb_hash, s3_hash

KEYS = {"orders": ["customerId", "orderId"]}


@pytest.fixture
def links(monkeypatch):
    """Installs the README's wrapper; yields the span links it attached."""
    attached = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def traced(self, operation_name, api_params):
        result = make_api_call(self, operation_name, api_params)
        outcome = span_autolink.pointers_for_response(
            self.meta.service_model.service_name, operation_name, api_params, result, dynamodb_primary_keys=KEYS
        )
        assert outcome.issues == ()
        attached.extend(span_autolink.span_link_attributes(p) for p in outcome.pointers)
        return result

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", traced)
    return attached


@pytest.fixture
def session(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
        span_autolink.reload_environment()
    return boto3.session.Session()


def link(kind, hash_):
    return {"link.kind": "span-pointer", "ptr.kind": kind, "ptr.dir": "d", "ptr.hash": hash_}


def test_s3_put_object_through_a_client(session, links):
    s3 = session.client("s3")
    with Stubber(s3) as stub:
        stub.add_response("put_object", {"ETag": '"ab12ef34"'}, {"Bucket": "some-bucket", "Key": "some-key.data", "Body": ANY})
        s3.put_object(Bucket="some-bucket", Key="some-key.data", Body=b"x" * 100_000)
        stub.add_response("get_object", {"ETag": '"ab12ef34"'}, {"Bucket": "some-bucket", "Key": "some-key.data"})
        s3.get_object(Bucket="some-bucket", Key="some-key.data")
    assert links == [link("aws.s3.object", s3_hash("some-bucket", "some-key.data", "ab12ef34"))]


def test_dynamodb_through_a_resource_with_plain_values(session, links):
    table = session.resource("dynamodb").Table("orders")
    with Stubber(table.meta.client) as stub:
        stub.add_response("put_item", {}, None)
        table.put_item(Item={"customerId": "c-1", "orderId": Decimal("17.0"), "blob": Binary(b"\x00"), "tags": {"a"}})
        stub.add_response("update_item", {}, None)
        table.update_item(Key={"customerId": "c-1", "orderId": 17}, UpdateExpression="SET s = :s",
                          ExpressionAttributeValues={":s": "x"})
        stub.add_response("delete_item", {}, None)
        table.delete_item(Key={"customerId": "c-1", "orderId": Decimal("1.50")})
    assert links == [
        link("aws.dynamodb.item", ddb_hash("orders", ("customerId", "c-1"), ("orderId", "17"))),
        link("aws.dynamodb.item", ddb_hash("orders", ("customerId", "c-1"), ("orderId", "17"))),
        link("aws.dynamodb.item", ddb_hash("orders", ("customerId", "c-1"), ("orderId", "1.5"))),
    ]


def test_dynamodb_batch_through_a_client(session, links):
    client = session.client("dynamodb")
    items = {
        "orders": [
            {"PutRequest": {"Item": {"customerId": {"S": "c-1"}, "orderId": {"N": "1"}, "x": {"B": b"\x01"}}}},
            {"DeleteRequest": {"Key": {"customerId": {"S": "c-2"}, "orderId": {"N": "2"}}}},
        ]
    }
    with Stubber(client) as stub:
        stub.add_response("batch_write_item", {"UnprocessedItems": {"orders": [items["orders"][1]]}}, None)
        client.batch_write_item(RequestItems=items)
    assert links == [link("aws.dynamodb.item", ddb_hash("orders", ("customerId", "c-1"), ("orderId", "1")))]
