"""Idempotent demo data: a local staff account, products, campaigns, two tenants with users,
and (DEBUG only) a webhook destination posting to the built-in inspector, planned for every
demo submission by the real ingest service.

Development only: with DEBUG off it refuses unless --force, and then creates no staff account
and gives the demo users random passwords (printed once), so no known password reaches a
real environment."""
import random
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.dynamo.tenants import REGISTERED, VALIDATED
from portal.dynamo.users import OWNER, PortalUser
from portal.dynamo.base import utcnow
from portal.selectors.sites import site_list
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.billing.campaigns import campaign_create
from portal.services.ingest.store import submission_ingest
from portal.services.delivery_setup.inspector import inspector_destination_ensure
from portal.services.sites.domain_verification import site_verification_grant
from portal.services.sites.sites import site_add
from portal.services.billing.products import product_create, product_update
from portal.services.billing.tenants import tenant_create
from portal.services.accounts.users import portal_user_create

STAFF_USERNAME, STAFF_PASSWORD = "staff", "formbridge-staff"
DEMO_PASSWORD = "formbridge-demo"
ACTOR = "seed_demo"

PRODUCTS = [
    ("Starter", Decimal("19.00"), ["Signed webhook delivery"], 1000, 2, 1, 30),
    ("Agency", Decimal("79.00"), ["Webhook and e-mail delivery", "CSV and JSON Lines export", "Team accounts"], 20000, 10, 10, 90),
    ("Enterprise", Decimal("299.00"), ["Webhook and e-mail delivery", "Priority support", "Higher write throughput"], 250000, 50, 100, 365),
]
# What the pricing page says under each plan's name (staff edit it in the console).
DESCRIPTIONS = {
    "Starter": "For a freelancer with one WordPress site: every form's submissions stored and sent, signed, to "
               "your CRM or app.",
    "Agency": "For agencies running their clients' sites: ten sites, team accounts, a view for each client and "
              "exports for the paperwork.",
    "Enterprise": "For large portfolios: a hundred sites, a year of history and priority support when a "
                  "delivery matters.",
}
TENANTS = [
    ("owner@northwind.example", "Northwind Digital", REGISTERED, ["member@northwind.example"]),
    ("owner@bluepeak.example", "Blue Peak Studio", VALIDATED, []),
]


