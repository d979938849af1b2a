# Two commands on a fresh machine:  `make demo`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := libsox-dev sox
# the web page's browser test drives Debian's chromium (no browser download)
TEST_SYSTEM_PACKAGES := chromium

.PHONY: install system apt demo test bench clean

$(VENV)/.installed: pyproject.toml Makefile
	$(MAKE) system
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# scaper builds soxbindings from source and needs libsox headers.
system:
	@$(MAKE) --no-print-directory apt PACKAGES="$(SYSTEM_PACKAGES)"

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; \
	  else echo "missing Debian packages:$$missing (install them with apt-get, then re-run make)"; exit 1; fi; \
	fi

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/audioedit demo --out demo_out

test: install
	@$(MAKE) --no-print-directory apt PACKAGES="$(TEST_SYSTEM_PACKAGES)"
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

bench: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/audioedit bench latency

clean:
	rm -rf $(VENV) demo_out .pytest_cache
