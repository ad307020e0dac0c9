"""The audit trail in words: product, tenant and site names instead of ids, quotas and other
structures as text (no Python repr), numbers with thousands separators."""
from portal.selectors.audit import audit_staff_page, audit_tenant_page
from tests.factories.accounts import make_product, make_tenant
from tests.factories.ingest import make_site


def test_staff_entries_name_products_and_tenants_and_spell_out_quotas(ddb):
    product = make_product(name="Agency Plan", monthly_submissions=20000)
    tenant, _ = make_tenant(organization="Readable Agency", product=product)
    entries = audit_staff_page(limit=20).items
    created = next(e for e in entries if e.action == "product.create")
    assert created.target_name == "Agency Plan"
    quotas = next(c for c in created.changes if c.field == "quotas")
    assert "monthly submissions 20,000" in quotas.after_text and "{" not in quotas.after_text
    assert quotas.field_text == "quotas"
    tenant_entry = next(e for e in audit_tenant_page(tenant_id=tenant.id).items if e.action == "tenant.create")
    assert tenant_entry.target_name == "Readable Agency"
    product_change = next(c for c in tenant_entry.changes if c.field == "productId")
    assert (product_change.field_text, product_change.after_text) == ("product id", "Agency Plan")


def test_site_entries_name_the_site_by_its_domain(ddb):
    tenant, _ = make_tenant()
    site = make_site(tenant, domain="named.example")
    site_entry = next(e for e in audit_tenant_page(tenant_id=tenant.id).items if e.action == "site.create")
    assert site_entry.target_name == "named.example" and site.id != site_entry.target_name
