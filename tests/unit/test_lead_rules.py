"""The lead state rules and the API's lead body parser, as properties over any sequence of
requests (Hypothesis) and as examples."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.dynamo.leads import COUNTED_STATES, NEW, STATES
from portal.errors import FieldErrors
from portal.services.leads.rules import (ALLOWED, StateRefused, counter_moves, next_state, state_after_reply)
from portal.views.api.params import lead_changes
from portal.views.ingest.problems import InvalidParameter

requests = st.lists(st.one_of(st.sampled_from(STATES), st.sampled_from(["REPLY"]), st.text(max_size=8)), max_size=40)


@given(requests)
def test_any_sequence_never_returns_to_new_and_the_counters_follow_the_state(wanted):
    state, counters, left_new = NEW, {s: 0 for s in COUNTED_STATES}, False
    for request in wanted:
        before = state
        if request == "REPLY":
            state = state_after_reply(state)
        else:
            try:
                state = next_state(state, request)
            except StateRefused:
                assert request not in ALLOWED[before] and request != before
                continue
            except FieldErrors:
                assert request not in STATES
                continue
        for name, amount in counter_moves(before, state).items():
            counters[name] += amount
        left_new = left_new or state != NEW
        assert not (left_new and state == NEW)
        # One lead is counted exactly once, under its current state (New is not counted).
        assert all(count >= 0 for count in counters.values())
        assert sum(counters.values()) == (0 if state == NEW else 1)
        assert state == NEW or counters[state] == 1


@given(st.sampled_from(STATES), st.sampled_from(STATES))
def test_a_move_is_allowed_exactly_as_the_table_says(current, wanted):
    if wanted == current:
        assert next_state(current, wanted) == current and counter_moves(current, wanted) == {}
    elif wanted in ALLOWED[current]:
        assert next_state(current, wanted) == wanted
    else:
        with pytest.raises(StateRefused):
            next_state(current, wanted)


def test_the_workflow_examples():
    assert next_state("NEW", "OPEN") == "OPEN"
    assert state_after_reply("NEW") == "REPLIED" and state_after_reply("WON") == "WON"
    assert next_state("WON", "OPEN") == "OPEN"  # an outcome can be reopened
    with pytest.raises(StateRefused):
        next_state("OPEN", "NEW")
    assert counter_moves("OPEN", "WON") == {"OPEN": -1, "WON": 1}


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=3), max_leaves=8)


@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                 st.dictionaries(st.sampled_from(["state", "assignee", "starred", "archived", "version", "x"]),
                                 json_values, max_size=5).map(lambda v: json.dumps(v).encode())))
def test_the_lead_body_parser_answers_valid_changes_or_a_named_invalid_parameter(body):
    try:
        changes, version = lead_changes(body)
    except InvalidParameter as error:
        assert ":" in str(error)  # names the parameter
        return
    data = json.loads(body)
    assert changes and set(changes) <= {"state", "assignee", "starred", "archived"}
    assert changes.get("state", "NEW") in STATES
    assert all(isinstance(changes[f], bool) for f in ("starred", "archived") if f in changes)
    assert version is None or (isinstance(version, int) and version >= 0)
    assert set(data) <= {"state", "assignee", "starred", "archived", "version"}


def test_a_first_response_delay_reads_as_words():
    from portal.views.portal.lead_panel import duration_words

    assert duration_words(15) == "15 seconds"
    assert duration_words(3600 + 300) == "1 hour 5 minutes"
    assert duration_words(3 * 86400 + 4 * 3600 + 59) == "3 days 4 hours"