class Command(BaseCommand):
    help = "Load demo data (safe to run again: existing items are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="run with DEBUG off (no staff account; random demo passwords)")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo loads demo accounts and runs only with DJANGO_DEBUG=true "
                               "(--force to load it anyway, without a staff account and with random passwords).")
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(18)
        if settings.DEBUG:
            self._staff()
        products = self._products()
        self._campaigns(products)
        self._tenants(products, password)
        if settings.DEBUG:  # before the submissions, so ingest plans their deliveries to it
            self._inspector_destination()
        self._submissions()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if settings.DEBUG:
            self.stdout.write(f"  staff console: /staff/  user '{STAFF_USERNAME}'  password '{STAFF_PASSWORD}'")
        else:
            self.stdout.write("  staff console: no account created; use manage.py createsuperuser")
        self.stdout.write(f"  tenant portal: /login/  user '{TENANTS[0][0]}'  password '{password}'")

    def _staff(self):
        User = get_user_model()
        if not User.objects.filter(username=STAFF_USERNAME).exists():
            User.objects.create_user(STAFF_USERNAME, "staff@formbridge.local", STAFF_PASSWORD, is_staff=True, is_superuser=True)

    def _products(self) -> dict[str, Product]:
        existing = {p.name: p for p in Product.active_status_index.query("ACTIVE")}
        for name, price, features, monthly, destinations, sites, retention in PRODUCTS:
            if name not in existing:
                existing[name] = product_create(
                    actor=ACTOR, name=name, price=price, features=features, description=DESCRIPTIONS[name],
                    monthly_submissions=monthly, max_destinations=destinations, max_sites=sites, retention_days=retention,
                )
            elif existing[name].description == f"The {name} plan.":  # the placeholder earlier demos wrote
                product = existing[name]
                existing[name] = product_update(
                    actor=ACTOR, product=product, version=product.version, name=product.name, price=product.price,
                    currency=product.currency, billing_cycle=product.billingCycle, description=DESCRIPTIONS[name],
                    features=list(product.features or []),
                    monthly_submissions=int(product.quotas.monthlySubmissions),
                    max_destinations=int(product.quotas.maxDestinations), max_sites=int(product.quotas.maxSites),
                    retention_days=int(product.quotas.retentionDays))
        return existing

    def _campaigns(self, products: dict[str, Product]) -> None:
        today = date.today()
        for code, product, percent, start, end in [
            ("LAUNCH20", "Agency", 20, today - timedelta(days=10), today + timedelta(days=60)),
            ("SPRING10", "Starter", 10, today + timedelta(days=30), today + timedelta(days=90)),
        ]:
            if Campaign.by_code(code) is None:
                campaign_create(actor=ACTOR, code=code, product_id=products[product].id, discount_percent=percent,
                                from_date=start, to_date=end, name=f"{code} demo campaign")

    def _tenants(self, products: dict[str, Product], password: str) -> None:
        for email, organization, status, members in TENANTS:
            if PortalUser.lookup_for_login(email):
                continue
            tenant = tenant_create(email=email, organization=organization, actor=ACTOR,
                                   product_id=products["Agency"].id, status=status)
            portal_user_create(tenant_id=tenant.id, email=email, password=password, role=OWNER, actor=ACTOR)
            for member in members:
                portal_user_create(tenant_id=tenant.id, email=member, password=password, actor=ACTOR)

    def _inspector_destination(self) -> None:
        """Development only: the first tenant's webhook destination posting to the built-in
        inspector, so `make run` shows submissions delivered and verified from the start."""
        owner = PortalUser.lookup_for_login(TENANTS[0][0])
        tenant = tenant_get_or_none(tenant_id=owner.tenantId)
        destination, created = inspector_destination_ensure(tenant=tenant, actor=ACTOR)
        if created:
            self.stdout.write(f"  demo destination: {destination.url} (see /dev/inspector/)")

    def _demo_sites_verified(self, sites) -> None:
        """The demo domains cannot be proven (they are not real), so in DEBUG they are marked
        verified and the quick start's browser form works; with --force they stay unverified."""
        if not settings.DEBUG:
            return
        for site in sites:
            if site.active and not site.verified:
                site_verification_grant(site=site, actor=ACTOR, method="demo")

    def _submissions(self) -> None:
        """A site and two weeks of submissions for the first tenant, so the dashboard has a
        story to tell on first start (only when it has no site yet)."""
        owner = PortalUser.lookup_for_login(TENANTS[0][0])
        tenant = tenant_get_or_none(tenant_id=owner.tenantId)
        existing = site_list(tenant_id=tenant.id, include_deleted=True)
        if existing:
            self._demo_sites_verified(existing)
            return
        site = site_add(tenant=tenant, actor=ACTOR, domain="northwind.example", name="Northwind marketing site")
        self._demo_sites_verified([site])
        rng = random.Random(7)  # the same demo every time
        names = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Linus Pauling", "Mary Jackson"]
        forms = ["contact", "contact", "contact", "newsletter", "quote"]
        now = utcnow()
        for n in range(60):
            name = rng.choice(names)
            form_id = rng.choice(forms)
            fields = {"name": name, "email": f"{name.split()[0].lower()}@example.com"}
            if form_id != "newsletter":
                fields["message"] = rng.choice([
                    "Could you send me a quote for a new website with a shop?",
                    "We would like to discuss a maintenance contract for our three sites.",
                    "Is there a discount for charities? Please call me back.",
                ])
            submission_ingest(
                tenant=tenant, form_id=form_id, fields=fields, site_id=site.id, spam=n % 17 == 0,
                meta={"page_url": f"https://northwind.example/{form_id}", "user_agent": "Mozilla/5.0 (demo)"},
                now=now - timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 23)),
            )
