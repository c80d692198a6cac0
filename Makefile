# span-autolink: one set of span pointer rules, compiled once, loaded everywhere.
#
#   make demo    the whole system: traced services on moto, span-autolink serve
#                and link resolving their pointers into Backward/Forward links
#   make test    every test suite that exists
#   make build   everything the test suites load
#   make bench   benchmarks against the Datadog libraries, and links surviving sampling

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
# The import-free module (ABI.md), for every host that is not JavaScript.
ABI_WASM := target/abi/$(WASM_TARGET)/release/span_autolink_wasm.wasm
# The wasm-bindgen build, before wasm-bindgen processes it.
JS_WASM := target/js/$(WASM_TARGET)/release/span_autolink_wasm.wasm
# The same two with the explainer (`explain` features): modules the
# packages load only when explain is called.
ABI_EXPLAIN_WASM := target/abi-explain/$(WASM_TARGET)/release/span_autolink_wasm.wasm
JS_EXPLAIN_WASM := target/js-explain/$(WASM_TARGET)/release/span_autolink_wasm.wasm

# Datadog's test agent (ddapm-test-agent), which the tracer suites of both
# packages start: one venv, apart from py-venv's pinned ddtrace, installed
# when missing or when this file changed.
AGENT_VENV := target/agent-venv
AGENT_STAMP := $(AGENT_VENV)/.span-autolink-deps
AGENT_DEPS := ddapm-test-agent==1.69.1

# The packages' native builds (the Python extension, the Node.js addon): the
# rules compiled for Linux x86_64 and aarch64, every Lambda function's
# platform. cargo-zigbuild links them with zig against glibc 2.17, the
# oldest any Lambda runtime or manylinux2014 system has (a build linked here
# would need this machine's glibc), and cross-links aarch64 without a cross
# toolchain. Both from PyPI, in a venv of their own.
ZIG_VENV := target/zig-venv
ZIG_STAMP := $(ZIG_VENV)/.span-autolink-deps
ZIG_DEPS := ziglang==0.17.1 cargo-zigbuild==0.24.1
NATIVE_GLIBC := 2.17
NATIVE_MACHINES := x86_64 aarch64
# $(call NATIVE_BUILD,CRATE,TARGET_DIR): the crate's library for every machine.
define NATIVE_BUILD
	@for m in $(NATIVE_MACHINES); do \
		rustup target list --installed | grep -qx $$m-unknown-linux-gnu || rustup target add $$m-unknown-linux-gnu; done
	PATH=$(CURDIR)/$(ZIG_VENV)/bin:$$PATH $(CARGO) zigbuild --quiet -p $(1) --profile native --target-dir $(2) \
		$(foreach m,$(NATIVE_MACHINES),--target $(m)-unknown-linux-gnu.$(NATIVE_GLIBC))
endef

