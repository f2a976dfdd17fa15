# Fang'an (房安) — the two commands of the README's Quick start are `make run` and `make test`.
# Both set everything up first: Debian packages the project needs (installed when missing, as root
# or through sudo), a virtual environment in .venv, and the project with its dev dependencies.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: venv support, PostgreSQL (tested against a real server), the CJK fonts and
# libraries WeasyPrint needs for PDF notices and reports.
SYSTEM_PACKAGES := python3-venv postgresql fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 poppler-utils texlive-lang-chinese chromium

.PHONY: run test check system-deps setup clean

run: setup
	$(BIN)/python main.py serve

test: setup check
	$(BIN)/pytest

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

setup: system-deps $(VENV)/.installed

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
