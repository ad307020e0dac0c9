"""Test data made through the real services: accounts (products, tenants, campaigns), ingest
(sites, keys, submissions) and delivery (destinations, loopback receivers, a fake clock)."""
