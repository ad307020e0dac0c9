"""Test settings: the real settings with fast password hashing. Without an explicit
DYNAMODB_ENDPOINT_URL the endpoint goes nowhere, so a test that forgets its DynamoDB fixture
fails instead of touching dev data. The browser tests' gunicorn runs with these settings too
(and its own endpoint), so both sides agree on the password hasher."""
import os

# DEBUG defaults to off (fail closed); the tests are a development environment by choice.
os.environ["DJANGO_DEBUG"] = "true"
os.environ.setdefault("DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:9")
os.environ.setdefault("DYNAMODB_TABLE_PREFIX", "unconfigured-")
# Day counters written in the request, so a test (and the browser tests' gunicorn) reads them
# right after an ingest; tests/services/test_ingest_counter_buffer.py covers the buffered mode.
os.environ.setdefault("INGEST_COUNTERS_FLUSH_SECONDS", "0")
# Uploaded files of this test run (and of the browser tests' gunicorn, which inherits the
# environment) go to a fresh temporary directory, never var/media.
if "FILES_LOCAL_ROOT" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["FILES_LOCAL_ROOT"] = tempfile.mkdtemp(prefix="formbridge-test-files-")
    atexit.register(shutil.rmtree, os.environ["FILES_LOCAL_ROOT"], True)  # by the process that made it

from formbridge.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
