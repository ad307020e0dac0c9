"""Domain ownership: a site accepts browser posts only once its tenant has proven control of
the domain, by either

- a DNS TXT record `form-bridge-verification=<token>` on the domain or on
  `_form-bridge.<domain>`, or
- a file at `https://<domain>/.well-known/form-bridge-verification.txt` containing the token.

The token is the site's own (each tenant claiming a domain has another one). Verifying one
claim unverifies every other claim of the domain in the same transaction, so exactly the
tenant who proved control last receives the domain's browser posts. API keys work either way.

The file is fetched like a webhook is sent: the host must resolve to public addresses only
(hosts in DELIVERY_ALLOWED_HOSTS excepted, for development and tests), the connection goes to
the vetted address, redirects are not followed and only the first bytes are read. The TXT
lookup and the address lookup use the resolvers in SITE_VERIFICATION_NAMESERVERS (the
system's when empty)."""
from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings
from pynamodb.exceptions import TransactWriteError
from urllib3.connection import HTTPConnection, HTTPSConnection

from portal.delivery.sender import address_refusal, allowed_hosts
from portal.dynamo.base import save_versioned
from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, ServiceError
from portal.services.compliance.audit import audit_record
from portal.services.sites.sites import new_verification_token

TXT_PREFIX = "form-bridge-verification="
TXT_SUBDOMAIN = "_form-bridge"
FILE_PATH = "/.well-known/form-bridge-verification.txt"
FILE_MAX_BYTES = 1024


class VerificationFailed(ServiceError):
    pass


def site_verification_token(*, site: Site) -> str:
    """The site's token, made on first use for sites created before verification existed."""
    if not site.verificationToken:
        site.verificationToken = new_verification_token()
        save_versioned(site)
    return site.verificationToken


def verification_instructions(*, site: Site) -> dict:
    token = site_verification_token(site=site)
    port = settings.SITE_VERIFICATION_FILE_PORT
    host = f"{site.domain}:{port}" if port else site.domain
    return {
        "token": token,
        "txt_names": [site.domain, f"{TXT_SUBDOMAIN}.{site.domain}"],
        "txt_value": f"{TXT_PREFIX}{token}",
        "file_url": f"{settings.SITE_VERIFICATION_FILE_SCHEME}://{host}{FILE_PATH}",
    }


def _resolver() -> dns.resolver.Resolver:
    nameservers = settings.SITE_VERIFICATION_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
        resolver.port = settings.SITE_VERIFICATION_DNS_PORT
    resolver.lifetime = resolver.timeout = settings.SITE_VERIFICATION_TIMEOUT_SECONDS
    return resolver


def _txt_values(name: str) -> list[str]:
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
        return []
    except dns.exception.DNSException as error:
        raise VerificationFailed(f"Could not look up the TXT records of {name}: {error}") from error
    return [b"".join(record.strings).decode("utf-8", "replace").strip() for record in answer]


def _dns_proves(site: Site, token: str) -> bool:
    wanted = f"{TXT_PREFIX}{token}"
    return any(value == wanted for name in (site.domain, f"{TXT_SUBDOMAIN}.{site.domain}")
               for value in _txt_values(name))


def _addresses(host: str) -> list[str]:
    found = []
    for record_type in ("A", "AAAA"):
        try:
            found += [record.to_text() for record in _resolver().resolve(host, record_type)]
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
            continue
        except dns.exception.DNSException as error:
            raise VerificationFailed(f"Could not look up {host}: {error}") from error
    return found


def _fetch_file(domain: str) -> str:
    """The first bytes of the well-known file, or VerificationFailed saying what went wrong."""
    scheme = settings.SITE_VERIFICATION_FILE_SCHEME
    port = settings.SITE_VERIFICATION_FILE_PORT or (443 if scheme == "https" else 80)
    addresses = _addresses(domain)
    if not addresses:
        raise VerificationFailed(f"{domain} has no address, so the file could not be fetched.")
    if domain not in allowed_hosts():
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise VerificationFailed(f"{domain} resolves to {reason}; the file cannot be fetched from there.")
    timeout = settings.SITE_VERIFICATION_TIMEOUT_SECONDS
    if scheme == "https":
        conn = HTTPSConnection(addresses[0], port, timeout=timeout, server_hostname=domain, assert_hostname=domain,
                               cert_reqs="CERT_REQUIRED")
    else:
        conn = HTTPConnection(addresses[0], port, timeout=timeout)
    try:
        conn.request("GET", FILE_PATH, headers={"Host": domain if port in (80, 443) else f"{domain}:{port}",
                                                "User-Agent": "Form-Bridge domain verification"},
                     preload_content=False)
        response = conn.getresponse()
        body = response.read(FILE_MAX_BYTES)
    except Exception as error:  # noqa: BLE001 - any network or protocol failure is "not fetched"
        raise VerificationFailed(f"Could not fetch {scheme}://{domain}{FILE_PATH}: {error}") from error
    finally:
        conn.close()
    if response.status != 200:
        raise VerificationFailed(f"{scheme}://{domain}{FILE_PATH} answered HTTP {response.status}.")
    return body.decode("utf-8", "replace")


def file_content_proves(content: str, token: str) -> bool:
    """The file proves control when the token stands in it as a word of its own (editors and
    uploads add newlines or a BOM; a longer string merely containing the token does not count)."""
    return bool(token) and token in content.replace("\ufeff", " ").split()


def _file_proves(site: Site, token: str) -> tuple[bool, str]:
    try:
        return file_content_proves(_fetch_file(site.domain), token), ""
    except VerificationFailed as failed:
        return False, str(failed)


def site_verify(*, tenant: Tenant, actor: str, site: Site) -> str:
    """Check the DNS record, then the file; on success the site is verified (and any other
    claim of its domain unverified) and the method is returned. VerificationFailed says what
    was looked for."""
    if site.tenantId != tenant.id or not site.active:
        raise ServiceError("Not your site.")
    token = site_verification_token(site=site)
    dns_error = ""
    try:
        method = "dns-txt" if _dns_proves(site, token) else ""
    except VerificationFailed as failed:
        method, dns_error = "", str(failed)
    file_error = ""
    if not method:
        proven, file_error = _file_proves(site, token)
        method = "file" if proven else ""
    if not method:
        details = " ".join(part for part in (dns_error, file_error) if part)
        raise VerificationFailed(
            f"No proof found yet for {site.domain}: neither a TXT record {TXT_PREFIX}{token} "
            f"(on {site.domain} or {TXT_SUBDOMAIN}.{site.domain}) nor the token in {FILE_PATH}. "
            f"DNS changes can take a while to appear. {details}".strip())
    site_verification_grant(site=site, actor=actor, method=method)
    return method


def site_verification_grant(*, site: Site, actor: str, method: str) -> None:
    """Mark the site verified (after a proof, or by staff / the demo data) and every other
    claim of its domain unverified; the tenants who lose it find it in their audit trail."""
    others = [claim for claim in Site.claims_of_domain(site.domain) if claim.id != site.id]
    losing = [claim for claim in others if claim.verified and claim.tenantId != site.tenantId]
    try:
        Site.save_verified(site, method=method, others=others)
    except TransactWriteError as error:
        raise ConcurrentEdit() from error
    audit_record(tenant_id=site.tenantId, actor=actor, action="site.verify", target_type="site", target_id=site.id,
                 after={"domain": site.domain, "method": method})
    for other in losing:
        audit_record(tenant_id=other.tenantId, actor="system", action="site.verification_lost",
                     target_type="site", target_id=other.id,
                     detail=f"Control of {other.domain} was proven from another account; verify again to "
                            "receive its browser forms.")
