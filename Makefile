# Form-Bridge. `make run` and `make test` install whatever is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test test-fast bench dynamodb dynamodb-stop clean check-deploy wordpress-pot

install: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/java

$(STAMPS)/python: requirements/base.txt requirements/dev.txt
	@mkdir -p $(STAMPS)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install -y nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# DynamoDB Local needs a Java runtime: install Debian's headless JRE when we can.
$(STAMPS)/java:
	@mkdir -p $(STAMPS)
	@if ! command -v java >/dev/null; then \
	  echo "Java is missing; installing default-jre-headless from Debian's packages..."; \
	  ($(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq default-jre-headless) \
	  || { echo "Could not install Java. Install it yourself: apt-get install -y default-jre-headless"; exit 1; }; \
	fi
	@touch $@

# Browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright.
$(STAMPS)/chromium:
	@mkdir -p $(STAMPS)
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Chromium is missing; installing it from Debian's packages..."; \
	  ($(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq chromium) \
	  || { echo "Could not install Chromium. Install it yourself: apt-get install -y chromium"; exit 1; }; \
	fi
	@touch $@

run: install
	DJANGO_DEBUG=true $(PY) manage.py run_local

# The WordPress plugin's tests run a real WordPress (Debian's `wordpress` package, only its files:
# installing it would pull in Apache) on PHP's built-in server with Debian's MariaDB; WordPress 6.5.5 and the
# real form plugins come from ../shared/fixtures/wordpress/ (see tests/wordpress/conftest.py). gettext: the .pot.
WORDPRESS_CACHE := .cache/wordpress
$(STAMPS)/wordpress:
	@mkdir -p $(STAMPS) $(WORDPRESS_CACHE)
	@if ! command -v php >/dev/null || ! command -v mariadbd >/dev/null || ! php -m | grep -qi mysqli || ! command -v xgettext >/dev/null; then \
	  echo "PHP, MariaDB or gettext is missing; installing them from Debian's packages..."; \
	  ($(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq php-cli php-mysql php-curl php-xml \
	     php-mbstring php-zip mariadb-server libjs-underscore libjs-cropper php-getid3 ca-certificates gettext) \
	  || { echo "Could not install PHP/MariaDB: apt-get install -y php-cli php-mysql mariadb-server"; exit 1; }; \
	fi
	@command -v phpcs >/dev/null || $(SUDO) $(APT_GET) install -y -qq php-codesniffer || echo "php-codesniffer unavailable: PHPCS check skipped"
	@if [ ! -f $(WORDPRESS_CACHE)/root/usr/share/wordpress/wp-load.php ]; then \
	  (cd $(WORDPRESS_CACHE) && rm -rf root ./*.deb && { apt-get download wordpress || { $(SUDO) $(APT_GET) update -qq && apt-get download wordpress; }; } && dpkg-deb -x wordpress_*.deb root) \
	  || { echo "Could not fetch Debian's wordpress package"; exit 1; }; \
	fi
	@touch $@

# The plugin's translation template (portal/wordpress/form-bridge/languages/form-bridge.pot), from its PHP.
wordpress-pot: install $(STAMPS)/wordpress
	$(PY) -m tests.wordpress.pot

# The whole suite: unit (moto), integration (DynamoDB Local -inMemory), browser (Chromium), WordPress.
test: install $(STAMPS)/chromium $(STAMPS)/wordpress
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: install
	$(PY) -m pytest -m "not browser and not wordpress"

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

dynamodb: install
	$(PY) -m portal.dynamodb_local start

dynamodb-stop:
	$(PY) -m portal.dynamodb_local stop

# Production settings with fresh secrets; pass FIELD_ENCRYPTION_KEYS=... (or DJANGO_SECRET_KEY)
# to check your own values: the development ones fail.
check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(openssl rand -hex 40)} \
	  FIELD_ENCRYPTION_KEYS=$${FIELD_ENCRYPTION_KEYS:-$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')} \
	  DJANGO_ALLOWED_HOSTS=forms.example.com SITE_URL=https://forms.example.com \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(STAMPS) $(VENV) node_modules
