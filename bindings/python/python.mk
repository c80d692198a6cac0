# The Python package (bindings/python), its tests (py-test) and benchmark
# (bench/python). Included by the root Makefile.
#
#   make py-package    the wheel, into target/wheels (with the import-free .wasm inside)
#   make test-python   installs that wheel into target/py-venv and runs py-test/
#   make bench-python  ours vs ddtrace and datadog-lambda, same process

PACKAGES += py-package
PACKAGE_TESTS += test-python
BENCHES += bench-python

PYTHON ?= python3
PY_DIR := bindings/python
PY_PKG_WASM := $(PY_DIR)/span_autolink/span_autolink.wasm
# The explainer's module, loaded only by explain().
PY_PKG_EXPLAIN_WASM := $(PY_DIR)/span_autolink/span_autolink_explain.wasm
PY_WHEELS := target/wheels
PY_WHEEL := $(PY_WHEELS)/span_autolink-$(shell sed -n 's/^version = "\(.*\)"/\1/p' $(PY_DIR)/pyproject.toml)-py3-none-any.whl
PY_VENV := target/py-venv
PY := $(PY_VENV)/bin/python
# What the tests, the benchmark and the wheel build need. Exact versions for
# the two oracles, whose private functions the tests call, and for moto, whose
# server mode the end-to-end tests (py-test/e2e) run against, and for the
# OpenTelemetry SDK and instrumentations span_autolink.opentelemetry is
# tested with (the newest botocore instrumentation, 0.66b2, and the newest
# aws-lambda one, 0.66b1, do not install together), and the SDK's OTLP/HTTP
# exporter that make demo and py-test/e2e/test_serve_e2e.py send to serve with.
PY_TEST_DEPS := pytest==9.2.0 ddtrace==4.16.0 datadog-lambda==8.130.0 boto3==1.44.8 "moto[server]==5.2.5"
PY_OTEL_DEPS := opentelemetry-api==1.45.1 opentelemetry-sdk==1.45.1 \
	opentelemetry-instrumentation-botocore==0.66b1 opentelemetry-instrumentation-aws-lambda==0.66b1 \
	opentelemetry-exporter-otlp-proto-http==1.45.1
# The newest and the lowest wasmtime the package supports (pyproject.toml):
# the suite runs against both, the newest in PY_VENV, the lowest in PY_VENV_LOW.
# The newest is the one the wheel's modules are precompiled for, which the
# `lambda` extra pins.
WASMTIME_NEWEST := $(shell sed -n 's/^lambda = \["wasmtime==\([0-9.]*\)"\]$$/\1/p' $(PY_DIR)/pyproject.toml)
ifeq ($(WASMTIME_NEWEST),)
$(error $(PY_DIR)/pyproject.toml names no wasmtime in its lambda extra (lambda = ["wasmtime==X.Y.Z"]))
endif
WASMTIME_LOWEST := 25.0.0
PY_VENV_DEPS := $(PY_TEST_DEPS) wasmtime==$(WASMTIME_NEWEST) "setuptools>=77" wheel $(PY_OTEL_DEPS)
PY_VENV_STAMP := $(PY_VENV)/.span-autolink-deps
PY_VENV_LOW := target/py-venv-low
PY_LOW := $(PY_VENV_LOW)/bin/python
PY_VENV_LOW_STAMP := $(PY_VENV_LOW)/.span-autolink-deps
# The precompiled modules the wheel ships, for WASMTIME_NEWEST (any other
# wasmtime never finds them): one for Linux x86_64 and one for Linux aarch64
# (Graviton), each for the oldest CPU of its architecture a function may
# run on (precompile --cpu portable).
PY_PRECOMPILED := $(PY_DIR)/span_autolink/precompiled
# The aarch64 one is compiled by the aarch64 wasmtime wheel itself, run by
# Debian's Python for arm64 under qemu-user (qemu-aarch64-static): the
# x86_64 wheel's wasmtime compiles for x86_64 only. target/py-aarch64 holds
# that Python (Debian's packages unpacked; apt's own lists for arm64 kept
# there, the machine's apt set-up untouched) and the aarch64 wasmtime; the
# tests run the wheel there too, on the CPUs of Graviton 1 and 2.
PY_AARCH64 := target/py-aarch64
PY_AARCH64_STAMP := $(PY_AARCH64)/.span-autolink-deps
PY_AARCH64_DEBS := python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libffi8 zlib1g libexpat1 libgcc-s1
PY_AARCH64_APT = apt-get -q -o Dir::State::Lists=$(CURDIR)/$(PY_AARCH64)/apt/lists -o Dir::Cache=$(CURDIR)/$(PY_AARCH64)/apt/cache \
	-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1
