"""CSV exports never hand a spreadsheet a formula: every cell a sender can influence, the
header's field names included, is escaped when it starts like one (no database: the rows are
built from plain records)."""
import csv
import io
from datetime import datetime, timezone
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from portal.selectors.exports import FIXED, csv_rows

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
names = st.text(min_size=1, max_size=40).filter(lambda n: n.strip() == n and "\x00" not in n)


def _submission(fields: dict) -> SimpleNamespace:
    return SimpleNamespace(id="01J00000000000000000000000", receivedAt=datetime(2030, 1, 2, tzinfo=timezone.utc),
                           formId="contact", siteId="", spam=False, fields=fields, meta={}, files=[], lead_state="NEW", assignee=None)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(names, st.sampled_from(FORMULA_START).flatmap(
    lambda start: names.map(lambda rest: start + rest))), st.text(max_size=20), min_size=1, max_size=6))
def test_no_header_or_value_cell_starts_like_a_formula(fields):
    text = "".join(csv_rows([_submission(fields)])).lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    def escaped(text):
        return "'" + text if text[:1] in FORMULA_START else text

    assert header == FIXED + [escaped(name) for name in fields] + ["other_fields", "files"]
    assert row[len(FIXED):-2] == [escaped(value) for value in fields.values()]
    assert not [cell for cell in header + row if cell[:1] in FORMULA_START]
