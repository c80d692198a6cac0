# The Node.js package (bindings/js), its test suite (js-test) and its
# benchmark (bench/js). Included by the root Makefile.

JS_DIR := bindings/js
JS_PKG := $(JS_DIR)/pkg
JS_PACK_DIR := target/js-package
JS_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' $(JS_DIR)/package.json)
JS_TARBALL := $(JS_PACK_DIR)/span-autolink-$(JS_VERSION).tgz
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

PACKAGES += js-package
PACKAGE_TESTS += test-js
BENCHES += bench-js

.PHONY: js-package js-pack test-js bench-js

# The generated glue and module; the wrapper around them is hand-written.
js-package: wasm-js
	rm -rf $(JS_PKG)
	wasm-bindgen --target nodejs --experimental-reset-state-function --no-typescript \
	  --remove-name-section --remove-producers-section \
	  --out-name span_autolink --out-dir $(JS_PKG) $(JS_WASM)
	@ls -l $(JS_PKG)/span_autolink_bg.wasm | awk '{print "span_autolink_bg.wasm: " $$5 " bytes"}'

# npm installs run only when package.json or package-lock.json changed.
%/node_modules/.installed: %/package.json %/package-lock.json
	cd $* && $(NPM_CI)
	touch $@

# The package as a user installs it: packed, then installed from the tarball.
js-pack: js-package
	rm -rf $(JS_PACK_DIR) && mkdir -p $(JS_PACK_DIR)
	cd $(JS_DIR) && npm pack --silent --pack-destination $(CURDIR)/$(JS_PACK_DIR) >/dev/null
	@tar -tzf $(JS_TARBALL) | sort | sed 's/^/  packed: /'

test-js: js-pack js-test/node_modules/.installed
	rm -rf js-test/node_modules/span-autolink
	cd js-test && npm install --no-save --no-audit --no-fund --loglevel=error $(CURDIR)/$(JS_TARBALL)
	cd js-test && node --test --test-reporter=spec

bench-js: js-package bench/js/node_modules/.installed
	node bench/js/bench.js