QEMU_AARCH64 := qemu-aarch64-static
PY_AARCH64_RUN = $(QEMU_AARCH64) -L $(PY_AARCH64)/root $(PY_AARCH64)/root/usr/bin/python3.11

# The CPython extension (bindings/python/native, _extension.py): the rules
# compiled for Linux x86_64 and aarch64 (the root Makefile's NATIVE_BUILD),
# which serve the calls where they load, the WebAssembly module anywhere else.
PY_NATIVE := $(PY_DIR)/span_autolink/native

.PHONY: py-package py-install py-venv py-venv-low py-aarch64 py-native test-python test-python-low bench-python

py-native: $(ZIG_STAMP)
	$(call NATIVE_BUILD,span-autolink-python,target/pyext)
	@mkdir -p $(PY_NATIVE)
	@for m in $(NATIVE_MACHINES); do \
		cp target/pyext/$$m-unknown-linux-gnu/native/libspan_autolink_native.so $(PY_NATIVE)/linux-$$m.so; \
		$(PYTHON) -c "import hashlib, sys; print(hashlib.blake2b(open(sys.argv[1], 'rb').read(), digest_size=32).hexdigest())" \
			$(PY_NATIVE)/linux-$$m.so > $(PY_NATIVE)/linux-$$m.so.blake2b; \
		ls -l $(PY_NATIVE)/linux-$$m.so | awk '{print "extension " $$NF ": " $$5 " bytes"}'; done

# Created when missing; dependencies reinstalled only when this file changes.
$(PY_VENV_STAMP): $(PY_DIR)/python.mk
	@test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PY_VENV_DEPS)
	@touch $@

py-venv: $(PY_VENV_STAMP)

