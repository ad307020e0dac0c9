"""Who a report is about. A *client* is the CLIENT users of one set of sites (users with the
same ticked sites share a report); agencies without client users get one report per site.
Keys are stable while the site set stays the same: `c-` + a digest of the sorted site ids, or
`s-` + the site id."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from portal.dynamo.tenants import Tenant
from portal.dynamo.users import CLIENT
from portal.errors import NotFound
from portal.selectors.sites import site_list
from portal.selectors.users import team_list

CLIENT_PREFIX, SITE_PREFIX = "c-", "s-"


@dataclass(frozen=True)
class ReportSubject:
    key: str
    kind: str  # "client" or "site"
    name: str  # what a person reads: the sites' names or domains
    site_ids: frozenset[str]
    sites: tuple[tuple[str, str], ...]  # (site id, domain), by domain
    client_emails: tuple[str, ...] = field(default=())  # the CLIENT users who see it (kind "client")

    @property
    def is_client(self) -> bool:
        return self.kind == "client"

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(domain for _, domain in self.sites)


def client_key_for(site_ids) -> str:
    digest = hashlib.sha256(",".join(sorted(site_ids)).encode()).hexdigest()[:16]
    return CLIENT_PREFIX + digest


def report_subjects(*, tenant: Tenant) -> list[ReportSubject]:
    """The reports the signed-in user may see: every client and every site for the tenant's
    team, the client's own one for a site-scoped user (tenant.site_scope)."""
    sites = {site.id: site for site in site_list(tenant_id=tenant.id)}
    groups: dict[frozenset[str], list[str]] = {}
    for user in team_list(tenant_id=tenant.id):
        if user.role == CLIENT:
            site_ids = frozenset(s for s in (user.siteIds or ()) if s in sites)
            if site_ids:
                groups.setdefault(site_ids, []).append(user.email)
    subjects = []
    for site_ids, emails in groups.items():
        pairs = tuple(sorted(((s, sites[s].domain) for s in site_ids), key=lambda pair: pair[1]))
        subjects.append(ReportSubject(key=client_key_for(site_ids), kind="client",
                                      name=", ".join(domain for _, domain in pairs), site_ids=site_ids, sites=pairs,
                                      client_emails=tuple(sorted(emails))))
    for site in sorted(sites.values(), key=lambda s: s.domain):
        subjects.append(ReportSubject(key=SITE_PREFIX + site.id, kind="site", name=site.name or site.domain,
                                      site_ids=frozenset({site.id}), sites=((site.id, site.domain),)))
    scope = tenant.site_scope
    if scope is not None:  # a client sees its own client report (its exact site set), nothing else
        return [s for s in subjects if s.kind == "client" and s.site_ids == frozenset(scope)]
    subjects.sort(key=lambda s: (s.kind != "client", s.name))
    return subjects


def access_report_subject(*, tenant: Tenant, report_key: str) -> ReportSubject:
    """One report the signed-in user may see, or NotFound (the same for missing and not yours)."""
    for subject in report_subjects(tenant=tenant):
        if subject.key == report_key:
            return subject
    raise NotFound()
