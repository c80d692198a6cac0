"""Runs moto's server mode (a local S3, DynamoDB, DynamoDB Streams, SQS and
SNS over HTTP) on 127.0.0.1, on a port the system picks.

    python moto_server.py

prints the port on one line as soon as the server accepts connections, then
serves until its standard input closes (the parent stopped it, or died) or it
gets SIGTERM or SIGINT. The pytest fixture in conftest.py starts it this way;
any other suite (the Node.js one) can do the same with the Python of
target/py-venv, where ``make test-python`` installs moto.
"""

import logging
import signal
import sys
import threading


def main():
    from moto.server import ThreadedMotoServer

    # One line per request on stderr otherwise.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    def wait_for_eof():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    print(server.get_host_and_port()[1], flush=True)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
