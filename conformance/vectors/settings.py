"""The settings both packages read from the environment: the Datadog
tracers' variable names, the neutral ones, which wins, and values that
cannot be read (core/src/settings.rs states the rule)."""

from .common import settings_case

KEYS_A = '{"orders": ["customerId", "orderId"]}'
KEYS_B = '{"users": ["id"]}'


def define():
    settings_case("settings_defaults", "Nothing set: pointers on, no key names, no sampling, no lookups.",
                  {}, enabled=True)
    settings_case("settings_datadog_node_off", "DD_TRACE_AWS_ADD_SPAN_POINTERS=false turns pointers off.",
                  {"DD_TRACE_AWS_ADD_SPAN_POINTERS": "false"}, enabled=False)
    settings_case("settings_datadog_python_off", "DD_BOTOCORE_ADD_SPAN_POINTERS=0 turns pointers off, in both packages.",
                  {"DD_BOTOCORE_ADD_SPAN_POINTERS": "0"}, enabled=False)
    settings_case("settings_neutral_first", "SPAN_AUTOLINK_ENABLED comes before the Datadog names.",
                  {"SPAN_AUTOLINK_ENABLED": "TRUE", "DD_TRACE_AWS_ADD_SPAN_POINTERS": "false"}, enabled=True)
    settings_case("settings_node_name_before_python_name",
                  "Of the two Datadog names for the key names, Node.js's comes first.",
                  {"DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS": KEYS_B, "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS": KEYS_A},
                  enabled=True, keys=KEYS_A)
    settings_case("settings_neutral_keys", "SPAN_AUTOLINK_DYNAMODB_PRIMARY_KEYS comes before both Datadog names.",
                  {"SPAN_AUTOLINK_DYNAMODB_PRIMARY_KEYS": KEYS_B, "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS": KEYS_A},
                  enabled=True, keys=KEYS_B)
    settings_case("settings_empty_is_unset", "An empty variable is not set: the next name applies.",
                  {"SPAN_AUTOLINK_ENABLED": "", "DD_BOTOCORE_ADD_SPAN_POINTERS": "no"}, enabled=False)
    settings_case("settings_words", "on, off, yes and no are read too, in any case and with spaces around.",
                  {"SPAN_AUTOLINK_ENABLED": " Off ", "SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE": "ON"},
                  enabled=False, describe_table=True)
    settings_case("settings_sampling_rate", "SPAN_AUTOLINK_POINTER_SAMPLING=0.1 samples by pointer at 10%.",
                  {"SPAN_AUTOLINK_POINTER_SAMPLING": "0.1"}, enabled=True, sampling=0.1)
    settings_case("settings_sampling_out_of_range", "A rate above 1 cannot be read: sampling stays off, and says why.",
                  {"SPAN_AUTOLINK_POINTER_SAMPLING": "1.5"}, enabled=True, issues=["setting_invalid"])
    settings_case("settings_boolean_unreadable", "maybe is not a boolean: the default applies, and says why.",
                  {"DD_TRACE_AWS_ADD_SPAN_POINTERS": "maybe"}, enabled=True, issues=["setting_invalid"])
