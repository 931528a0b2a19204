# eISO: the two commands are `make run` and `make test`. Nothing else to install:
# they create .venv, install the project, and start embedded PostgreSQL and Redis
# unless DATABASE_URL / REDIS_URL are set.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Every package's exact version, so that a fresh machine installs what CI tested
# (`make lock` writes it again after a change of dependencies in pyproject.toml).
LOCK := constraints.txt
# The image's interpreter (Debian 12's python3.11): packages only it needs are pinned too.
IMAGE_PYTHON ?= 3.11.2
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# One pytest-xdist worker per core, each with its own test database and Redis databases;
# tests marked xdist_group (the browser journeys share one live server) stay together.
TEST_WORKERS ?= auto

.PHONY: run test lint format bench install lock browser system-packages clean-data messages check-deploy image image-test

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e '.[embedded,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The newest versions pyproject.toml allows, resolved in a scratch virtualenv and written to
# constraints.txt; commit it with the change that needed it (tests/test_lock.py checks that
# every declared dependency is pinned there and that each pin satisfies its declaration).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[embedded,dev]'
	.lock-venv/bin/python scripts/lock.py --image-python $(IMAGE_PYTHON) > $(LOCK)
	rm -rf .lock-venv

run: install
	$(BIN)/python -m eiso.devrun

test: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run --verbosity 1
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
# Needs root or sudo and Debian's package registry; `system-packages` includes it.
browser:
	@$(MAKE) --no-print-directory system-packages DEBIAN_PACKAGES=chromium

# Debian packages the tests need, installed when missing: chromium (browser tests) and
# softhsm2 (a PKCS#11 token for the signing tests). .ci/run calls it; on CI a browser or
# PKCS#11 test without its package fails instead of skipping.
DEBIAN_PACKAGES ?= chromium softhsm2
system-packages:
	@missing=""; \
	for package in $(DEBIAN_PACKAGES); do \
	  case $$package in \
	    chromium) test -x /usr/bin/chromium || missing="$$missing chromium";; \
	    softhsm2) test -e /usr/lib/softhsm/libsofthsm2.so || missing="$$missing softhsm2";; \
	    *) dpkg -s $$package > /dev/null 2>&1 || missing="$$missing $$package";; \
	  esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing > /dev/null; \
	fi; \
	if echo " $(DEBIAN_PACKAGES) " | grep -q " chromium "; then \
	  echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; fi; \
	if echo " $(DEBIAN_PACKAGES) " | grep -q " softhsm2 "; then \
	  echo "softhsm2: $$(softhsm2-util --version 2>/dev/null)"; fi

# The production image (deploy/Dockerfile) built with Debian's buildah as eiso:<version>;
# offline, on a Debian 12 base made once with debootstrap. See deploy/build_image.sh.
image:
	deploy/build_image.sh

# Runs that image as production does (migrations, web, worker, beat against PostgreSQL and
# Redis on 127.0.0.1; non-root, read-only root, secrets in files) and checks what an image
# scanner would. .ci/run calls it. See deploy/image_test.py.
image-test: install image
	$(BIN)/python deploy/image_test.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/upward_imports.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/provision.py
	$(BIN)/python bench/fleet_migrate.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/applications.py
	$(BIN)/python bench/application_search.py
	$(BIN)/python bench/rollout.py
	$(BIN)/python bench/merge.py
	$(BIN)/python bench/statistics.py
	$(BIN)/python bench/evaluation.py
	$(BIN)/python bench/load.py

# Locations name the file only: line numbers would change on every edit elsewhere in the file.
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l en --add-location file --ignore '.venv/*' --ignore 'bench/*' --ignore '.lock-venv/*'
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Django's deployment checks (and drf-spectacular's schema warnings) with production-like
# settings; nothing is contacted. Deployments run the same with their real environment.
check-deploy: install
	DEBUG=false SECRET_KEY=check-deploy-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
	BASE_DOMAIN=iso.example.gov.vn DATABASE_URL=postgresql://eiso@db.invalid/eiso \
	REDIS_URL=redis://redis.invalid:6379/0 EMAIL_URL=smtp://mail.invalid:587 \
	SIGNING_KEYS_SECRET=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean-data:
	rm -rf .data
