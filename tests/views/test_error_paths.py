"""One error path: NotFound is the 404 page, a bad page link goes back to the first page of
the same list (its filters kept) with the reason, refusals land on the form or in messages."""
import pytest
from django import forms
from django.test import Client

from portal.errors import ConcurrentEdit, FieldErrors, NotFound, ServiceError
from portal.views.refusals import form_add_service_errors, refusals_on_form
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination


class _Form(forms.Form):
    code = forms.CharField()
    name = forms.CharField()


def _bound_form() -> _Form:
    form = _Form({"code": "A", "name": "B"})
    assert form.is_valid()
    return form


def _client(user) -> Client:
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_field_errors_go_on_their_fields_and_the_rest_on_the_form():
    form = _bound_form()
    form_add_service_errors(form, FieldErrors(errors={"code": ["Taken."], "name": ["Too long.", "Odd."],
                                                      "unknown": ["Elsewhere."]}))
    assert form.errors["code"] == ["Taken."] and form.errors["name"] == ["Too long.", "Odd."]
    assert form.non_field_errors() == ["Elsewhere."]
    single = FieldErrors("Taken.", field="code")
    assert single.field == "code" and single.errors == {"code": ["Taken."]} and str(single) == "Taken."
    stale = _bound_form()
    form_add_service_errors(stale, ConcurrentEdit())
    assert "changed by someone else" in stale.non_field_errors()[0]


def test_refusals_land_on_the_form_but_not_found_passes_through():
    form = _bound_form()
    with refusals_on_form(form):
        raise ServiceError("Your plan allows 3.")
    assert form.non_field_errors() == ["Your plan allows 3."]
    with pytest.raises(NotFound):
        with refusals_on_form(_bound_form()):
            raise NotFound("No such thing.")


def test_not_found_from_an_access_helper_is_the_404_page(ddb):
    mine, owner = make_tenant()
    other, other_owner = make_tenant()
    destination = make_destination(other, other_owner)
    response = _client(owner).get(f"/destinations/{destination.id}/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_a_bad_page_link_goes_to_the_first_page_of_the_same_list_with_its_filters(ddb):
    tenant, owner = make_tenant()
    destination = make_destination(tenant, owner)
    client = _client(owner)
    response = client.get(f"/destinations/{destination.id}/", {"outcome": "failed", "cursor": "forged"})
    assert response.status_code == 302
    assert response["Location"] == f"/destinations/{destination.id}/?outcome=failed"
    page = client.get("/account/plan/", {"cursor": "forged"}, follow=True).content.decode()
    assert "This page link is invalid or has expired." in page