# qemu-user-static (Debian) also runs the tests' x86_64 interpreter on older
# CPU models (py-test/test_portable.py).
$(PY_AARCH64_STAMP): $(PY_DIR)/python.mk $(PY_VENV_STAMP)
	@command -v $(QEMU_AARCH64) >/dev/null && command -v qemu-x86_64-static >/dev/null || \
		{ apt-get update -q && apt-get install -y -q --no-install-recommends qemu-user-static; }
	rm -rf $(PY_AARCH64) && mkdir -p $(PY_AARCH64)/apt/lists/partial $(PY_AARCH64)/apt/cache/archives/partial $(PY_AARCH64)/debs
	$(PY_AARCH64_APT) update >/dev/null
	cd $(PY_AARCH64)/debs && $(PY_AARCH64_APT) download $(PY_AARCH64_DEBS) 2>&1 | grep -v unsandboxed || true
	for deb in $(PY_AARCH64)/debs/*.deb; do dpkg -x $$deb $(PY_AARCH64)/root; done
	$(PY) -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
		--platform manylinux2014_aarch64 --python-version 3.11 -d $(PY_AARCH64)/wheels wasmtime==$(WASMTIME_NEWEST)
	cd $(PY_AARCH64) && $(PYTHON) -m zipfile -e wheels/wasmtime-$(WASMTIME_NEWEST)-*.whl site
	$(PY_AARCH64_RUN) -c "import platform, sys; assert platform.machine() == 'aarch64', platform.machine()"
	@touch $@

py-aarch64: $(PY_AARCH64_STAMP)

$(PY_VENV_LOW_STAMP): $(PY_DIR)/python.mk
	@test -x $(PY_LOW) || $(PYTHON) -m venv $(PY_VENV_LOW)
	$(PY_LOW) -m pip install --quiet --disable-pip-version-check $(PY_TEST_DEPS) wasmtime==$(WASMTIME_LOWEST)
	@touch $@

py-venv-low: $(PY_VENV_LOW_STAMP)

py-package: $(PY_PKG_WASM) $(PY_PKG_EXPLAIN_WASM) $(PY_VENV_STAMP) $(PY_AARCH64_STAMP) py-native
	rm -rf $(PY_DIR)/build $(PY_WHEEL) $(PY_PRECOMPILED)
	PYTHONPATH=$(PY_DIR) $(PY) -m span_autolink precompile $(PY_PRECOMPILED)
	PYTHONPATH=$(PY_AARCH64)/site:$(PY_DIR) $(PY_AARCH64_RUN) -m span_autolink precompile $(PY_PRECOMPILED)
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		--wheel-dir $(PY_WHEELS) ./$(PY_DIR)
	rm -rf $(PY_DIR)/build
	@test -f $(PY_WHEEL)

# The import-free module as shipped: through wasm-opt, as the Node.js
# package's module is (bindings/js/js.mk has the tool and its flags).
$(PY_PKG_WASM): wasm-abi $(JS_DIR)/node_modules/.installed
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(ABI_WASM) -o $@
	@ls -l $@ | awk '{print "span_autolink.wasm after wasm-opt: " $$5 " bytes"}'

$(PY_PKG_EXPLAIN_WASM): wasm-abi-explain $(JS_DIR)/node_modules/.installed
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(ABI_EXPLAIN_WASM) -o $@
	@ls -l $@ | awk '{print "span_autolink_explain.wasm after wasm-opt: " $$5 " bytes"}'

# The wheel, installed in PY_VENV.
py-install: py-package
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(PY_WHEEL)

# The tests import the installed wheel, never bindings/python: with the
# newest supported wasmtime, then with the lowest (test-python-low).
# py-test/e2e starts Datadog's test agent from AGENT_VENV (the Makefile); the
# serve suite (py-test/e2e/test_serve_e2e.py) runs the built span-autolink,
# and Debian's redis-server as the replicas' shared pointer store.
test-python: py-install cli $(AGENT_STAMP) $(PY_VENV_LOW_STAMP)
	@command -v redis-server >/dev/null || \
		{ apt-get update -q && apt-get install -y -q --no-install-recommends redis-server; }
	cd py-test && SPAN_AUTOLINK_OTHER_PYTHON=$(CURDIR)/$(PY_LOW) SPAN_AUTOLINK_AARCH64=$(CURDIR)/$(PY_AARCH64) SPAN_AUTOLINK_SHIPPED_WASMTIME=$(WASMTIME_NEWEST) ../$(PY) -m pytest -q -p no:cacheprovider
	$(MAKE) --no-print-directory test-python-low

test-python-low: py-package $(PY_VENV_LOW_STAMP)
	$(PY_LOW) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(PY_WHEEL)
	cd py-test && SPAN_AUTOLINK_EXTENSION=off SPAN_AUTOLINK_OTHER_PYTHON=$(CURDIR)/$(PY) SPAN_AUTOLINK_AARCH64=$(CURDIR)/$(PY_AARCH64) SPAN_AUTOLINK_SHIPPED_WASMTIME=$(WASMTIME_NEWEST) ../$(PY_LOW) -m pytest -q -p no:cacheprovider \
		--ignore=e2e/test_opentelemetry_e2e.py --ignore=e2e/test_opentelemetry_hooks_e2e.py --ignore=e2e/test_ddtrace_e2e.py \
		--ignore=e2e/test_sampling_e2e.py --ignore=e2e/test_serve_e2e.py

bench-python: py-install
	$(PY) bench/python/bench.py
