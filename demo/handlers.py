"""The demo's Lambda handlers, as a user writes them: the decorator puts
the event's consumer links on the current span before the handler runs."""

from typing import Any, Dict

import span_autolink.opentelemetry as autolink


@autolink.with_pointers
def make_thumbnails(event: Dict[str, Any], context: Any) -> Dict[str, int]:
    """S3 ObjectCreated notifications, delivered through SQS."""
    return {"objects": len(event["Records"])}


@autolink.with_pointers
def record_order_events(event: Dict[str, Any], context: Any) -> Dict[str, int]:
    """DynamoDB stream records of the orders table."""
    return {"records": len(event["Records"])}
