"""Two-factor sign-in with authenticator apps (TOTP, RFC 6238, via pyotp) and one-time
recovery codes, for tenant users (PortalUser, DynamoDB) and staff (StaffTwoFactor, SQL:
portal/services/accounts/staff_two_factor.py). Both keep the same state and share the rules here.

- The secret is Fernet-encrypted at rest (portal.crypto, like destination signing secrets);
  enrolment keeps a pending secret until the user proves it with a code.
- A code is accepted for the current 30 s step or one step either side (clock drift), and
  only for a step newer than the last one used, so a code cannot be replayed.
- Recovery codes are shown once and stored as hashes; each works once. They are random
  (50 bits each), so a plain salted SHA-256 suffices (no slow password hash needed).
- Sign-in: after the password the session holds a short-lived "password ok" marker (not a
  login); the code step (throttled like the password) turns it into a login."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

import pyotp
import segno
from django.conf import settings
from django.utils.crypto import constant_time_compare

from portal.crypto import field_decrypt, field_encrypt
from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import PortalUser
from portal.errors import ConcurrentEdit, FieldErrors, ServiceError
from portal.services.compliance.audit import audit_record

ISSUER = "Form-Bridge"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
BAD_CODE = "That code is not valid. Enter the 6-digit code your authenticator app shows now, or a recovery code."


class TwoFactorRefused(FieldErrors):
    def __init__(self, message: str = BAD_CODE):
        super().__init__(message, field="code")


@dataclass
class TwoFactorState:
    """What one account keeps for two-factor sign-in (both stores map onto this)."""

    secret_encrypted: str | None = None
    pending_encrypted: str | None = None
    last_step: int = 0
    recovery_hashes: list[str] = field(default_factory=list)
    salt: str = ""  # the account's id: the same code hashes differently for two accounts

    @property
    def enabled(self) -> bool:
        return bool(self.secret_encrypted)


def _now() -> float:
    return time.time()


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _recovery_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{_normalise(code)}".encode()).hexdigest()


def _matching_step(secret: str, code: str, after_step: int) -> int | None:
    """The time step (current, or one either side) whose code this is, if newer than after_step."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(_now() // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > after_step and constant_time_compare(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(*, secret: str, account: str) -> str:
    """The otpauth:// URI authenticator apps read (as a QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no script, no external request: CSP-safe)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff", title=f"QR code for {ISSUER}")


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- rules on the shared state --------------------------------------------------------------
def state_enrol_start(state: TwoFactorState) -> str:
    """A new pending secret (the enrol page shows it); an enabled 2FA stays as it is until confirmed."""
    secret = pyotp.random_base32()
    state.pending_encrypted = field_encrypt(secret)
    return secret


def state_pending_secret(state: TwoFactorState) -> str | None:
    return field_decrypt(state.pending_encrypted) if state.pending_encrypted else None


def _new_recovery_codes(state: TwoFactorState) -> list[str]:
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{code[:5]}-{code[5:]}" for code in codes]
    state.recovery_hashes = [_recovery_hash(state.salt, code) for code in codes]
    return codes


def state_enrol_confirm(state: TwoFactorState, code: str) -> list[str]:
    """Turn the pending secret on when `code` proves the app has it; returns the new recovery codes."""
    pending = state_pending_secret(state)
    if pending is None:
        raise TwoFactorRefused("Start the set-up again: there is no pending authenticator secret.")
    step = _matching_step(pending, code, after_step=0)
    if step is None:
        raise TwoFactorRefused("That code does not match. Check the app's clock and enter the code it shows now.")
    state.secret_encrypted, state.pending_encrypted, state.last_step = state.pending_encrypted, None, step
    return _new_recovery_codes(state)


def state_code_accept(state: TwoFactorState, code: str, *, recovery_only: bool = False) -> str | None:
    """Spend a code: "totp" or "recovery" when accepted (the state changed), None otherwise.
    `recovery_only` (the account's daily bound of wrong codes is reached) refuses app codes."""
    if not state.enabled:
        return None
    step = None if recovery_only else _matching_step(field_decrypt(state.secret_encrypted), code,
                                                     after_step=int(state.last_step or 0))
    if step is not None:
        state.last_step = step
        return "totp"
    wanted = _recovery_hash(state.salt, code)
    for index, stored in enumerate(state.recovery_hashes):
        if constant_time_compare(stored, wanted):
            del state.recovery_hashes[index]
            return "recovery"
    return None


def state_recovery_regenerate(state: TwoFactorState, code: str) -> list[str]:
    if state_code_accept(state, code) is None:
        raise TwoFactorRefused()
    return _new_recovery_codes(state)


def state_disable(state: TwoFactorState, code: str) -> None:
    if state_code_accept(state, code) is None:
        raise TwoFactorRefused()
    state.secret_encrypted = state.pending_encrypted = None
    state.recovery_hashes, state.last_step = [], 0


# --- tenant users (PortalUser in DynamoDB) --------------------------------------------------
def _user_state(user: PortalUser) -> TwoFactorState:
    return TwoFactorState(secret_encrypted=user.totpSecretEncrypted, pending_encrypted=user.totpPendingEncrypted,
                          last_step=int(user.totpLastStep or 0), recovery_hashes=list(user.totpRecoveryHashes or []),
                          salt=user.id)


def _user_save(user: PortalUser, state: TwoFactorState) -> None:
    """Write the state back; a concurrent change (the same recovery code spent twice at once)
    raises ConcurrentEdit and writes nothing."""
    user.totpSecretEncrypted, user.totpPendingEncrypted = state.secret_encrypted, state.pending_encrypted
    user.totpLastStep, user.totpRecoveryHashes = state.last_step, state.recovery_hashes
    save_versioned(user)


def user_two_factor_enabled(user: PortalUser) -> bool:
    return bool(user.totpSecretEncrypted)


def user_two_factor_missing(*, user: PortalUser, tenant: Tenant) -> bool:
    """The team requires 2FA and this user has not set it up yet."""
    return bool(tenant.twoFactorRequired) and not user_two_factor_enabled(user)


def _user_apply(user: PortalUser, rule, *, audit: str | None = None):
    """Apply one rule to the user's state (it raises to refuse, writing nothing) and save."""
    state = _user_state(user)
    result = rule(state)
    _user_save(user, state)
    if audit:
        audit_record(tenant_id=user.tenantId, actor=user.email, action=audit, target_type="user", target_id=user.email)
    return result


def user_enrol_secret(*, user: PortalUser) -> str:
    """The pending secret to show, starting one when there is none."""
    return state_pending_secret(_user_state(user)) or _user_apply(user, state_enrol_start)


def user_enrol_restart(*, user: PortalUser) -> str:
    return _user_apply(user, state_enrol_start)


def user_enrol_confirm(*, user: PortalUser, code: str) -> list[str]:
    return _user_apply(user, lambda state: state_enrol_confirm(state, code), audit="user.2fa_enable")


def user_code_accept(*, user: PortalUser, code: str, recovery_only: bool = False) -> str | None:
    """"totp" or "recovery" when the code is accepted (and spent), None otherwise."""
    state = _user_state(user)
    used = state_code_accept(state, code, recovery_only=recovery_only)
    if used is None:
        return None
    try:
        _user_save(user, state)
    except ConcurrentEdit:
        return None  # spent by a parallel request first
    if used == "recovery":
        audit_record(tenant_id=user.tenantId, actor=user.email, action="user.2fa_recovery_code_used",
                     target_type="user", target_id=user.email, after={"left": len(state.recovery_hashes)})
    return used


def user_recovery_regenerate(*, user: PortalUser, code: str) -> list[str]:
    return _user_apply(user, lambda state: state_recovery_regenerate(state, code),
                       audit="user.2fa_recovery_regenerate")


def user_two_factor_disable(*, user: PortalUser, tenant: Tenant, code: str) -> None:
    if tenant.twoFactorRequired:
        raise ServiceError("Your team requires two-factor sign-in, so it cannot be turned off.")
    _user_apply(user, lambda state: state_disable(state, code), audit="user.2fa_disable")


def tenant_two_factor_require(*, tenant: Tenant, actor: PortalUser, required: bool) -> None:
    """The owner (or an admin) requires 2FA of the whole team; they must use it themselves first."""
    from portal.permissions import MANAGE_TEAM, user_can

    if not user_can(actor, MANAGE_TEAM):
        raise ServiceError("Only the account owner and admins can change this.")
    if required and not user_two_factor_enabled(actor):
        raise ServiceError("Turn on two-factor sign-in for yourself first (Account → Two-factor sign-in).")
    if bool(tenant.twoFactorRequired) == required:
        return
    tenant.twoFactorRequired = required
    tenant.touch(actor.email)
    save_versioned(tenant)
    audit_record(tenant_id=tenant.id, actor=actor.email, action="tenant.2fa_required", target_type="tenant",
                 target_id=tenant.id, before={"required": not required}, after={"required": required})


# --- the sign-in step between password and login --------------------------------------------
def pending_marker(*, subject: dict) -> dict:
    """What the session holds after a correct password: who, and until when (not a login)."""
    return {**subject, "until": _now() + settings.TWO_FACTOR_STEP_SECONDS}


def pending_marker_valid(marker) -> bool:
    return isinstance(marker, dict) and float(marker.get("until", 0)) > _now()
