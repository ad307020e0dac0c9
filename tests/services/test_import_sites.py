"""import_sites on DynamoDB Local: a dry run reports problems and changes nothing; a real run
creates tenants, sites, kept secrets and webhooks through the services, and a second run
changes nothing."""
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings as hsettings, strategies as st

from portal.services.sites.api_keys import api_key_authenticate
from portal.services.sites.site_import import rows_parse
from tests.factories.accounts import make_product, make_tenant, stored_items
from tests.factories.ingest import make_site

SECRET = "wp-legacy-secret-0123456789abcdefghijkl"


def _write(tmp_path, rows, kind="json"):
    path = tmp_path / f"sites.{kind}"
    if kind == "json":
        path.write_text(json.dumps(rows))
    else:
        path.write_text("domain,owner_email,organisation,secret,webhook_url\n" + "".join(
            f"{r['domain']},{r['owner_email']},{r['organization']},{r.get('secret', '')},{r.get('webhook_url', '')}\n"
            for r in rows))
    return str(path)


def test_dry_run_reports_every_problem_and_changes_nothing(ddb, tmp_path, capsys):
    other, _ = make_tenant()
    make_site(other, domain="taken.example")
    before = stored_items()
    path = _write(tmp_path, [
        {"domain": "good.example", "owner_email": "a@agency.example", "organization": "Agency A"},
        {"domain": "not a domain", "owner_email": "a@agency.example", "organization": "Agency A"},
        {"domain": "https://GOOD.example/", "owner_email": "b@agency.example", "organization": "Agency B"},
        {"domain": "taken.example", "owner_email": "c@agency.example", "organization": "Agency C"},
        {"domain": "short.example", "owner_email": "nope", "organization": "", "secret": "short"},
    ], kind="csv")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_sites", path, "--dry-run")
    out = capsys.readouterr().out
    assert "line 2 good.example: ok" in out
    assert "line 3 not a domain: invalid domain" in out
    assert "line 4 good.example: duplicate: good.example is also on line 2" in out
    assert "line 5 taken.example: taken.example belongs to another tenant" in out
    assert "invalid owner e-mail 'nope'; organisation missing; secret shorter than 32 characters" in out
    assert stored_items() == before


def test_a_real_run_creates_everything_and_a_second_run_changes_nothing(ddb, tmp_path, capsys, mailoutbox):
    product = make_product(max_sites=5)
    path = _write(tmp_path, [
        {"domain": "one.example", "owner_email": "owner@agency.example", "organization": "Agency",
         "secret": SECRET, "webhook_url": "https://hooks.example.com/in"},
        {"domain": "two.example", "owner_email": "owner@agency.example", "organization": "Agency"},
    ])
    call_command("import_sites", path, "--dry-run")
    assert "Dry run: nothing changed." in capsys.readouterr().out
    call_command("import_sites", path, "--product", product.id)
    out = capsys.readouterr().out
    assert "created tenant Agency <owner@agency.example>" in out and "created site two.example" in out
    assert "created webhook destination https://hooks.example.com/in" in out
    assert "API key for two.example (shown once): fbk_" in out
    key, tenant = api_key_authenticate(authorization=f"Bearer {SECRET}")  # the site keeps its secret
    assert tenant.email == "owner@agency.example"
    assert len(mailoutbox) == 1  # the owner's invitation

    after_first = stored_items()
    call_command("import_sites", path, "--product", product.id)
    assert "Done: nothing to change." in capsys.readouterr().out
    assert stored_items() == after_first


@hsettings(max_examples=50, deadline=None)
@given(st.lists(st.fixed_dictionaries({"domain": st.text(max_size=30), "owner_email": st.text(max_size=30),
                                       "organization": st.text(max_size=20)}), max_size=5))
def test_parsing_any_json_rows_gives_one_row_each(records):
    rows = rows_parse(json.dumps(records), filename="x.json")
    assert [r.line for r in rows] == list(range(1, len(records) + 1))
