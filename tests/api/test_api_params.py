"""The read API's query and body parsing (no database): any input is either read into the
selectors' shape or refused with an InvalidParameter naming a parameter, never another error;
valid inputs come back as given."""
from datetime import date
from urllib.parse import urlencode

from django.http import QueryDict
from hypothesis import given, settings, strategies as st

from portal.selectors.submissions import SPAM_ALL, SPAM_EXCLUDED
from portal.views.api.params import (DELIVERY_STATUSES, InvalidParameter, resend_destination_ids, spam_flag,
                                     submission_list_request)

NAMES = ["site", "form", "date_from", "date_to", "spam", "delivery_status", "limit", "cursor", "other"]
values = st.one_of(st.text(max_size=30), st.integers(-5, 500).map(str), st.dates().map(date.isoformat),
                   st.sampled_from(["true", "false", "all", *DELIVERY_STATUSES]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=8))
def test_any_query_is_read_or_refused_with_a_named_parameter(pairs):
    query = QueryDict(urlencode(pairs), encoding="utf-8")
    try:
        wanted = submission_list_request(query)
    except InvalidParameter as refused:
        assert any(str(refused).startswith(name + ":") for name in NAMES), str(refused)
        return
    assert 1 <= wanted.limit <= 100
    assert wanted.filters.spam in (SPAM_EXCLUDED, "yes", SPAM_ALL)
    if wanted.filters.date_from and wanted.filters.date_to:
        assert wanted.filters.date_from <= wanted.filters.date_to


@settings(max_examples=100, deadline=None)
@given(site=st.from_regex(r"\A[A-Za-z0-9_\-]{1,64}\Z"), form=st.from_regex(r"\A[A-Za-z0-9_.:\-]{1,100}\Z"),
       first=st.dates(min_value=date(1970, 1, 1)), days=st.integers(0, 3000), limit=st.integers(1, 100),
       status=st.sampled_from(DELIVERY_STATUSES))
def test_valid_queries_come_back_as_given(site, form, first, days, limit, status):
    last = date.fromordinal(min(first.toordinal() + days, date.max.toordinal()))
    query = QueryDict(urlencode({"site": site, "form": form, "date_from": first.isoformat(), "date_to": last.isoformat(),
                                 "limit": limit, "spam": "all", "delivery_status": status}))
    wanted = submission_list_request(query)
    filters = wanted.filters
    assert (filters.site_id, filters.form_id, filters.date_from, filters.date_to, filters.spam,
            filters.status, wanted.limit) == (site, form, first, last, SPAM_ALL, status, limit)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                 st.dictionaries(st.text(max_size=20), st.one_of(st.booleans(), st.text(max_size=5),
                                                                 st.lists(st.text(max_size=10), max_size=3)),
                                 max_size=3).map(lambda d: __import__("json").dumps(d).encode())))
def test_any_body_is_read_or_refused(body):
    for parse in (resend_destination_ids, spam_flag):
        try:
            parse(body)
        except InvalidParameter:
            pass
