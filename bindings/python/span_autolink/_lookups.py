"""The opt-in DescribeTable lookup of the tracer integrations
(``describe_table=True`` or a client, or SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE).

A put whose table's key names no call has shown gives no pointer; the
module names such tables, and for each one span-autolink asks DynamoDB
with DescribeTable:

- off the request path: the put's hook hands the table to a worker thread;
- at most once per table at a time in this process, and a table asked
  about is not asked again for ``RETRY_AFTER`` seconds, whatever the
  answer: a lookup is started by a put, never by a timer, so it is never
  retried in a loop;
- with the application's client: the one the integration hands over
  (ddtrace's call), the one given as ``describe_table``, else a client of
  boto3's default session (botocore's when boto3 is not imported), which
  has the credentials and configuration of every client the application
  makes without options.

The answer goes into the module like any DescribeTable the application
makes, so the puts after it link. Nothing here raises.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

import span_autolink as _sa
from span_autolink import Issue, Outcome

# A table asked about is not asked about again for this long (seconds).
RETRY_AFTER = 60.0
# Tables whose last lookup is remembered; the oldest are forgotten first.
LOOKUPS_KEPT = 4096


class TableLookups:
    """The lookups of one process: which run, when each table was last asked."""

    def __init__(self, retry_after: float = RETRY_AFTER, now: Callable[[], float] = time.monotonic) -> None:
        self.retry_after = retry_after
        self.now = now
        self.lock = threading.Lock()
        self.in_flight: set = set()
        self.last: "OrderedDict[str, Tuple[float, Optional[str]]]" = OrderedDict()
        self.clients: Dict[Optional[str], Any] = {}  # region -> client made here
        self.queue: List[Tuple[str, Any, Optional[str]]] = []
        self.wake = threading.Condition(self.lock)
        self.working = False  # whether the worker thread runs

    def after_fork_in_child(self) -> None:
        """A forked child has no worker and no lookup in flight; the lock may
        have been held by a thread that is not there."""
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.in_flight = set()
        self.queue = []
        self.working = False

    def look_up(self, outcome: Outcome, tables: List[str], client: Any, region: Optional[str]) -> Outcome:
        """``outcome`` with one issue per table telling of its lookup, which
        starts here unless one is running or was made lately. ``client``:
        the one to ask with (None: boto3's default session's)."""
        issues = outcome.issues + tuple(self.start(table, client, region) for table in tables)
        return Outcome(outcome.pointers, issues)

    def start(self, table: str, client: Any, region: Optional[str]) -> Issue:
        shown = '"' + table + '"'
        with self.lock:
            if table in self.in_flight:
                return Issue(
                    "key_lookup_pending",
                    f"span-autolink is asking DynamoDB for the key names of table {shown} (DescribeTable); "
                    "puts on it give pointers once the answer is in",
                )
            last = self.last.get(table)
            since = self.now() - last[0] if last is not None else None
            if last is not None and since is not None and since < self.retry_after:
                why = "answered with no key schema span-autolink could use" if last[1] is None else f"failed: {last[1]}"
                wait = int(self.retry_after - since) + 1
                return Issue(
                    "key_lookup_failed",
                    f"DescribeTable for table {shown} {why}; span-autolink asks again when a put needs it in {wait} s or more",
                )
            self.in_flight.add(table)
            self._remember(table, None)
            self.queue.append((table, client, region))
            if self.working:
                self.wake.notify()
            else:
                self.working = True
                threading.Thread(target=self._work, name="span-autolink DescribeTable", daemon=True).start()
        return Issue(
            "key_lookup_pending",
            f"span-autolink asked DynamoDB for the key names of table {shown} (DescribeTable, off the request path); "
            "puts on it give pointers once the answer is in",
        )

    def _work(self) -> None:
        while True:
            with self.lock:
                while not self.queue:
                    self.wake.wait()
                table, client, region = self.queue.pop(0)
            self._ask(table, client, region)

    def _ask(self, table: str, client: Any, region: Optional[str]) -> None:
        try:
            dynamodb = client if client is not None else self._client(region)
            result = dynamodb.describe_table(TableName=table)
            # What the answer shows is learned as from the application's own calls.
            _sa.pointers_for_response("dynamodb", "DescribeTable", {"TableName": table}, result)
        except Exception as e:
            with self.lock:
                self._remember(table, _text(e))
        finally:
            with self.lock:
                self.in_flight.discard(table)

    def _client(self, region: Optional[str]) -> Any:
        client = self.clients.get(region)
        if client is None:
            boto3 = sys.modules.get("boto3")
            session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
            if session is not None:
                client = session.client("dynamodb", region_name=region)
            else:
                import botocore.session

                client = botocore.session.get_session().create_client("dynamodb", region_name=region)
            self.clients[region] = client
        return client

    def _remember(self, table: str, error: Optional[str]) -> None:
        self.last.pop(table, None)
        while len(self.last) >= LOOKUPS_KEPT:
            self.last.popitem(last=False)
        self.last[table] = (self.now(), error)


def _text(error: BaseException) -> str:
    try:
        return " ".join(f"{type(error).__name__}: {error}".split())
    except Exception:
        return type(error).__name__


def enabled(option: Any) -> bool:
    """Whether lookups are on: the option (True, False or a client), else the setting."""
    if option is None:
        return _sa.settings().describe_table
    return option is not False


# The lookups of this process, whichever integration asks.
lookups = TableLookups()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lookups.after_fork_in_child)
