# The wasmtime harness (issue: every host gives identical answers, and no
# input can break the module). Included by the root Makefile after the
# package fragments, whose shipped .wasm files and installed packages it uses.
#
#   make test-harness    robustness through wasmtime with fuel and memory limits,
#                        1,000,000-call leak check, forced trap; the conformance
#                        cases; the key-name registry's bound; both shipped modules
#   make test-identity   a seeded corpus through the native core, both shipped modules,
#                        the installed Node.js and Python packages (each through its
#                        native build, and through the module), compared byte for byte

PACKAGE_TESTS += test-harness test-identity

IDENTITY_DIR := target/identity
IDENTITY_SEED ?= 20261124
IDENTITY_CASES ?= 5000
IDENTITY := target/debug/identity

.PHONY: test-harness test-identity

test-harness: py-package js-package
	$(CARGO) test -p span-autolink-harness --test robustness --test conformance --test registry -- --test-threads 1 --nocapture

# After test-python and test-js: they install the packages as users would.
test-identity: test-python test-js
	$(CARGO) build --quiet -p span-autolink-harness --bin identity
	mkdir -p $(IDENTITY_DIR)
	$(IDENTITY) corpus $(IDENTITY_SEED) $(IDENTITY_CASES) $(IDENTITY_DIR)/corpus.json
	$(IDENTITY) native $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/native.txt
	$(IDENTITY) wasm $(PY_PKG_WASM) $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/python-module.txt
	$(IDENTITY) wasm $(JS_PKG)/span_autolink_bg.wasm $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/node-module.txt
	node harness/hosts/identity.js js-test/node_modules/span-autolink $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/node.txt addon
	SPAN_AUTOLINK_EXTENSION=off node harness/hosts/identity.js js-test/node_modules/span-autolink $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/node-wasm.txt module
	$(PY) harness/hosts/identity.py $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/python.txt native
	SPAN_AUTOLINK_EXTENSION=off $(PY) harness/hosts/identity.py $(IDENTITY_DIR)/corpus.json $(IDENTITY_DIR)/python-wasm.txt ctypes
	$(IDENTITY) compare $(IDENTITY_DIR)/native.txt $(IDENTITY_DIR)/python-module.txt \
	  $(IDENTITY_DIR)/node-module.txt $(IDENTITY_DIR)/node.txt $(IDENTITY_DIR)/node-wasm.txt \
	  $(IDENTITY_DIR)/python.txt $(IDENTITY_DIR)/python-wasm.txt
