"""Staff console URLs (namespace "staff")."""
from django.urls import path

from portal.views.staff import audit as staff_audit
from portal.views.staff import auth as staff_auth
from portal.views.staff import campaigns as staff_campaigns
from portal.views.staff import costs as staff_costs
from portal.views.staff import products as staff_products
from portal.views.staff import tenants as staff_tenants
from portal.views.staff import two_factor as staff_two_factor

app_name = "staff"

urlpatterns = [
    path("", staff_audit.overview, name="home"),
    path("login/", staff_auth.staff_login_view, name="login"),
    path("login/code/", staff_two_factor.staff_login_code, name="login_code"),
    path("logout/", staff_auth.staff_logout_view, name="logout"),
    path("two-factor/", staff_two_factor.staff_two_factor_page, name="two_factor"),
    path("two-factor/restart/", staff_two_factor.staff_two_factor_restart, name="two_factor_restart"),
    path("two-factor/recovery-codes/", staff_two_factor.staff_two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/disable/", staff_two_factor.staff_two_factor_disable, name="two_factor_disable"),
    path("audit/", staff_audit.audit_list, name="audit"),

    path("products/", staff_products.product_list, name="product_list"),
    path("products/new/", staff_products.product_create, name="product_create"),
    path("products/<str:product_id>/", staff_products.product_detail, name="product_detail"),
    path("products/<str:product_id>/edit/", staff_products.product_edit, name="product_edit"),
    path("products/<str:product_id>/delete/", staff_products.product_delete, name="product_delete"),
    path("products/<str:product_id>/restore/", staff_products.product_restore, name="product_restore"),
    path("products/<str:product_id>/audit/", staff_products.product_audit, name="product_audit"),

    path("campaigns/", staff_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", staff_campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<str:code>/", staff_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<str:code>/edit/", staff_campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<str:code>/delete/", staff_campaigns.campaign_delete, name="campaign_delete"),
    path("campaigns/<str:code>/restore/", staff_campaigns.campaign_restore, name="campaign_restore"),
    path("campaigns/<str:code>/audit/", staff_campaigns.campaign_audit, name="campaign_audit"),

    path("costs/", staff_costs.cost_list, name="cost_list"),
    path("costs/<str:tenant_id>/threshold/", staff_costs.cost_threshold, name="cost_threshold"),

    path("tenants/", staff_tenants.tenant_list, name="tenant_list"),
    path("tenants/new/", staff_tenants.tenant_create, name="tenant_create"),
    path("tenants/<str:tenant_id>/", staff_tenants.tenant_detail, name="tenant_detail"),
    path("tenants/<str:tenant_id>/edit/", staff_tenants.tenant_edit, name="tenant_edit"),
    path("tenants/<str:tenant_id>/status/", staff_tenants.tenant_status, name="tenant_status"),
    path("tenants/<str:tenant_id>/delete/", staff_tenants.tenant_delete, name="tenant_delete"),
    path("tenants/<str:tenant_id>/restore/", staff_tenants.tenant_restore, name="tenant_restore"),
    path("tenants/<str:tenant_id>/audit/", staff_tenants.tenant_audit, name="tenant_audit"),
]
