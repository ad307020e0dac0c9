"""Property test of the ingest endpoint (issue 10): random JSON, random bytes, random content
types and random multipart bodies always get 202 or a 4xx problem, never a 5xx, and a 4xx
stores nothing. Bounded (a fixed number of examples, no deadline) to stay well under a minute."""
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st

from portal.selectors.billing.plans import usage_month
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_key

URL = "/api/v1/submissions"
TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
         "multipart/form-data", "text/plain", "", "application/json; charset=latin-1", "application/json; charset=utf-8"]

# Text with lone surrogates too (valid JSON escapes, but no UTF-8 string).
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
submissions = st.fixed_dictionaries({"form_id": st.one_of(st.sampled_from(["contact", "a.b:c-d_1"]), json_values),
                                     "fields": st.one_of(st.dictionaries(st.text(max_size=10),
                                                                         any_text | st.lists(any_text, max_size=3),
                                                                         max_size=4), json_values)},
                                    optional={"meta": st.dictionaries(st.text(max_size=5), json_values, max_size=3)})


def _multipart(parts: list[tuple[str, str]], boundary: str = "xyz") -> bytes:
    chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
              for name, value in parts]
    return ("".join(chunks) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass")


big_numbers = st.integers(min_value=1, max_value=6000).map(
    lambda digits: ('{"form_id": "contact", "fields": {"a": "b"}, "n": ' + "7" * digits + "}").encode())

bodies = st.one_of(
    st.tuples(st.just("application/json"), big_numbers),
    st.tuples(st.just("application/json"), submissions.map(lambda d: json.dumps(d).encode())),
    st.tuples(st.just("application/json"), json_values.map(lambda v: json.dumps(v).encode())),
    st.tuples(st.sampled_from(TYPES), st.binary(max_size=300)),
    st.tuples(st.just("application/x-www-form-urlencoded"), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.tuples(st.just("multipart/form-data; boundary=xyz"),
              st.lists(st.tuples(st.sampled_from(["form_id", "name", "fields[a]", "meta[ip]", "x[]", "_gotcha"]),
                                 st.text(max_size=30)), max_size=5).map(_multipart)),
)


@pytest.fixture
def fuzz_key(ddb):
    # Function scoped, so made once for all the examples of the test (Hypothesis runs them in one call).
    tenant, _ = make_tenant()
    _, raw = make_key(tenant)
    return tenant, raw


@hsettings(max_examples=150, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=bodies)
def test_any_body_is_202_or_a_4xx_problem_and_a_4xx_stores_nothing(fuzz_key, settings, case):
    settings.INGEST_RATE_LIMIT = 10_000  # the fuzzer is not the rate limit's test
    tenant, raw = fuzz_key
    content_type, body = case
    before = usage_month(tenant_id=tenant.id)
    response = Client(raise_request_exception=False).generic(
        "POST", URL, data=body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {raw}")
    after = usage_month(tenant_id=tenant.id)
    assert response.status_code == 202 or 400 <= response.status_code < 500, (response.status_code, body)
    if response.status_code == 202:
        assert after.submissions + after.spam == before.submissions + before.spam + 1
        return
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code
    assert (after.submissions, after.spam) == (before.submissions, before.spam)


# --- multipart bodies with files (issue 13) ------------------------------------------------------
FILE_LIMITS = dict(max_file_bytes=600, max_total_bytes=1000, max_files=3)  # small, so the limits are hit
part_names = st.sampled_from(["form_id", "fields[a]", "name", "meta[ip]", "x[]", "_gotcha", "fields[cv]", "cv",
                              "photos[]", ""])
file_names = st.one_of(st.sampled_from(["cv.pdf", "../../etc/passwd", "", "a\"b.png", "naïve.txt"]),
                       st.text(max_size=12))
text_part = st.tuples(st.just("text"), part_names, st.text(max_size=30).map(str.encode) | st.binary(max_size=40))
file_part = st.tuples(st.just("file"), part_names, file_names, st.sampled_from(["", "application/pdf", "image/png", "x"]),
                      st.one_of(st.integers(0, 800).map(lambda n: b"%PDF-1.7\n" + b"x" * n), st.binary(max_size=700),
                                st.just(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)))


def _multipart_with_files(parts, boundary: str = "fzb") -> bytes:
    out = b""
    for part in parts:
        if part[0] == "text":
            _, name, value = part
            out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n').encode() + value + b"\r\n"
        else:
            _, name, filename, content_type, content = part
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            if content_type:
                head += f"Content-Type: {content_type}\r\n"
            out += (head + "\r\n").encode("utf-8", "surrogatepass") + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


file_bodies = st.lists(st.one_of(text_part, file_part), max_size=6).map(
    lambda parts: [("text", "form_id", b"contact")] + parts).map(_multipart_with_files)


@pytest.fixture
def file_storage_root(settings, tmp_path, monkeypatch):
    from portal.services.ingest.files import FileLimits
    from portal.views.ingest import endpoints

    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    monkeypatch.setattr(endpoints, "file_limits", lambda tenant: FileLimits(**FILE_LIMITS))
    return tmp_path


@hsettings(max_examples=80, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=file_bodies)
def test_any_multipart_body_with_files_is_202_or_a_4xx_problem_and_a_4xx_leaves_no_bytes(fuzz_key, settings,
                                                                                            file_storage_root, body):
    settings.INGEST_RATE_LIMIT = 10_000
    tenant, raw = fuzz_key
    root = file_storage_root / "files"
    before = sorted(root.rglob("*")) if root.exists() else []
    usage_before = usage_month(tenant_id=tenant.id)
    response = Client(raise_request_exception=False).generic(
        "POST", URL, data=body, content_type="multipart/form-data; boundary=fzb", HTTP_AUTHORIZATION=f"Bearer {raw}")
    after = sorted(root.rglob("*")) if root.exists() else []
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: every kind of answer is reached
    assert response.status_code == 202 or 400 <= response.status_code < 500, (response.status_code, body)
    assert [p for p in file_storage_root.iterdir() if p.name != "files"] == []  # no temporary upload left
    if response.status_code == 202:
        return
    assert response["Content-Type"] == "application/problem+json"
    assert [p for p in after if p.is_file()] == [p for p in before if p.is_file()]  # no orphan bytes
    usage = usage_month(tenant_id=tenant.id)
    assert (usage.submissions, usage.spam, usage.file_bytes) == (usage_before.submissions, usage_before.spam,
                                                                 usage_before.file_bytes)
