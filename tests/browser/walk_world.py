"""The data the role walks walk through, made through the real services (and, for a file,
the public form endpoint): an agency with two sites, a team of every role, submissions with
a file, a destination and an API token; and an outsider tenant whose names no page of the
agency may show."""
from __future__ import annotations

from dataclasses import dataclass

import requests

from portal.dynamo.users import ADMIN, CLIENT, MEMBER
from portal.services.accounts.api_tokens import SUBMISSIONS_READ, api_token_create
from portal.services.accounts.users import portal_user_create
from tests.factories.accounts import PASSWORD, make_product, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_site, make_submission

OUTSIDER_NAMES = ("Outsider Agency", "outsider-site.example", "Outsider Person")
OTHER_SITE_NAMES = ("garage.walk.example", "Garage Customer")


@dataclass
class World:
    tenant: object
    owner: object
    users: dict  # role -> PortalUser
    bakery: object
    garage: object
    file_submission_id: str


def build_world(live_url: str) -> World:
    product = make_product(name="Agency Plan", monthly_submissions=20000, max_sites=5, max_destinations=5)
    tenant, owner = make_tenant(email="owner@walk.example", organization="Walk Agency", product=product)
    bakery = make_site(tenant, domain="bakery.walk.example")
    garage = make_site(tenant, domain="garage.walk.example")
    make_key(tenant, bakery, label="Bakery WordPress")
    make_key(tenant, garage, label="Garage WordPress")
    users = {"OWNER": owner}
    for role, email, sites in ((ADMIN, "admin@walk.example", []), (MEMBER, "member@walk.example", []),
                               (CLIENT, "client@bakery.example", [bakery.id])):
        users[role] = portal_user_create(tenant_id=tenant.id, email=email, password=PASSWORD, role=role,
                                         actor=owner.email, site_ids=sites)
    make_destination(tenant, owner, name="Agency CRM", url="https://crm.walk.example/hooks/forms")
    api_token_create(tenant=tenant, actor=owner.email, label="Reporting script", scopes=[SUBMISSIONS_READ])
    for n in range(3):
        make_submission(tenant, site_id=bakery.id, form_id="order",
                        fields={"name": f"Bread Lover {n}", "email": f"bread{n}@bakery.example",
                                "message": "Two loaves, please."})
        make_submission(tenant, site_id=garage.id, form_id="quote",
                        fields={"name": "Garage Customer", "email": f"car{n}@garage.example"})
    # A file, posted as a browser on the bakery's own site would (the public form endpoint).
    answer = requests.post(f"{live_url}/f/{bakery.id}/order", data={"name": "Bread Lover with a file",
                                                                    "email": "file@bakery.example"},
                           files={"photo": ("cake.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")},
                           headers={"Origin": "https://bakery.walk.example",
                                    "Referer": "https://bakery.walk.example/order/"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code in (200, 303), answer.text[:500]
    from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list

    with_file = [s for s in submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), limit=20).items
                 if s.files]
    assert with_file, "the submission with a file was not stored"

    outsider, outsider_owner = make_tenant(email="owner@outsider-site.example", organization="Outsider Agency")
    elsewhere = make_site(outsider, domain="outsider-site.example")
    make_submission(outsider, site_id=elsewhere.id, fields={"name": "Outsider Person", "email": "o@outsider.example"})
    return World(tenant=tenant, owner=owner, users=users, bakery=bakery, garage=garage,
                 file_submission_id=with_file[0].id)
