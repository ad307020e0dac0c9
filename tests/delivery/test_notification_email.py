"""Notification e-mails people want to receive: a subject from the destination's template
with field placeholders, Reply-To the submitter, the agency's name as the sender, plain text
and HTML bodies with the fields in the order they were submitted, and the agency's brand."""
from email.utils import parseaddr

from hypothesis import given, settings as hsettings, strategies as st

from portal.delivery import worker
from portal.delivery.email_message import SUBJECT_MAX, subject_render, subject_template_problem
from portal.dynamo.destinations import EMAIL
from portal.services.accounts.branding import tenant_branding_update
from portal.services.delivery_setup.destinations import InvalidDestination
from tests.factories.accounts import make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_submission


def test_subject_template_reply_to_sender_name_and_submitted_order(ddb, mailoutbox):
    tenant, user = make_tenant(organization="Northwind Agency")
    make_destination(tenant, user, name="Leads", type=EMAIL, url=None, recipients=["leads@client.example"],
                     subject_template="New {form} from {name}")
    fields = {"zeta": "last letter first", "name": "Grace Hopper", "Email": " Grace@Navy.example ", "alpha": "a"}
    make_submission(tenant, form_id="quote", fields=fields)
    assert worker.run_once(worker_id="w1") == 1
    (mail,) = mailoutbox
    assert mail.subject == "New quote from Grace Hopper"
    assert mail.reply_to == ["grace@navy.example"]
    assert parseaddr(mail.from_email)[0] == "Northwind Agency"
    assert mail.body.index("zeta:") < mail.body.index("name:") < mail.body.index("Email:") < mail.body.index("alpha:")
    html = mail.alternatives[0][0]
    assert html.index("zeta") < html.index("Grace Hopper") < html.index("alpha")
    assert "Sent by Northwind Agency" in mail.body


def test_the_agency_brand_names_the_sender_and_no_address_means_no_reply_to(ddb, mailoutbox):
    tenant, user = make_tenant(organization="Legal Name Ltd")
    tenant_branding_update(tenant=tenant, actor=user.email, brand_name="Bright Studio")
    make_destination(tenant, user, name="Inbox", type=EMAIL, url=None, recipients=["inbox@client.example"])
    make_submission(tenant, fields={"message": "no address here"})
    worker.run_once(worker_id="w1")
    (mail,) = mailoutbox
    assert parseaddr(mail.from_email)[0] == "Bright Studio" and mail.reply_to == []
    assert mail.subject == "[Form-Bridge] New submission: contact"


def test_a_bad_subject_template_is_refused(ddb):
    tenant, user = make_tenant()
    for template, problem in (("New {form", "brace"), ("x" * 201, "200"), ("a\nBcc: x@y.z", "One line")):
        try:
            make_destination(tenant, user, name="Inbox", type=EMAIL, url=None, recipients=["a@b.example"],
                             subject_template=template)
        except InvalidDestination as refused:
            assert problem in refused.errors["subject_template"][0]
        else:
            raise AssertionError(template)


@hsettings(max_examples=300, deadline=None)
@given(template=st.text(max_size=120), fields=st.dictionaries(st.text(max_size=15), st.text(max_size=200), max_size=5),
       form_id=st.from_regex(r"[A-Za-z0-9_.:\-]{1,20}", fullmatch=True))
def test_any_template_and_fields_render_one_bounded_line(template, fields, form_id):
    subject = subject_render(template, form_id=form_id, site_id=None, fields=fields)
    assert 0 < len(subject) <= SUBJECT_MAX
    assert "\n" not in subject and "\r" not in subject
    if subject_template_problem(template) is None and "{" not in template and template.strip():
        assert subject == " ".join(template.split())[:SUBJECT_MAX]
