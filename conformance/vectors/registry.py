"""Key names learned from the application's own calls (SPEC 9): sequences of
calls on one registry, where a put takes its table's key names from what an
earlier call (or another part of the same call) showed: a KeySchema in a
table description, the names of a Key the service accepted, then the
configuration. Each put's pointer is written out by hand as before; the
earlier calls only say which attributes of the item are hashed."""

from .common import DDBD, call, response_case, sequence_case

OK = {}
FAILED = {"Error": {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"},
          "ResponseMetadata": {"HTTPStatusCode": 400}}


def schema(*elements):
    """A KeySchema: (name, "HASH" or "RANGE") pairs, as the service lists them."""
    return [{"AttributeName": name, "KeyType": kind} for name, kind in elements]


def description(table, *elements, status="ACTIVE"):
    """A TableDescription (CreateTable, UpdateTable, DeleteTable) or Table (DescribeTable)."""
    return {
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in elements],
        "TableName": table,
        "KeySchema": schema(*elements),
        "TableStatus": status,
        "CreationDateTime": "2026-11-20T10:00:00Z",
        "ItemCount": 0,
        "TableArn": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}",
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }


def put(table, item, pointers=(), issues=(), unknown_tables=()):
    return call("dynamodb", "PutItem", {"TableName": table, "Item": item}, OK, pointers, issues, unknown_tables)


ORDER = {"pk": {"S": "customer#7"}, "sk": {"S": "order#42"}, "total": {"N": "10"}}
ORDER_POINTER = ("pk", "customer#7"), ("sk", "order#42")


