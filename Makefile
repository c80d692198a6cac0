# span-autolink: one set of span pointer rules, compiled once, loaded everywhere.
#
#   make demo    producer and consumer pointers for sample AWS calls and events
#   make test    every test suite that exists
#   make build   everything the test suites load
#   make bench   benchmarks against the Datadog libraries

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: all build test demo bench fmt lint test-rust test-no-std conformance conformance-check conformance-oracles clean

all: build

build:
	$(CARGO) build --workspace

demo:
	$(CARGO) run --quiet -p span-autolink --example demo

test: test-rust lint test-no-std conformance-check

test-rust:
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The core must build for WebAssembly with no std: this is what every host loads.
test-no-std:
	$(CARGO) build -p span-autolink --target $(WASM_TARGET) --release

# cases.json is generated; it must match its generator.
conformance:
	python3 conformance/generate.py

conformance-check:
	python3 conformance/generate.py --check

# Re-derive the "agrees"/"differs" cases with the Datadog libraries themselves.
conformance-oracles:
	python3 -m venv target/oracle-venv
	target/oracle-venv/bin/pip install --quiet ddtrace datadog-lambda boto3
	target/oracle-venv/bin/python conformance/generate.py --check-oracles

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
