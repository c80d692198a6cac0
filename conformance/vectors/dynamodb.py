"""DynamoDB items: producer calls, the key-name configuration, and stream
records (direct and through Kinesis)."""

import json

from .common import (
    KINESIS_ARRIVAL_SECONDS,
    BYTES,
    DDBD,
    DDBU,
    ORDERS_CONFIG,
    RAW,
    S3D,
    event_case,
    fixture,
    kinesis_ddb_data,
    kinesis_record,
    response_case,
    stream_arn,
    stream_record,
)


def define():
    # ======================================================================
    # DynamoDB producer
    # ======================================================================
    response_case(
        "ddb_update_item_known_answer",
        "UpdateItem on a partition-key-only table gives the SPEC section 7 known answer.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}},
         "UpdateExpression": "SET #a = :v", "ExpressionAttributeNames": {"#a": "a"},
         "ExpressionAttributeValues": {":v": {"S": "x"}}},
        {},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "ddb_delete_item_known_answer",
        "DeleteItem hashes TableName and Key like UpdateItem.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}}},
        {"Attributes": {"some-key": {"S": "some-value"}}},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "ddb_update_item_partition_and_sort_key",
        "A partition and sort key give five components, names in ascending byte order.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "orders", "Key": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}},
         "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
         "ExpressionAttributeValues": {":s": {"S": "PAID"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))])
    response_case(
        "ddb_update_item_key_given_in_reverse_order",
        "A two-attribute key given in reverse order hashes the same as in ascending order.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "orders", "Key": {"orderId": {"N": "42"}, "customerId": {"S": "c-1001"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))])
    response_case(
        "ddb_key_names_upper_before_lower",
        "Key names are ordered by UTF-8 bytes, so Z (0x5A) comes before a (0x61).",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "t", "Key": {"a": {"S": "lower"}, "Z": {"S": "upper"}}},
        {},
        [DDBD("t", ("Z", "upper"), ("a", "lower"))])
    response_case(
        "ddb_key_names_non_ascii_after_ascii",
        "Key name é (0xC3 0xA9) sorts after z (0x7A) by UTF-8 bytes.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "t", "Key": {"é": {"S": "e-acute"}, "z": {"S": "zed"}}},
        {},
        [DDBD("t", ("z", "zed"), ("é", "e-acute"))])
    response_case(
        "ddb_key_names_utf8_not_utf16_order",
        "U+FF58 (0xEF...) sorts before U+1F600 (0xF0...) by UTF-8 bytes though UTF-16 order is the reverse.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "t", "Key": {"😀": {"S": "emoji"}, "ｘ": {"S": "fullwidth"}}},
        {},
        [DDBD("t", ("ｘ", "fullwidth"), ("😀", "emoji"))])
    response_case(
        "ddb_operation_command_suffix_and_service_case",
        "UpdateItemCommand on service DynamoDB is UpdateItem on dynamodb.",
        "agrees", "DynamoDB", "UpdateItemCommand",
        {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}}},
        {},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "ddb_operation_lower_camel_case",
        "deleteItem (AWS SDK for JavaScript v2) is DeleteItem.",
        "agrees", "dynamodb", "deleteItem",
        {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}}},
        {"data": {}},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "ddb_put_item_configured",
        "PutItem takes the configured key attributes from Item and ignores the others.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"},
                                         "total": {"N": "19.99"}, "status": {"S": "NEW"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_put_item_partition_key_only",
        "PutItem on a table configured with one key attribute pads with two empty components.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}, "name": {"S": "Ada"}}},
        {},
        [DDBD("users", ("id", "u-1"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_put_item_command_name",
        "PutItemCommand is PutItem.",
        "agrees", "dynamodb", "PutItemCommand",
        {"TableName": "users", "Item": {"id": {"S": "u-2"}}},
        {},
        [DDBD("users", ("id", "u-2"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_put_item_table_not_configured",
        "PutItem on a table without configured key names gives no pointer.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}}},
        {},
        [], ["table_not_configured"], unknown_tables=["orders"])
    response_case(
        "ddb_put_item_key_attribute_missing",
        "PutItem whose Item lacks a configured key attribute gives no pointer.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1001"}, "total": {"N": "5"}}},
        {},
        [], ["key_attribute_missing"],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_put_item_missing_item",
        "PutItem without Item gives no pointer.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "users"},
        {},
        [], ["field_missing"],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_put_item_non_canonical_number",
        "A key number written as 042 is hashed as DynamoDB stores it, 42.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "042"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_get_item_no_pointer",
        "GetItem writes nothing and gives neither pointer nor issue.",
        "n/a", "dynamodb", "GetItem",
        {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}}},
        {"Item": {"some-key": {"S": "some-value"}}})
    response_case(
        "ddb_query_no_pointer",
        "Query writes nothing.",
        "n/a", "dynamodb", "Query",
        {"TableName": "orders", "KeyConditionExpression": "customerId = :c",
         "ExpressionAttributeValues": {":c": {"S": "c-1001"}}},
        {"Items": [], "Count": 0})

    # -- BatchWriteItem ----------------------------------------------------
    response_case(
        "ddb_batch_write_two_tables_put_and_delete",
        "BatchWriteItem gives one pointer per write in request order across two tables, puts using the configured names.",
        "agrees", "dynamodb", "BatchWriteItem",
        {"RequestItems": {
            "orders": [
                {"PutRequest": {"Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"},
                                         "total": {"N": "19.99"}}}},
                {"DeleteRequest": {"Key": {"customerId": {"S": "c-1002"}, "orderId": {"N": "7"}}}},
            ],
            "users": [
                {"DeleteRequest": {"Key": {"id": {"S": "u-9"}}}},
                {"PutRequest": {"Item": {"id": {"S": "u-10"}, "name": {"S": "Grace"}}}},
            ],
        }},
        {"UnprocessedItems": {}},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42")),
         DDBD("orders", ("customerId", "c-1002"), ("orderId", "7")),
         DDBD("users", ("id", "u-9")),
         DDBD("users", ("id", "u-10"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_batch_write_unprocessed_items_excluded",
        "A write listed in UnprocessedItems gives no pointer and no issue; the others do.",
        "agrees", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"users": [
            {"PutRequest": {"Item": {"id": {"S": "u-1"}}}},
            {"PutRequest": {"Item": {"id": {"S": "u-2"}}}},
            {"DeleteRequest": {"Key": {"id": {"S": "u-3"}}}},
        ]}},
        {"UnprocessedItems": {"users": [{"PutRequest": {"Item": {"id": {"S": "u-2"}}}}]}},
        [DDBD("users", ("id", "u-1")), DDBD("users", ("id", "u-3"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_batch_write_all_unprocessed",
        "A batch whose writes are all unprocessed gives nothing.",
        "n/a", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"users": [{"DeleteRequest": {"Key": {"id": {"S": "u-3"}}}}]}},
        {"UnprocessedItems": {"users": [{"DeleteRequest": {"Key": {"id": {"S": "u-3"}}}}]}})
    response_case(
        "ddb_batch_write_one_bad_write_others_kept",
        "A put on an unconfigured table gives an issue while the delete in the same batch keeps its pointer; ddtrace drops the whole batch.",
        "differs", "dynamodb", "BatchWriteItem",
        {"RequestItems": {
            "carts": [{"PutRequest": {"Item": {"cartId": {"S": "c-1"}}}}],
            "sessions": [{"DeleteRequest": {"Key": {"sessionId": {"S": "s-2"}}}}],
        }},
        {},
        [DDBD("sessions", ("sessionId", "s-2"))], ["table_not_configured"], unknown_tables=["carts"])
    response_case(
        "ddb_batch_write_issues_in_request_order",
        "Issues come one per failing write in request order.",
        "n/a", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"sessions": [
            {"PutRequest": {"Item": {"sessionId": {"S": "s-1"}}}},
            {"DeleteRequest": {"Key": {}}},
        ]}},
        {},
        [], ["table_not_configured", "key_attribute_count"], unknown_tables=["sessions"])
    response_case(
        "ddb_batch_write_neither_put_nor_delete",
        "A write request with neither PutRequest nor DeleteRequest gives no pointer.",
        "n/a", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"users": [{"UpdateRequest": {"Key": {"id": {"S": "u-1"}}}}]}},
        {},
        [], ["field_missing"])
    response_case(
        "ddb_batch_write_table_arn_key",
        "A table ARN as a RequestItems key hashes the table NAME; ddtrace hashes the whole ARN.",
        "differs", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"arn:aws:dynamodb:us-east-1:123456789012:table/users": [
            {"DeleteRequest": {"Key": {"id": {"S": "u-9"}}}}]}},
        {},
        [DDBD("users", ("id", "u-9"))])
    response_case(
        "ddb_batch_write_command_name",
        "BatchWriteItemCommand is BatchWriteItem.",
        "agrees", "dynamodb", "BatchWriteItemCommand",
        {"RequestItems": {"users": [{"DeleteRequest": {"Key": {"id": {"S": "u-9"}}}}]}},
        {"UnprocessedItems": {}},
        [DDBD("users", ("id", "u-9"))])

    # -- TransactWriteItems ------------------------------------------------
    response_case(
        "ddb_transact_write_all_kinds",
        "TransactWriteItems gives one pointer per Put, Update and Delete in order; ConditionCheck gives none.",
        "agrees", "dynamodb", "TransactWriteItems",
        {"TransactItems": [
            {"ConditionCheck": {"TableName": "orders",
                                "Key": {"customerId": {"S": "c-1"}, "orderId": {"N": "1"}},
                                "ConditionExpression": "attribute_exists(customerId)"}},
            {"Put": {"TableName": "users", "Item": {"id": {"S": "u-1"}, "name": {"S": "Ada"}}}},
            {"Update": {"TableName": "orders", "Key": {"customerId": {"S": "c-1"}, "orderId": {"N": "2"}},
                        "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": {"S": "PAID"}}}},
            {"Delete": {"TableName": "sessions", "Key": {"sessionId": {"S": "s-1"}}}},
        ]},
        {},
        [DDBD("users", ("id", "u-1")),
         DDBD("orders", ("customerId", "c-1"), ("orderId", "2")),
         DDBD("sessions", ("sessionId", "s-1"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_transact_condition_check_only",
        "A transaction of ConditionChecks writes nothing and gives neither pointer nor issue.",
        "n/a", "dynamodb", "TransactWriteItems",
        {"TransactItems": [{"ConditionCheck": {"TableName": "orders",
                                               "Key": {"customerId": {"S": "c-1"}, "orderId": {"N": "1"}},
                                               "ConditionExpression": "attribute_exists(customerId)"}}]},
        {})
    response_case(
        "ddb_transact_put_not_configured_update_kept",
        "A Put on an unconfigured table gives an issue; the Update in the same transaction keeps its pointer.",
        "agrees", "dynamodb", "TransactWriteItems",
        {"TransactItems": [
            {"Put": {"TableName": "sessions", "Item": {"sessionId": {"S": "s-9"}}}},
            {"Update": {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}},
                        "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}},
        ]},
        {},
        [DDBD("some-table", ("some-key", "some-value"))], ["table_not_configured"], unknown_tables=["sessions"])
    response_case(
        "ddb_transact_unknown_item_kind",
        "A transact item with none of Put, Update, Delete, ConditionCheck gives no pointer.",
        "n/a", "dynamodb", "TransactWriteItems",
        {"TransactItems": [{"Upsert": {"TableName": "users", "Key": {"id": {"S": "u-1"}}}}]},
        {},
        [], ["field_missing"])
    response_case(
        "ddb_transact_table_arn",
        "A table ARN as a transact Update TableName hashes the table NAME.",
        "differs", "dynamodb", "TransactWriteItems",
        {"TransactItems": [{"Update": {
            "TableName": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            "Key": {"customerId": {"S": "c-1"}, "orderId": {"N": "3"}},
            "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}}]},
        {},
        [DDBD("orders", ("customerId", "c-1"), ("orderId", "3"))])
    response_case(
        "ddb_transact_bad_number_other_kept",
        "A Delete with an invalid number gives an issue while the other Delete keeps its pointer; ddtrace hashes the bad text.",
        "differs", "dynamodb", "TransactWriteItems",
        {"TransactItems": [
            {"Delete": {"TableName": "scores", "Key": {"n": {"N": "NaN"}}}},
            {"Delete": {"TableName": "scores", "Key": {"n": {"N": "7"}}}},
        ]},
        {},
        [DDBD("scores", ("n", "7"))], ["number_invalid"])

    # -- table names -------------------------------------------------------
    response_case(
        "ddb_table_arn_in_table_name",
        "A table ARN in TableName hashes the table NAME, as the stream record does; ddtrace hashes the ARN.",
        "differs", "dynamodb", "UpdateItem",
        {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
         "Key": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))])
    response_case(
        "ddb_table_arn_aws_cn_partition",
        "A table ARN in the aws-cn partition is accepted.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/blobs",
         "Key": {"blobId": {"S": "b-1"}}},
        {},
        [DDBD("blobs", ("blobId", "b-1"))])
    response_case(
        "ddb_table_arn_aws_us_gov_partition",
        "A table ARN in the aws-us-gov partition is accepted.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/records",
         "Key": {"id": {"S": "r-1"}}},
        {},
        [DDBD("records", ("id", "r-1"))])
    response_case(
        "ddb_put_item_table_arn_uses_configured_name",
        "PutItem with a table ARN looks the key names up by table NAME; ddtrace looks up the ARN and finds nothing.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/users",
         "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_table_name_empty",
        "An empty TableName gives no pointer; ddtrace hashes the empty name.",
        "differs", "dynamodb", "UpdateItem",
        {"TableName": "", "Key": {"id": {"S": "u-1"}}},
        {},
        [], ["table_name_invalid"])
    response_case(
        "ddb_table_arn_without_table_resource",
        "An arn: TableName whose resource is not table/NAME gives no pointer; ddtrace hashes it.",
        "differs", "dynamodb", "UpdateItem",
        {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:stream/orders", "Key": {"id": {"S": "u-1"}}},
        {},
        [], ["table_name_invalid"])
    response_case(
        "ddb_table_arn_other_service",
        "An arn: TableName of another service gives no pointer; ddtrace hashes it.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "arn:aws:s3:::orders", "Key": {"id": {"S": "u-1"}}},
        {},
        [], ["table_name_invalid"])
    response_case(
        "ddb_table_name_missing",
        "UpdateItem without TableName gives no pointer.",
        "n/a", "dynamodb", "UpdateItem",
        {"Key": {"id": {"S": "u-1"}}},
        {},
        [], ["field_missing"])
    response_case(
        "ddb_table_name_is_number",
        "A TableName that is a number has the wrong JSON type.",
        "n/a", "dynamodb", "UpdateItem",
        {"TableName": 5, "Key": {"id": {"S": "u-1"}}},
        {},
        [], ["field_invalid"])
    response_case(
        "ddb_key_missing",
        "DeleteItem without Key gives no pointer.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "users"},
        {},
        [], ["field_missing"])
    response_case(
        "ddb_key_is_list",
        "A Key that is a list where an object belongs has the wrong JSON type.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "users", "Key": [{"id": {"S": "u-1"}}]},
        {},
        [], ["field_invalid"])
    response_case(
        "ddb_key_zero_attributes",
        "An empty Key gives no pointer.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "users", "Key": {}},
        {},
        [], ["key_attribute_count"])
    response_case(
        "ddb_key_three_attributes",
        "A Key with three attributes gives no pointer.",
        "n/a", "dynamodb", "UpdateItem",
        {"TableName": "users", "Key": {"a": {"S": "1"}, "b": {"S": "2"}, "c": {"S": "3"}}},
        {},
        [], ["key_attribute_count"])
    response_case(
        "ddb_key_value_two_type_members",
        "A key value with two type members is not a key value.",
        "n/a", "dynamodb", "UpdateItem",
        {"TableName": "users", "Key": {"id": {"S": "1", "N": "1"}}},
        {},
        [], ["key_value_type"])
    response_case(
        "ddb_key_value_bool_type",
        "BOOL cannot be a key attribute type.",
        "n/a", "dynamodb", "UpdateItem",
        {"TableName": "users", "Key": {"id": {"BOOL": True}}},
        {},
        [], ["key_value_type"])
    response_case(
        "ddb_key_value_string_set_type",
        "SS cannot be a key attribute type.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "users", "Key": {"id": {"SS": ["a", "b"]}}},
        {},
        [], ["key_value_type"])
    response_case(
        "ddb_key_value_n_not_text",
        "{\"N\": 42} with a JSON number instead of text is not a typed key value.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "scores", "Key": {"n": {"N": 42}}},
        {},
        [], ["key_value_type"])
    response_case(
        "ddb_key_value_plain_boolean",
        "A plain true is neither a string, a number nor bytes.",
        "n/a", "dynamodb", "DeleteItem",
        {"TableName": "users", "Key": {"id": True}},
        {},
        [], ["key_value_type"])

    # -- canonical numbers -------------------------------------------------
    def num_case(name, about, datadog, text, canonical=None, issue=None):
        # `canonical` is typed out by hand; the generator never canonicalizes.
        pointers = [DDBD("scores", ("n", canonical))] if canonical is not None else []
        response_case(name, about, datadog, "dynamodb", "UpdateItem",
                      {"TableName": "scores", "Key": {"n": {"N": text}}}, {},
                      pointers, [issue] if issue else [])

    num_case("ddb_number_already_canonical", "An integer in canonical form is hashed as written.",
             "agrees", "42", "42")
    num_case("ddb_number_negative_decimal_canonical", "A canonical negative decimal is hashed as written.",
             "agrees", "-12.5", "-12.5")
    num_case("ddb_number_zero", "Zero is 0.", "agrees", "0", "0")
    num_case("ddb_number_leading_zeros", "00042 is stored and hashed as 42.",
             "differs", "00042", "42")
    num_case("ddb_number_trailing_zeros", "1.50 is stored and hashed as 1.5.",
             "differs", "1.50", "1.5")
    num_case("ddb_number_leading_and_trailing_zeros", "0012.3400 is 12.34.",
             "differs", "0012.3400", "12.34")
    num_case("ddb_number_plus_sign_exponent", "+1e2 is 100.",
             "differs", "+1e2", "100")
    num_case("ddb_number_upper_exponent_with_sign", "1E+2 is 100.",
             "differs", "1E+2", "100")
    num_case("ddb_number_negative_exponent", "1.5E-3 is 0.0015.",
             "differs", "1.5E-3", "0.0015")
    num_case("ddb_number_exponent_moves_point", "12.3400e1 is 123.4.",
             "differs", "12.3400e1", "123.4")
    num_case("ddb_number_negative_small", "-1.25e-2 is -0.0125.",
             "differs", "-1.25e-2", "-0.0125")
    num_case("ddb_number_negative_zero", "-0.0 is 0.",
             "differs", "-0.0", "0")
    num_case("ddb_number_negative_zero_integer", "-0 is 0.",
             "differs", "-0", "0")
    num_case("ddb_number_zero_with_decimals", "0.000 is 0.",
             "differs", "0.000", "0")
    num_case("ddb_number_zero_huge_exponent", "Zero in any form is 0, even with an exponent beyond the range.",
             "differs", "0e999999999", "0")
    num_case("ddb_number_leading_point", ".5 is 0.5.",
             "differs", ".5", "0.5")
    num_case("ddb_number_trailing_point", "5. is 5.",
             "differs", "5.", "5")
    num_case("ddb_number_largest_exponent_in_range", "1e125 expands to a 1 followed by 125 zeros.",
             "differs", "1e125", "1" + "0" * 125)
    num_case("ddb_number_max_value",
             "The largest DynamoDB number, 38 nines times 10^88, is within range.",
             "differs", "9.9999999999999999999999999999999999999E+125",
             "99999999999999999999999999999999999999" + "0" * 88)
    num_case("ddb_number_smallest_in_range", "1e-130 expands to 0. then 129 zeros and a 1.",
             "differs", "1e-130", "0." + "0" * 129 + "1")
    num_case("ddb_number_negative_smallest_in_range", "-1e-130 is within range.",
             "differs", "-1e-130", "-0." + "0" * 129 + "1")
    num_case("ddb_number_38_significant_digits", "38 significant digits are within DynamoDB's precision.",
             "agrees", "12345678901234567890123456789012345678", "12345678901234567890123456789012345678")
    num_case("ddb_number_38_significant_digits_trailing_integer_zeros",
             "Trailing zeros of an integer are not significant: 38 significant digits and two zeros are in range.",
             "agrees", "1234567890123456789012345678901234567800", "1234567890123456789012345678901234567800")
    num_case("ddb_number_38_significant_digits_fraction_trailing_zeros",
             "Trailing fraction zeros are dropped: 0.123...78 followed by 00 keeps 38 significant digits.",
             "differs", "0.1234567890123456789012345678901234567800",
             "0.12345678901234567890123456789012345678")
    num_case("ddb_number_39_significant_digits", "39 significant digits are beyond DynamoDB's precision.",
             "differs", "123456789012345678901234567890123456789", issue="number_out_of_range")
    num_case("ddb_number_1e126_out_of_range", "1e126 is at or above 1e126.",
             "differs", "1e126", issue="number_out_of_range")
    num_case("ddb_number_negative_1e126_out_of_range", "-1e126 is out of range too.",
             "differs", "-1e126", issue="number_out_of_range")
    num_case("ddb_number_1e_minus_131_out_of_range", "1e-131 is below 1e-130.",
             "differs", "1e-131", issue="number_out_of_range")
    num_case("ddb_number_huge_exponent", "1e999999999 is out of range and must not be expanded.",
             "differs", "1e999999999", issue="number_out_of_range")
    num_case("ddb_number_huge_negative_exponent", "1e-999999999 is out of range and must not be expanded.",
             "differs", "1e-999999999", issue="number_out_of_range")
    for text, slug in [("NaN", "nan"), ("Infinity", "infinity"), (" 1", "leading_space"),
                       ("1.2.3", "two_points"), ("0x10", "hex"), ("-", "sign_only"),
                       ("1e", "exponent_without_digits"), ("", "empty"), ("1e+", "exponent_sign_only"),
                       ("e5", "exponent_only")]:
        num_case(f"ddb_number_invalid_{slug}",
                 f"{json.dumps(text)} is not a decimal number; ddtrace hashes the text anyway.",
                 "differs", text, issue="number_invalid")

    # -- binary keys -------------------------------------------------------
    response_case(
        "ddb_binary_key_raw_bytes",
        "B given as raw bytes (not UTF-8) is hashed as those bytes.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "blobs", "Key": {"blobId": {"B": BYTES("AAECAwT/")}}},
        {},
        [DDBD("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"))])
    response_case(
        "ddb_binary_key_raw_utf8_bytes",
        "B given as raw bytes that happen to be text is hashed as those bytes.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "blobs", "Key": {"blobId": {"B": BYTES("aGVsbG8=")}}},
        {},
        [DDBD("blobs", ("blobId", b"hello"))])
    response_case(
        "ddb_binary_key_base64_text_in_request",
        "B given as base64 text (JSON request) is base64-decoded; ddtrace hashes the text.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "blobs", "Key": {"blobId": {"B": "AAECAwT/"}}},
        {},
        [DDBD("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"))])
    response_case(
        "ddb_binary_key_put_item_raw_bytes",
        "PutItem with a raw-bytes B key is hashed as the bytes; ddtrace gives no pointer for bytes in an Item.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "blobs", "Item": {"blobId": {"B": BYTES("AAECAwT/")}, "size": {"N": "6"}}},
        {},
        [DDBD("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"))],
        config={"blobs": ["blobId"]})
    response_case(
        "ddb_binary_key_invalid_base64",
        "B text that is not base64 gives no pointer; ddtrace hashes the text.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "blobs", "Key": {"blobId": {"B": "not base64!"}}},
        {},
        [], ["binary_invalid"])
    response_case(
        "ddb_binary_key_unpadded_base64",
        "B text without its = padding is not standard padded base64.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "blobs", "Key": {"blobId": {"B": "AAE"}}},
        {},
        [], ["binary_invalid"])

    # -- plain (document client) values -----------------------------------
    response_case(
        "ddb_plain_string_key",
        "A plain string key value (document client) is an S value.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "some-table", "Key": {"some-key": "some-value"}},
        {},
        [DDBD("some-table", ("some-key", "some-value"))])
    response_case(
        "ddb_plain_integer_key",
        "A plain integer key value is an N value.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "orders", "Key": {"customerId": "c-1001", "orderId": 42}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))])
    response_case(
        "ddb_plain_number_trailing_zero",
        "A plain JSON number written 1.50 is the number 1.5; ddtrace (with Decimal) hashes 1.50.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "scores", "Key": {"n": RAW("1.50")}},
        {},
        [DDBD("scores", ("n", "1.5"))])
    response_case(
        "ddb_plain_number_exponent",
        "A plain JSON number 1e2 is 100.",
        "differs", "dynamodb", "DeleteItem",
        {"TableName": "scores", "Key": {"n": RAW("1e2")}},
        {},
        [DDBD("scores", ("n", "100"))])
    response_case(
        "ddb_plain_bytes_key",
        "Plain raw bytes as a key value (document client) are a B value.",
        "agrees", "dynamodb", "DeleteItem",
        {"TableName": "blobs", "Key": {"blobId": BYTES("AAECAwT/")}},
        {},
        [DDBD("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"))])
    response_case(
        "ddb_plain_values_put_item",
        "PutItem with plain string and number values (document client).",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": "c-1001", "orderId": 42, "note": "gift"}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_plain_bytes_put_item",
        "PutItem with a plain bytes key value; ddtrace gives no pointer for bytes in an Item.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "blobs", "Item": {"blobId": BYTES("AAECAwT/")}},
        {},
        [DDBD("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"))],
        config={"blobs": ["blobId"]})
    response_case(
        "ddb_document_client_put",
        "The JavaScript document client's put (v2 DocumentClient) is PutItem with plain values; ddtrace knows only PutItem.",
        "differs", "dynamodb", "put",
        {"TableName": "orders", "Item": {"customerId": "c-1001", "orderId": RAW("42.0"), "note": "gift"}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))],
        config=ORDERS_CONFIG)
    response_case(
        "ddb_document_client_command",
        "The v3 document client's UpdateCommand (@aws-sdk/lib-dynamodb) is UpdateItem with plain values.",
        "differs", "dynamodb", "UpdateCommand",
        {"TableName": "orders", "Key": {"customerId": "c-1001", "orderId": 42}, "UpdateExpression": "SET note = :n"},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))])

    # -- configuration -----------------------------------------------------
    response_case(
        "config_one_invalid_entry_valid_kept",
        "An invalid entry is reported and skipped and the valid one kept; ddtrace drops the whole configuration.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}}},
        {},
        [DDBD("orders", ("customerId", "c-1001"), ("orderId", "42"))], ["config_entry_invalid"],
        config={"users": "id", "orders": ["customerId", "orderId"]})
    response_case(
        "config_put_on_invalid_entry_table",
        "A put on the table whose entry was skipped reports the entry and that the table is not configured.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [], ["config_entry_invalid", "table_not_configured"],
        config={"users": "id", "orders": ["customerId", "orderId"]}, unknown_tables=["users"])
    response_case(
        "config_entry_three_names",
        "An entry with three names is invalid; ddtrace accepts it, so the other table's pointer agrees.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))], ["config_entry_invalid"],
        config={"wide": ["a", "b", "c"], "users": ["id"]})
    response_case(
        "config_entry_duplicate_names",
        "An entry naming the same attribute twice is invalid and skipped; ddtrace drops the whole configuration.",
        "differs", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))], ["config_entry_invalid"],
        config={"dup": ["id", "id"], "users": ["id"]})
    response_case(
        "config_entry_empty_list",
        "An entry with no names is invalid; ddtrace accepts it, so the other table's pointer agrees.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))], ["config_entry_invalid"],
        config={"none": [], "users": ["id"]})
    response_case(
        "config_entry_empty_name",
        "An entry with an empty name is invalid; ddtrace accepts it, so the other table's pointer agrees.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))], ["config_entry_invalid"],
        config={"blank": [""], "users": ["id"]})
    response_case(
        "config_entry_not_strings",
        "An entry whose names are not strings is invalid; ddtrace accepts it, so the other table's pointer agrees.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))], ["config_entry_invalid"],
        config={"numeric": [1], "users": ["id"]})
    response_case(
        "config_invalid_entry_reported_once_per_call",
        "Two puts consulting a configuration with one invalid entry report it once for the call.",
        "differs", "dynamodb", "BatchWriteItem",
        {"RequestItems": {"users": [{"PutRequest": {"Item": {"id": {"S": "u-1"}}}},
                                    {"PutRequest": {"Item": {"id": {"S": "u-2"}}}}]}},
        {},
        [DDBD("users", ("id", "u-1")), DDBD("users", ("id", "u-2"))], ["config_entry_invalid"],
        config={"users": ["id"], "broken": {"id": True}})
    response_case(
        "config_invalid_entry_not_reported_without_put",
        "An UpdateItem does not consult the configuration, so its invalid entry is not reported.",
        "agrees", "dynamodb", "UpdateItem",
        {"TableName": "users", "Key": {"id": {"S": "u-1"}}},
        {},
        [DDBD("users", ("id", "u-1"))],
        config={"users": "id"})
    response_case(
        "config_text_valid",
        "The configuration as environment variable text.",
        "agrees", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-7"}, "orderId": {"N": "7"}}},
        {},
        [DDBD("orders", ("customerId", "c-7"), ("orderId", "7"))],
        config_text='{"orders": ["customerId", "orderId"]}')
    response_case(
        "config_text_invalid_json",
        "Configuration text that is not JSON is reported and no table is configured.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "orders", "Item": {"customerId": {"S": "c-7"}, "orderId": {"N": "7"}}},
        {},
        [], ["config_invalid", "table_not_configured"],
        config_text='{"orders": ["customerId", "orderId"]', unknown_tables=["orders"])
    response_case(
        "config_text_not_an_object",
        "Configuration text that is JSON but not an object is invalid.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [], ["config_invalid", "table_not_configured"],
        config_text='[["users", ["id"]]]', unknown_tables=["users"])
    response_case(
        "config_not_an_object",
        "A configuration that is a list instead of an object is invalid.",
        "n/a", "dynamodb", "PutItem",
        {"TableName": "users", "Item": {"id": {"S": "u-1"}}},
        {},
        [], ["config_invalid", "table_not_configured"],
        config=["users", "id"], unknown_tables=["users"])
    response_case(
        "config_not_consulted_for_s3",
        "An invalid configuration is not reported by an S3 call, which does not consult it.",
        "agrees", "s3", "PutObject",
        {"Bucket": "some-bucket", "Key": "some-key.data"},
        {"ETag": "\"ab12ef34\""},
        [S3D("some-bucket", "some-key.data", "ab12ef34")],
        config_text="not json")


    # ======================================================================
    # DynamoDB stream events (consumer)
    # ======================================================================
    event_case(
        "fixture_dynamodb_stream",
        "fixtures/events/dynamodb-stream.json: INSERT, MODIFY, REMOVE on a partition+sort key table.",
        "agrees", fixture("dynamodb-stream.json"),
        [DDBU("orders", ("customerId", "c-1001"), ("orderId", "42"), at=("s", "1763633730")),
         DDBU("orders", ("customerId", "c-1001"), ("orderId", "42"), at=("s", "1763633731")),
         DDBU("orders", ("customerId", "c-1002"), ("orderId", "0.5"), at=("s", "1763633732"))])
    event_case(
        "fixture_dynamodb_stream_binary_key",
        "fixtures/events/dynamodb-stream-binary-key.json: aws-cn table with a non-UTF-8 binary key, base64 in the event.",
        "differs", fixture("dynamodb-stream-binary-key.json"),
        [DDBU("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"), at=("s", "1763633800"))])
    event_case(
        "fixture_kinesis_wrapping_dynamodb",
        "fixtures/events/kinesis-wrapping-dynamodb.json: DynamoDB -> Kinesis Data Streams.",
        "n/a", fixture("kinesis-wrapping-dynamodb.json"),
        # The change's own time (milliseconds, in the data), not the arrival.
        [DDBU("orders", ("customerId", "c-1001"), ("orderId", "42"), at=("ms", "1763633731123"))])
    event_case(
        "fixture_apigateway_unrelated",
        "fixtures/events/apigateway-unrelated.json: an unrelated trigger gives nothing.",
        "n/a", fixture("apigateway-unrelated.json"))
    event_case(
        "ddb_stream_known_answer",
        "A stream record for the SPEC section 7 DynamoDB known answer.",
        "agrees", {"Records": [stream_record({"some-key": {"S": "some-value"}}, stream_arn("some-table"), "MODIFY")]},
        [DDBU("some-table", ("some-key", "some-value"))])
    event_case(
        "ddb_stream_aws_cn_partition",
        "A stream in the aws-cn partition; datadog-lambda only accepts aws.",
        "differs", {"Records": [stream_record({"id": {"S": "u-1"}},
                                              stream_arn("users", "aws-cn", "cn-north-1"), "INSERT", "cn-north-1")]},
        [DDBU("users", ("id", "u-1"))])
    event_case(
        "ddb_stream_aws_us_gov_partition",
        "A stream in the aws-us-gov partition; datadog-lambda only accepts aws.",
        "differs", {"Records": [stream_record({"id": {"S": "u-1"}},
                                              stream_arn("users", "aws-us-gov", "us-gov-west-1"), "REMOVE",
                                              "us-gov-west-1")]},
        [DDBU("users", ("id", "u-1"))])
    event_case(
        "ddb_stream_binary_key_aws",
        "A binary key in a stream is base64 text and is hashed as the decoded bytes; datadog-lambda hashes the text.",
        "differs", {"Records": [stream_record({"blobId": {"B": "aGVsbG8="}}, stream_arn("blobs"))]},
        [DDBU("blobs", ("blobId", b"hello"))])
    event_case(
        "ddb_stream_binary_key_invalid_base64",
        "A stream B value that is not base64 gives no pointer.",
        "differs", {"Records": [stream_record({"blobId": {"B": "%%%"}}, stream_arn("blobs"))]},
        [], ["binary_invalid"])
    event_case(
        "ddb_stream_non_canonical_number",
        "A stream number is canonicalized too (1.50 -> 1.5) though DynamoDB always sends canonical text.",
        "differs", {"Records": [stream_record({"n": {"N": "1.50"}}, stream_arn("scores"))]},
        [DDBU("scores", ("n", "1.5"))])
    event_case(
        "ddb_stream_key_names_reverse_and_utf8_order",
        "Stream keys are sorted by UTF-8 bytes whatever their order in the record.",
        "agrees", {"Records": [stream_record({"é": {"S": "2"}, "z": {"N": "1"}}, stream_arn("t"))]},
        [DDBU("t", ("z", "1"), ("é", "2"))])
    event_case(
        "ddb_stream_table_named_stream",
        "A table named stream is parsed from the ARN correctly.",
        "agrees", {"Records": [stream_record({"id": {"S": "x"}}, stream_arn("stream"))]},
        [DDBU("stream", ("id", "x"))])
    event_case(
        "ddb_stream_table_name_with_dots",
        "Table names may contain dots, dashes and underscores.",
        "agrees", {"Records": [stream_record({"pk": {"S": "a#1"}, "sk": {"S": "b#2"}},
                                             stream_arn("prod.orders-v2_main"))]},
        [DDBU("prod.orders-v2_main", ("pk", "a#1"), ("sk", "b#2"))])
    event_case(
        "ddb_stream_bad_record_others_kept",
        "A record without Keys gives an issue while the next record keeps its pointer.",
        "agrees", {"Records": [stream_record(None, stream_arn("users")),
                               stream_record({"id": {"S": "u-2"}}, stream_arn("users"), "MODIFY")]},
        [DDBU("users", ("id", "u-2"))], ["field_missing"])
    event_case(
        "ddb_stream_missing_arn",
        "A stream record without eventSourceARN gives no pointer.",
        "n/a", {"Records": [stream_record({"id": {"S": "u-1"}}, None)]},
        [], ["field_missing"])
    event_case(
        "ddb_stream_arn_is_number",
        "An eventSourceARN that is a number has the wrong JSON type.",
        "n/a", {"Records": [stream_record({"id": {"S": "u-1"}}, 42)]},
        [], ["field_invalid"])
    event_case(
        "ddb_stream_arn_without_stream",
        "An eventSourceARN that is a table ARN without /stream/LABEL is not a stream ARN.",
        "n/a", {"Records": [stream_record({"id": {"S": "u-1"}},
                                          "arn:aws:dynamodb:us-east-1:123456789012:table/users")]},
        [], ["stream_arn_invalid"])
    event_case(
        "ddb_stream_arn_other_service",
        "An eventSourceARN of another service is not a stream ARN.",
        "n/a", {"Records": [stream_record({"id": {"S": "u-1"}},
                                          "arn:aws:kinesis:us-east-1:123456789012:stream/users")]},
        [], ["stream_arn_invalid"])
    event_case(
        "ddb_stream_keys_three_attributes",
        "dynamodb.Keys with three attributes gives no pointer.",
        "n/a", {"Records": [stream_record({"a": {"S": "1"}, "b": {"S": "2"}, "c": {"S": "3"}}, stream_arn("t"))]},
        [], ["key_attribute_count"])
    event_case(
        "ddb_stream_keys_is_list",
        "dynamodb.Keys that is a list has the wrong JSON type.",
        "n/a", {"Records": [stream_record([{"id": {"S": "u-1"}}], stream_arn("users"))]},
        [], ["field_invalid"])
    event_case(
        "ddb_stream_key_value_type",
        "A stream key value of type M gives no pointer.",
        "n/a", {"Records": [stream_record({"id": {"M": {"a": {"S": "b"}}}}, stream_arn("users"))]},
        [], ["key_value_type"])
    event_case(
        "ddb_stream_number_out_of_range",
        "A stream number beyond DynamoDB's range gives no pointer.",
        "differs", {"Records": [stream_record({"n": {"N": "1e126"}}, stream_arn("scores"))]},
        [], ["number_out_of_range"])
    event_case(
        "ddb_stream_unknown_event_name",
        "A stream record whose eventName is not INSERT/MODIFY/REMOVE gives nothing; datadog-lambda does not check it.",
        "differs", {"Records": [stream_record({"id": {"S": "u-1"}}, stream_arn("users"), "TRUNCATE")]})
    event_case(
        "kinesis_ddb_partition_key_only_remove",
        "DynamoDB -> Kinesis REMOVE on a partition-key-only table.",
        "n/a", {"Records": [kinesis_record(kinesis_ddb_data({
            "awsRegion": "us-east-1", "eventID": "e-1", "eventName": "REMOVE", "recordFormat": "application/json",
            "tableName": "users", "dynamodb": {"Keys": {"id": {"S": "u-1"}}}, "eventSource": "aws:dynamodb"}))]},
        [DDBU("users", ("id", "u-1"), at=("s", KINESIS_ARRIVAL_SECONDS))])
    event_case(
        "kinesis_ddb_binary_key",
        "DynamoDB -> Kinesis with a binary key given as base64 text.",
        "n/a", {"Records": [kinesis_record(kinesis_ddb_data({
            "eventName": "INSERT", "tableName": "blobs",
            "dynamodb": {"Keys": {"blobId": {"B": "AAECAwT/"}}}, "eventSource": "aws:dynamodb"}))]},
        [DDBU("blobs", ("blobId", b"\x00\x01\x02\x03\x04\xff"), at=("s", KINESIS_ARRIVAL_SECONDS))])
    event_case(
        "kinesis_ddb_bytes_marker_is_not_bytes",
        "{\"$bytes\": ...} inside a payload is somebody's object, not the hosts' marker for raw bytes.",
        "n/a", {"Records": [kinesis_record(kinesis_ddb_data({
            "eventName": "INSERT", "tableName": "blobs",
            "dynamodb": {"Keys": {"blobId": {"B": {"$bytes": "AAECAwT/"}}}}, "eventSource": "aws:dynamodb"}))]},
        [], ["key_value_type"])
    event_case(
        "kinesis_data_not_json",
        "A Kinesis record whose data is base64 of text that is not JSON gives nothing.",
        "n/a", {"Records": [kinesis_record("aGVsbG8gd29ybGQ=")]})
    event_case(
        "kinesis_data_not_base64",
        "A Kinesis record whose data is not base64 gives nothing.",
        "n/a", {"Records": [kinesis_record("!!! not base64 !!!")]})
    event_case(
        "kinesis_data_unrelated_json",
        "A Kinesis record of JSON without tableName and dynamodb gives nothing.",
        "n/a", {"Records": [kinesis_record(kinesis_ddb_data({"eventName": "INSERT", "clicks": 3}))]})