def define():
    # -- what teaches ---------------------------------------------------------
    sequence_case(
        "registry_create_table_then_put",
        "CreateTable's TableDescription.KeySchema names the key: a later PutItem gives its pointer with no configuration; ddtrace gives none.",
        "differs",
        [
            call("dynamodb", "CreateTable",
                 {"TableName": "orders-created", "KeySchema": schema(("pk", "HASH"), ("sk", "RANGE")),
                  "BillingMode": "PAY_PER_REQUEST"},
                 {"TableDescription": description("orders-created", ("pk", "HASH"), ("sk", "RANGE"), status="CREATING")}),
            put("orders-created", ORDER, [DDBD("orders-created", *ORDER_POINTER)]),
        ])
    sequence_case(
        "registry_describe_table_then_put",
        "DescribeTable's Table.KeySchema, a partition key only, teaches the key of later puts.",
        "differs",
        [
            call("dynamodb", "DescribeTable", {"TableName": "users-described"},
                 {"Table": description("users-described", ("userId", "HASH"))}),
            put("users-described", {"userId": {"S": "u-1"}, "name": {"S": "Ada"}},
                [DDBD("users-described", ("userId", "u-1"))]),
        ])
    sequence_case(
        "registry_update_table_then_batch_put",
        "UpdateTable's TableDescription teaches the key; both puts of a later BatchWriteItem give pointers.",
        "differs",
        [
            call("dynamodb", "UpdateTable", {"TableName": "events-updated", "BillingMode": "PAY_PER_REQUEST"},
                 {"TableDescription": description("events-updated", ("source", "HASH"), ("at", "RANGE"), status="UPDATING")}),
            call("dynamodb", "BatchWriteItem",
                 {"RequestItems": {"events-updated": [
                     {"PutRequest": {"Item": {"source": {"S": "web"}, "at": {"N": "1.50"}}}},
                     {"PutRequest": {"Item": {"source": {"S": "app"}, "at": {"N": "2"}}}},
                 ]}},
                 {"UnprocessedItems": {}},
                 [DDBD("events-updated", ("at", "1.5"), ("source", "web")),
                  DDBD("events-updated", ("at", "2"), ("source", "app"))]),
        ])
    sequence_case(
        "registry_describe_table_v2_data",
        "The JavaScript v2 SDK's response holds the table under data; it teaches the same.",
        "differs",
        [
            call("dynamodb", "describeTable", {"TableName": "users-v2"},
                 {"data": {"Table": description("users-v2", ("id", "HASH"))}}),
            call("dynamodb", "putItem", {"TableName": "users-v2", "Item": {"id": {"S": "u-2"}}},
                 {"data": {}}, [DDBD("users-v2", ("id", "u-2"))]),
        ])
    sequence_case(
        "registry_get_item_then_put",
        "GetItem's Key names are the table's key names (the service refuses any other key): a later put links.",
        "differs",
        [
            call("dynamodb", "GetItem", {"TableName": "orders-read", "Key": {"sk": {"S": "order#1"}, "pk": {"S": "customer#1"}}},
                 {"Item": {"pk": {"S": "customer#1"}, "sk": {"S": "order#1"}}}),
            put("orders-read", ORDER, [DDBD("orders-read", *ORDER_POINTER)]),
        ])
    sequence_case(
        "registry_update_item_then_transact_put",
        "UpdateItem's Key teaches the key names; a later TransactWriteItems Put gives its pointer.",
        "differs",
        [
            call("dynamodb", "UpdateItem",
                 {"TableName": "orders-updated", "Key": {"pk": {"S": "customer#1"}, "sk": {"S": "order#1"}},
                  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
                  "ExpressionAttributeValues": {":s": {"S": "PAID"}}},
                 OK, [DDBD("orders-updated", ("pk", "customer#1"), ("sk", "order#1"))]),
            call("dynamodb", "TransactWriteItems",
                 {"TransactItems": [{"Put": {"TableName": "orders-updated", "Item": ORDER}}]},
                 OK, [DDBD("orders-updated", *ORDER_POINTER)]),
        ])
    sequence_case(
        "registry_delete_item_then_put",
        "DeleteItem's Key teaches the key names too.",
        "differs",
        [
            call("dynamodb", "DeleteItem", {"TableName": "carts-deleted", "Key": {"cartId": {"S": "c-1"}}},
                 OK, [DDBD("carts-deleted", ("cartId", "c-1"))]),
            put("carts-deleted", {"cartId": {"S": "c-2"}, "items": {"L": []}}, [DDBD("carts-deleted", ("cartId", "c-2"))]),
        ])
    sequence_case(
        "registry_batch_get_then_put",
        "BatchGetItem's Keys teach every table of RequestItems, named there by name or by ARN.",
        "differs",
        [
            call("dynamodb", "BatchGetItem",
                 {"RequestItems": {
                     "arn:aws:dynamodb:us-east-1:123456789012:table/books-got": {
                         "Keys": [{"isbn": {"S": "978-0"}}, {"isbn": {"S": "978-1"}}], "ProjectionExpression": "isbn"},
                     "authors-got": {"Keys": [{"authorId": {"N": "7"}, "since": {"N": "1999"}}]},
                 }},
                 {"Responses": {}, "UnprocessedKeys": {}}),
            put("books-got", {"isbn": {"S": "978-2"}}, [DDBD("books-got", ("isbn", "978-2"))]),
            put("authors-got", {"authorId": {"N": "8"}, "since": {"N": "2001"}, "name": {"S": "x"}},
                [DDBD("authors-got", ("authorId", "8"), ("since", "2001"))]),
        ])
    sequence_case(
        "registry_transact_get_then_put",
        "TransactGetItems' Get keys teach the key names.",
        "differs",
        [
            call("dynamodb", "TransactGetItems",
                 {"TransactItems": [{"Get": {"TableName": "ledger-got", "Key": {"account": {"S": "a-1"}, "entry": {"N": "1"}}}}]},
                 {"Responses": [{"Item": {"account": {"S": "a-1"}, "entry": {"N": "1"}}}]}),
            put("ledger-got", {"account": {"S": "a-1"}, "entry": {"N": "2"}, "amount": {"N": "5"}},
                [DDBD("ledger-got", ("account", "a-1"), ("entry", "2"))]),
        ])
    sequence_case(
        "registry_document_client_get_then_put",
        "The document clients' get and put (dd-trace's names for lib-dynamodb's GetCommand and PutCommand) with plain values.",
        "differs",
        [
            call("dynamodb", "get", {"TableName": "profiles-doc", "Key": {"handle": "ada"}}, {"Item": {"handle": "ada"}}),
            call("dynamodb", "put", {"TableName": "profiles-doc", "Item": {"handle": "grace", "age": 85}},
                 OK, [DDBD("profiles-doc", ("handle", "grace"))]),
        ])
    sequence_case(
        "registry_schema_then_put_by_arn",
        "A put naming its table by ARN uses what was learned for the table's name.",
        "differs",
        [
            call("dynamodb", "DescribeTable", {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/users-arn"},
                 {"Table": description("users-arn", ("id", "HASH"))}),
            put("arn:aws:dynamodb:us-east-1:123456789012:table/users-arn", {"id": {"S": "u-3"}},
                [DDBD("users-arn", ("id", "u-3"))]),
        ])
    # -- within one call -----------------------------------------------------
    response_case(
        "registry_condition_check_teaches_the_put_beside_it",
        "A ConditionCheck's Key teaches the key names of a Put in the same transaction, which then gives its pointer.",
        "differs", "dynamodb", "TransactWriteItems",
        {"TransactItems": [
            {"ConditionCheck": {"TableName": "stock-checked", "Key": {"sku": {"S": "sku-1"}},
                                "ConditionExpression": "attribute_exists(sku)"}},
            {"Put": {"TableName": "stock-checked", "Item": {"sku": {"S": "sku-2"}, "count": {"N": "3"}}}},
        ]},
        OK,
        [DDBD("stock-checked", ("sku", "sku-2"))])
    response_case(
        "registry_batch_delete_teaches_the_put_beside_it",
        "A DeleteRequest's Key teaches the key names of a PutRequest on the same table in the same batch.",
        "differs", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"sessions-batched": [
            {"PutRequest": {"Item": {"sessionId": {"S": "s-1"}, "user": {"S": "u"}}}},
            {"DeleteRequest": {"Key": {"sessionId": {"S": "s-2"}}}},
        ]}},
        {"UnprocessedItems": {}},
        [DDBD("sessions-batched", ("sessionId", "s-1")), DDBD("sessions-batched", ("sessionId", "s-2"))])
    # -- what does not teach -------------------------------------------------
    sequence_case(
        "registry_failed_call_teaches_nothing",
        "A GetItem that failed shows nothing: the put after it has no key names, says so and names the table to look up.",
        "n/a",
        [
            call("dynamodb", "GetItem", {"TableName": "orders-failed", "Key": {"pk": {"S": "a"}}}, FAILED),
            put("orders-failed", ORDER, [], ["table_not_configured"], ["orders-failed"]),
        ])
    sequence_case(
        "registry_query_and_three_names_teach_nothing",
        "A Query names no key, and a Key of three names is none DynamoDB takes: neither teaches.",
        "n/a",
        [
            call("dynamodb", "Query",
                 {"TableName": "orders-queried", "KeyConditionExpression": "pk = :pk",
                  "ExpressionAttributeValues": {":pk": {"S": "customer#7"}}},
                 {"Items": [ORDER], "Count": 1, "LastEvaluatedKey": {"pk": {"S": "customer#7"}, "sk": {"S": "order#42"}}}),
            call("dynamodb", "GetItem",
                 {"TableName": "orders-queried", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}, "x": {"S": "c"}}}, OK),
            put("orders-queried", ORDER, [], ["table_not_configured"], ["orders-queried"]),
        ])
    sequence_case(
        "registry_delete_table_forgets",
        "DeleteTable says the table is gone: a put after it knows no key names until the table is seen again.",
        "n/a",
        [
            call("dynamodb", "DescribeTable", {"TableName": "temp-deleted"},
                 {"Table": description("temp-deleted", ("id", "HASH"))}),
            call("dynamodb", "DeleteTable", {"TableName": "temp-deleted"},
                 {"TableDescription": description("temp-deleted", ("id", "HASH"), status="DELETING")}),
            put("temp-deleted", {"id": {"S": "x"}}, [], ["table_not_configured"], ["temp-deleted"]),
        ])
    sequence_case(
        "registry_unknown_tables_named_once",
        "Puts on tables nobody knows give one issue each; each table to look up is named once, and a name DynamoDB would refuse is not named.",
        "n/a",
        [
            call("dynamodb", "BatchWriteItem",
                 {"RequestItems": {
                     "alpha-unknown": [{"PutRequest": {"Item": {"a": {"S": "1"}}}},
                                       {"PutRequest": {"Item": {"a": {"S": "2"}}}}],
                     "beta-unknown": [{"PutRequest": {"Item": {"b": {"S": "1"}}}}],
                     "no such table!": [{"PutRequest": {"Item": {"c": {"S": "1"}}}}],
                 }},
                 {"UnprocessedItems": {}},
                 [], ["table_not_configured"] * 4, ["alpha-unknown", "beta-unknown"]),
        ])
    # -- the configuration ---------------------------------------------------
    sequence_case(
        "registry_key_config_conflict",
        "A setting of ['pk'] for a table DynamoDB says is keyed by pk and sk is reported, and the service's names give the pointer; ddtrace hashes pk alone, which never links.",
        "differs",
        [
            call("dynamodb", "DescribeTable", {"TableName": "orders-conflict"},
                 {"Table": description("orders-conflict", ("pk", "HASH"), ("sk", "RANGE"))}),
            put("orders-conflict", ORDER, [DDBD("orders-conflict", *ORDER_POINTER)], ["key_config_conflict"]),
        ],
        config={"orders-conflict": ["pk"]})
    sequence_case(
        "registry_key_over_config",
        "A Key the service accepted outranks the configuration too; the conflict is reported.",
        "differs",
        [
            call("dynamodb", "GetItem", {"TableName": "orders-keyed", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}}, OK),
            put("orders-keyed", ORDER, [DDBD("orders-keyed", *ORDER_POINTER)], ["key_config_conflict"]),
        ],
        config_text='{"orders-keyed": ["customerId"]}')
    sequence_case(
        "registry_config_that_agrees",
        "A configuration naming the learned names in another order agrees: no issue, the same pointer as ddtrace's.",
        "agrees",
        [
            call("dynamodb", "DescribeTable", {"TableName": "orders-agreed"},
                 {"Table": description("orders-agreed", ("pk", "HASH"), ("sk", "RANGE"))}),
            put("orders-agreed", ORDER, [DDBD("orders-agreed", *ORDER_POINTER)]),
        ],
        config={"orders-agreed": ["sk", "pk"]})
    sequence_case(
        "registry_config_for_tables_not_learned",
        "Tables no call showed take their key names from the configuration, beside a table that was learned.",
        "differs",
        [
            call("dynamodb", "DescribeTable", {"TableName": "learned-table"},
                 {"Table": description("learned-table", ("id", "HASH"))}),
            call("dynamodb", "TransactWriteItems",
                 {"TransactItems": [
                     {"Put": {"TableName": "learned-table", "Item": {"id": {"S": "l-1"}}}},
                     {"Put": {"TableName": "configured-table", "Item": {"code": {"S": "c-1"}, "id": {"S": "x"}}}},
                 ]},
                 OK,
                 [DDBD("learned-table", ("id", "l-1")), DDBD("configured-table", ("code", "c-1"))]),
        ],
        config={"configured-table": ["code"]})
    # -- change ----------------------------------------------------------------
    sequence_case(
        "registry_accepted_key_replaces_an_old_schema",
        "A table deleted and made again elsewhere with another key: the Key the service now accepts replaces the schema seen before.",
        "differs",
        [
            call("dynamodb", "DescribeTable", {"TableName": "remade-table"},
                 {"Table": description("remade-table", ("pk", "HASH"), ("sk", "RANGE"))}),
            call("dynamodb", "GetItem", {"TableName": "remade-table", "Key": {"id": {"S": "x"}}}, OK),
            put("remade-table", {"id": {"S": "y"}, "pk": {"S": "p"}, "sk": {"S": "s"}},
                [DDBD("remade-table", ("id", "y"))]),
        ])
    sequence_case(
        "registry_learned_key_attribute_missing",
        "An item without a key attribute the service named gives no pointer and says which.",
        "n/a",
        [
            call("dynamodb", "DescribeTable", {"TableName": "orders-missing"},
                 {"Table": description("orders-missing", ("pk", "HASH"), ("sk", "RANGE"))}),
            put("orders-missing", {"pk": {"S": "customer#7"}, "total": {"N": "10"}}, [], ["key_attribute_missing"]),
        ])