$(ZIG_STAMP): Makefile
	@test -x $(ZIG_VENV)/bin/python || python3 -m venv $(ZIG_VENV)
	$(ZIG_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(ZIG_DEPS)
	@touch $@

# The packages add their own targets, and name them in these lists.
PACKAGES :=
PACKAGE_TESTS :=
BENCHES :=
-include bindings/js/js.mk
-include bindings/python/python.mk
-include harness/harness.mk

BENCHES += bench-linker bench-serve bench-redis bench-sampling

.PHONY: all build test demo demo-pointers bench bench-sampling compatibility fmt lint test-rust test-no-std conformance conformance-check generated generated-check conformance-oracles clean cli bench-linker bench-serve bench-redis wasm wasm-abi wasm-js wasm-abi-explain wasm-js-explain wasm-bindgen-cli

all: build

build: wasm cli $(PACKAGES)

# The span-autolink command (link, serve); `cargo install --path cli` installs it.
cli:
	$(CARGO) build -p span-autolink-cli --release

wasm: wasm-abi wasm-js wasm-abi-explain wasm-js-explain

# Separate target directories: the two builds differ in features and would
# otherwise rebuild each other.
wasm-abi:
	CARGO_PROFILE_RELEASE_STRIP=symbols $(CARGO) build -p span-autolink-wasm --target $(WASM_TARGET) --release --target-dir target/abi
	@node -e "const m=new WebAssembly.Module(require('fs').readFileSync('$(ABI_WASM)'));const i=WebAssembly.Module.imports(m);if(i.length){console.error('import-free module has imports:',i);process.exit(1)}"

wasm-js: wasm-bindgen-cli
	$(CARGO) build -p span-autolink-wasm --target $(WASM_TARGET) --release --features js --target-dir target/js

wasm-abi-explain:
	CARGO_PROFILE_RELEASE_STRIP=symbols $(CARGO) build -p span-autolink-wasm --target $(WASM_TARGET) --release --features explain --target-dir target/abi-explain

wasm-js-explain: wasm-bindgen-cli
	$(CARGO) build -p span-autolink-wasm --target $(WASM_TARGET) --release --features explain-js --target-dir target/js-explain

# Installs wasm-bindgen-cli at the crate's exact version unless it is on PATH.
wasm-bindgen-cli:
	@if [ "$$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

# The whole system on this machine (demo/run.py): an OpenTelemetry-traced
# producer writing to moto's S3 and DynamoDB, Lambda-style consumers of the
# notification (through SQS) and the stream records, all exporting to
# `span-autolink serve`; prints the Backward and Forward links from serve,
# then from `span-autolink link` over the exported files.
demo: cli py-install
	$(PY) demo/run.py target/release/span-autolink target/demo

# The core alone: producer pointers for sample AWS calls, consumer pointers
# for the Lambda events they caused, and where they meet.
demo-pointers:
	$(CARGO) run --quiet -p span-autolink --example demo

test: test-rust lint test-no-std conformance-check generated-check $(PACKAGE_TESTS)

bench: $(BENCHES)

# `span-autolink link` over a generated 1,000,000-span OTLP JSON file (10%
# with pointers): spans/s, ratio to the serde_json parse floor, peak RSS.
BENCH_LINKER_SPANS ?= 1000000
bench-linker: cli
	$(CARGO) run --quiet --release -p span-autolink-bench-linker -- target/release/span-autolink target/bench-linker $(BENCH_LINKER_SPANS)

# `span-autolink serve` fed by a loopback load generator in OTLP protobuf
# batches of 512: spans/s, request latency (p99), RSS with 1,000,000 live
# pointers.
BENCH_SERVE_SPANS ?= 1000000
bench-serve: cli
	$(CARGO) run --quiet --release -p span-autolink-bench-serve -- target/release/span-autolink $(BENCH_SERVE_SPANS)

# serve replicas sharing a pointer index in Redis (Debian's redis-server)
# against one in-memory replica: spans/s, where the CPU goes, the cost per
# span with 10^4..10^6 live pointers, Redis memory per pointer.
BENCH_REDIS_REQUESTS ?= 600
bench-redis: cli
	$(CARGO) run --quiet --release -p span-autolink-bench-redis -- target/release/span-autolink target/bench-redis $(BENCH_REDIS_REQUESTS)

# Survival of linked pairs under sampling at rates 0.01, 0.1 and 0.5,
# independent against pointer sampling, through dd-trace-js and ddtrace and
# Datadog's test agent (make test asserts the 0.1 case on 2,000 hops).
SURVIVAL_HOPS ?= 20000
bench-sampling: py-install js-e2e-package $(AGENT_STAMP)
	$(PY) bench/sampling/survival.py --hops $(SURVIVAL_HOPS)

# The harness loads the shipped modules, so it runs after the packages (test-harness).
test-rust:
	$(CARGO) test --workspace --exclude span-autolink-harness

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p span-autolink-wasm --target $(WASM_TARGET) --target-dir target/abi -- -D warnings
	$(CARGO) clippy -p span-autolink-wasm --target $(WASM_TARGET) --features js --target-dir target/js -- -D warnings
	$(CARGO) clippy -p span-autolink-wasm --target $(WASM_TARGET) --features explain --target-dir target/abi-explain -- -D warnings
	$(CARGO) clippy -p span-autolink-wasm --target $(WASM_TARGET) --features explain-js --target-dir target/js-explain -- -D warnings

# The core must build for WebAssembly with no std: this is what every host loads.
test-no-std:
	$(CARGO) build -p span-autolink --target $(WASM_TARGET) --release

# cases.json is generated; it must match its generator.
conformance:
	python3 conformance/generate.py

conformance-check:
	python3 conformance/generate.py --check

# The packages' walkers and constants are generated from the core
# (bindings/generate); they and the documents listing issue codes must match it.
generated:
	$(CARGO) run --quiet -p span-autolink-generate

generated-check:
	$(CARGO) run --quiet -p span-autolink-generate -- --check

# Re-derive the "agrees"/"differs" cases with the Datadog libraries themselves.
conformance-oracles:
	python3 -m venv target/oracle-venv
	target/oracle-venv/bin/pip install --quiet ddtrace datadog-lambda boto3
	target/oracle-venv/bin/python conformance/generate.py --check-oracles

# docs/compatibility.md, regenerated from the end-to-end suites' last run
# (target/compat/*.json); fails unless span-autolink links in every flow.
compatibility: test-python test-js
	python3 docs/compatibility.py

$(AGENT_STAMP): Makefile
	@test -x $(AGENT_VENV)/bin/python || $(PYTHON) -m venv $(AGENT_VENV)
	$(AGENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(AGENT_DEPS)
	@touch $@

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
