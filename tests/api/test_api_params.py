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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES[:-1]), values), max_size=6), st.sampled_from(NAMES[:-1]),
       st.randoms(use_true_random=False))
def test_a_parameter_given_empty_is_refused_by_name_never_read_as_absent(pairs, empty, rnd):
    pairs = [(name, value) for name, value in pairs if name != empty]
    pairs.insert(rnd.randint(0, len(pairs)), (empty, ""))
    try:
        submission_list_request(QueryDict(urlencode(pairs), encoding="utf-8"))
    except InvalidParameter as refused:
        assert any(str(refused).startswith(name + ":") for name in NAMES), str(refused)
        return
    raise AssertionError(f"{empty}= was accepted in {pairs}")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1100))
def test_a_cursor_is_refused_unless_it_is_at_most_1024_signed_alphabet_characters(cursor):
    query = QueryDict(urlencode({"cursor": cursor}), encoding="utf-8")
    well_formed = 1 <= len(cursor) <= 1024 and all(c.isascii() and (c.isalnum() or c in "_:.-") for c in cursor)
    try:
        wanted = submission_list_request(query)
    except InvalidParameter as refused:
        assert not well_formed and str(refused).startswith("cursor:")
    else:
        assert well_formed and wanted.cursor == cursor


def test_a_null_destination_list_is_refused_and_a_missing_one_means_every_destination():
    assert resend_destination_ids(b"") is None and resend_destination_ids(b"{}") is None
    try:
        resend_destination_ids(b'{"destination_ids": null}')
    except InvalidParameter as refused:
        assert str(refused).startswith("destination_ids:")
    else:
        raise AssertionError("null was read as every destination")
