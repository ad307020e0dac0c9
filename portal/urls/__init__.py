"""URL modules, one per area: portal (tenant pages and ingest), staff, invite, and the parts the
portal namespace joins (destinations, public pages, account)."""
