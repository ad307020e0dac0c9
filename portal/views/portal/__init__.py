"""Tenant portal views: pages a signed-in tenant user sees."""
