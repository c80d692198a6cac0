# The Node.js package (bindings/js), its test suite (js-test) and its
# benchmark (bench/js). Included by the root Makefile.
#
#   make js-package   bindings/js/pkg: the wasm-bindgen glue and module;
#                     bindings/js/dist: the package's JavaScript bundled
#   make test-js      js-test against the package as npm installs it, and
#                     js-test/e2e against moto (writes target/compat/node.json)
#   make test-js-e2e  js-test/e2e/tracers: span-autolink/opentelemetry and
#                     span-autolink/dd-trace with the real tracers, moto and
#                     Datadog's test agent (own node_modules and venv)
#   make bench-js     ratios against dd-trace and datadog-lambda-js

JS_DIR := bindings/js
JS_PKG := $(JS_DIR)/pkg
JS_PKG_WASM := $(JS_PKG)/span_autolink_bg.wasm
# The explainer's module, loaded only by explain().
JS_EXPLAIN_PKG := $(JS_DIR)/pkg-explain
JS_EXPLAIN_PKG_WASM := $(JS_EXPLAIN_PKG)/span_autolink_bg.wasm
# Built by bindings/js/bundle.js, with the rest of bindings/js/dist.
JS_BUNDLE := $(JS_DIR)/dist/span-autolink.js
JS_PACK_DIR := target/js-package
JS_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' $(JS_DIR)/package.json)
JS_TARBALL := $(JS_PACK_DIR)/span-autolink-$(JS_VERSION).tgz
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
# wasm-opt from the npm package binaryen (a devDependency of bindings/js):
# -O3 makes the module smaller and faster (bench/js prints both); -Oz is
# as small and slower. The Python package's module goes through it too.
WASM_OPT := $(JS_DIR)/node_modules/.bin/wasm-opt
WASM_OPT_FLAGS := -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue

PACKAGES += js-package
PACKAGE_TESTS += test-js test-js-e2e
BENCHES += bench-js

.PHONY: js-package js-pack js-e2e-package js-addon test-js test-js-e2e bench-js

js-package: wasm-js wasm-js-explain $(JS_PKG_WASM) $(JS_EXPLAIN_PKG_WASM) $(JS_BUNDLE)

# The Node-API addon (bindings/js/native, lib/native.js): the rules compiled
# for Linux x64 and arm64 (the root Makefile's NATIVE_BUILD), which serve the
# calls where they load, the WebAssembly module anywhere else. A file is
# replaced only when its build changed, so that the bundle, which carries
# each file's size, is rebuilt only then.
JS_ADDON := $(JS_DIR)/addon
# Machine $(1)'s addon file in the package (Node.js names x86_64 x64).
JS_ADDON_FILE = $(JS_ADDON)/linux-$(if $(filter x86_64,$(1)),x64,arm64).node
JS_ADDON_FILES := $(foreach m,$(NATIVE_MACHINES),$(call JS_ADDON_FILE,$(m)))
# Machine $(1)'s build of the addon.
JS_ADDON_BUILT = target/jsext/$(1)-unknown-linux-gnu/native/libspan_autolink_node.so
js-addon: $(ZIG_STAMP)
	$(call NATIVE_BUILD,span-autolink-node,target/jsext)
	@mkdir -p $(JS_ADDON)
	@set -e; $(foreach m,$(NATIVE_MACHINES),\
		cmp -s $(call JS_ADDON_BUILT,$(m)) $(call JS_ADDON_FILE,$(m)) || cp $(call JS_ADDON_BUILT,$(m)) $(call JS_ADDON_FILE,$(m)); \
		ls -l $(call JS_ADDON_FILE,$(m)) | awk '{print "addon " $$NF ": " $$5 " bytes"}';)

$(JS_ADDON_FILES): js-addon ;

# The package entry and its subpaths (bindings/js/bundle.js): the sources in
# index.js and lib/ with the glue and the addons' sizes, one file to load for
# the first pointer.
$(JS_BUNDLE): $(JS_DIR)/bundle.js $(JS_DIR)/index.js $(wildcard $(JS_DIR)/lib/*.js) $(JS_PKG_WASM) $(JS_ADDON_FILES)
	node $(JS_DIR)/bundle.js

# The generated glue and module (the wrapper around them is hand-written);
# redone only when the wasm-bindgen build changed.
define JS_GLUE
	rm -rf target/js-pkg.tmp
	wasm-bindgen --target nodejs --experimental-reset-state-function --no-typescript \
	  --remove-name-section --remove-producers-section \
	  --out-name span_autolink --out-dir target/js-pkg.tmp $(1)
	@ls -l target/js-pkg.tmp/span_autolink_bg.wasm | awk '{print "$(2)/span_autolink_bg.wasm from wasm-bindgen: " $$5 " bytes"}'
	$(WASM_OPT) $(WASM_OPT_FLAGS) target/js-pkg.tmp/span_autolink_bg.wasm -o target/js-pkg.tmp/span_autolink_bg.wasm
	@ls -l target/js-pkg.tmp/span_autolink_bg.wasm | awk '{print "$(2)/span_autolink_bg.wasm after wasm-opt: " $$5 " bytes"}'
	rm -rf $(2) && mv target/js-pkg.tmp $(2)
endef

$(JS_PKG_WASM): $(JS_WASM) $(JS_DIR)/node_modules/.installed $(JS_DIR)/js.mk
	$(call JS_GLUE,$(JS_WASM),$(JS_PKG))

$(JS_EXPLAIN_PKG_WASM): $(JS_EXPLAIN_WASM) $(JS_DIR)/node_modules/.installed $(JS_DIR)/js.mk
	$(call JS_GLUE,$(JS_EXPLAIN_WASM),$(JS_EXPLAIN_PKG))

# npm installs run only when package.json or package-lock.json changed.
%/node_modules/.installed: %/package.json %/package-lock.json
	cd $* && $(NPM_CI)
	touch $@

# The package as a user installs it: packed, then installed from the tarball.
js-pack: js-package
	rm -rf $(JS_PACK_DIR) && mkdir -p $(JS_PACK_DIR)
	cd $(JS_DIR) && npm pack --silent --pack-destination $(CURDIR)/$(JS_PACK_DIR) >/dev/null
	@tar -tzf $(JS_TARBALL) | sort | sed 's/^/  packed: /'

# py-venv (bindings/python/python.mk): the end-to-end tests (js-test/e2e)
# run moto's server with the Python where it installs moto.
# An arm64 Node.js (Debian's, unpacked into target/node-aarch64 with apt's
# own lists for arm64 kept there, the machine's apt set-up untouched), run by
# qemu-user: the addon's arm64 build is tested on Graviton's CPUs with it.
JS_AARCH64 := target/node-aarch64
JS_AARCH64_STAMP := $(JS_AARCH64)/.span-autolink-deps
JS_AARCH64_DEBS := nodejs libnode108 libbrotli1 libc-ares2 libc6 libicu72 libnghttp2-14 libssl3 libstdc++6 libuv1 zlib1g \
	libgcc-s1 node-acorn node-cjs-module-lexer node-undici node-xtend
JS_AARCH64_APT = apt-get -q -o Dir::State::Lists=$(CURDIR)/$(JS_AARCH64)/apt/lists -o Dir::Cache=$(CURDIR)/$(JS_AARCH64)/apt/cache \
	-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1

$(JS_AARCH64_STAMP): $(JS_DIR)/js.mk
	@command -v qemu-aarch64-static >/dev/null && command -v qemu-x86_64-static >/dev/null || \
		{ apt-get update -q && apt-get install -y -q --no-install-recommends qemu-user-static; }
	rm -rf $(JS_AARCH64) && mkdir -p $(JS_AARCH64)/apt/lists/partial $(JS_AARCH64)/apt/cache/archives/partial $(JS_AARCH64)/debs
	$(JS_AARCH64_APT) update >/dev/null
	cd $(JS_AARCH64)/debs && $(JS_AARCH64_APT) download $(JS_AARCH64_DEBS) 2>&1 | grep -v unsandboxed || true
	for deb in $(JS_AARCH64)/debs/*.deb; do dpkg -x $$deb $(JS_AARCH64)/root; done
	qemu-aarch64-static -L $(JS_AARCH64)/root $(JS_AARCH64)/root/usr/bin/node -e "if (process.arch !== 'arm64') process.exit(1)"
	@touch $@

test-js: js-pack js-test/node_modules/.installed py-venv $(JS_AARCH64_STAMP)
	rm -rf js-test/node_modules/span-autolink
	cd js-test && npm install --no-save --no-audit --no-fund --loglevel=error $(CURDIR)/$(JS_TARBALL)
	cd js-test && SPAN_AUTOLINK_NODE_AARCH64=$(CURDIR)/$(JS_AARCH64) node --disallow-code-generation-from-strings --test --test-reporter=spec $(JS_TEST_FILES)
	@echo "== the same suite on the WebAssembly module (SPAN_AUTOLINK_EXTENSION=off)"
	cd js-test && SPAN_AUTOLINK_EXTENSION=off node --disallow-code-generation-from-strings --test --test-reporter=dot $(JS_TEST_FILES)

# Named, not discovered: js-test/e2e/tracers has its own dependencies (test-js-e2e).
JS_TEST_FILES = $(patsubst js-test/%,%,$(wildcard js-test/*.test.js js-test/*.test.mjs js-test/e2e/*.test.js))

# The tracer suites: their dependencies (OpenTelemetry, dd-trace, the AWS SDK
# clients) in js-test/e2e/tracers/package.json, so that the shipped package
# and js-test get none of them; moto from py-venv; Datadog's test agent from
# the venv both packages' suites use (AGENT_VENV, in the Makefile). Each is
# installed only when missing or when its list changed.
JS_E2E_DIR := js-test/e2e/tracers

test-js-e2e: js-e2e-package cli py-venv $(AGENT_STAMP)
	cd $(JS_E2E_DIR) && node --disallow-code-generation-from-strings --test --test-reporter=spec

# The tracer suites' dependencies, and the package as a user installs it.
js-e2e-package: js-pack $(JS_E2E_DIR)/node_modules/.installed
	rm -rf $(JS_E2E_DIR)/node_modules/span-autolink
	cd $(JS_E2E_DIR) && npm install --no-save --no-audit --no-fund --loglevel=error $(CURDIR)/$(JS_TARBALL)

# BENCH_JS_ARGS="--baseline DIR" also times the pointer calls against
# another build of bindings/js/pkg; "--against DIR" (repeatable) against
# another built package directory, cold starts included (bench/js/bench.js).
bench-js: js-package bench/js/node_modules/.installed
	node bench/js/bench.js $(BENCH_JS_ARGS)
