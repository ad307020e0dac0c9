"""Two-factor sign-in for staff (Django accounts): the rules of portal/services/accounts/two_factor.py
on the StaffTwoFactor row. Writes are optimistic (the row's version), like DynamoDB items, so
a recovery code spent by two requests at once works for one of them only. STAFF_REQUIRE_2FA
sends staff without it to the enrol page after their password."""
from __future__ import annotations

from django.conf import settings
from django.db.models import F

from portal.errors import ConcurrentEdit, ServiceError
from portal.models import StaffTwoFactor
from portal.services.accounts import two_factor
from portal.services.compliance.audit import audit_record
from portal.services.accounts.two_factor import TwoFactorState


def _row(user) -> StaffTwoFactor:
    row, _ = StaffTwoFactor.objects.get_or_create(user=user)
    return row


def _state(row: StaffTwoFactor) -> TwoFactorState:
    return TwoFactorState(secret_encrypted=row.secret_encrypted, pending_encrypted=row.pending_encrypted,
                          last_step=row.last_step, recovery_hashes=list(row.recovery_hashes or []),
                          salt=f"staff:{row.user_id}")


def _save(row: StaffTwoFactor, state: TwoFactorState) -> None:
    updated = StaffTwoFactor.objects.filter(pk=row.pk, version=row.version).update(
        secret_encrypted=state.secret_encrypted, pending_encrypted=state.pending_encrypted,
        last_step=state.last_step, recovery_hashes=state.recovery_hashes, version=F("version") + 1)
    if not updated:
        raise ConcurrentEdit()
    row.refresh_from_db()


def _audit(user, action: str) -> None:
    audit_record(tenant_id=None, actor=user.get_username(), action=action, target_type="staff",
                 target_id=user.get_username(), staff=True)


def staff_two_factor_enabled(user) -> bool:
    return StaffTwoFactor.objects.filter(user=user, secret_encrypted__isnull=False).exists()


def staff_recovery_left(user) -> int:
    row = StaffTwoFactor.objects.filter(user=user).first()
    return len(row.recovery_hashes) if row else 0


def staff_two_factor_missing(user) -> bool:
    return bool(settings.STAFF_REQUIRE_2FA) and not staff_two_factor_enabled(user)


def _apply(user, rule, *, audit: str | None = None):
    """Load the staff account's state, apply one rule of two_factor (it raises to refuse,
    writing nothing) and save the result."""
    row = _row(user)
    state = _state(row)
    result = rule(state)
    _save(row, state)
    if audit:
        _audit(user, audit)
    return result


def staff_enrol_secret(*, user) -> str:
    return two_factor.state_pending_secret(_state(_row(user))) or _apply(user, two_factor.state_enrol_start)


def staff_enrol_restart(*, user) -> str:
    return _apply(user, two_factor.state_enrol_start)


def staff_enrol_confirm(*, user, code: str) -> list[str]:
    return _apply(user, lambda state: two_factor.state_enrol_confirm(state, code), audit="staff.2fa_enable")


def staff_code_accept(*, user, code: str, recovery_only: bool = False) -> str | None:
    """"totp" or "recovery" when the code is accepted (and spent), None otherwise."""
    row = _row(user)
    state = _state(row)
    used = two_factor.state_code_accept(state, code, recovery_only=recovery_only)
    if used is None:
        return None
    try:
        _save(row, state)
    except ConcurrentEdit:
        return None
    if used == "recovery":
        _audit(user, "staff.2fa_recovery_code_used")
    return used


def staff_recovery_regenerate(*, user, code: str) -> list[str]:
    return _apply(user, lambda state: two_factor.state_recovery_regenerate(state, code),
                  audit="staff.2fa_recovery_regenerate")


def staff_two_factor_disable(*, user, code: str) -> None:
    if settings.STAFF_REQUIRE_2FA:
        raise ServiceError("Staff accounts must use two-factor sign-in here (STAFF_REQUIRE_2FA).")
    _apply(user, lambda state: two_factor.state_disable(state, code), audit="staff.2fa_disable")


def staff_secrets_reencrypt(*, rewrite, dry_run: bool) -> tuple[int, int, int]:
    """(checked, rewritten, busy) over every staff row holding a secret; `rewrite(token)` gives
    the token under the newest key, or None when it is current already."""
    checked = rewritten = busy = 0
    for row in StaffTwoFactor.objects.exclude(secret_encrypted__isnull=True, pending_encrypted__isnull=True):
        checked += 1
        new_secret = rewrite(row.secret_encrypted) if row.secret_encrypted else None
        new_pending = rewrite(row.pending_encrypted) if row.pending_encrypted else None
        if new_secret is None and new_pending is None:
            continue
        if dry_run:
            rewritten += 1
            continue
        changes = {"version": F("version") + 1}
        if new_secret is not None:
            changes["secret_encrypted"] = new_secret
        if new_pending is not None:
            changes["pending_encrypted"] = new_pending
        if StaffTwoFactor.objects.filter(pk=row.pk, version=row.version).update(**changes):
            rewritten += 1
        else:
            busy += 1
    return checked, rewritten, busy


# --- the staff sign-in's code step ------------------------------------------------------------
SESSION_STAFF_CODE_PENDING = "_staff_2fa_pending"


def staff_sign_in_next_step(*, request, user) -> str:
    """After a correct password: "done" (signed in) or "code" (a short-lived marker, no login)."""
    from django.contrib.auth import login as django_login

    if not staff_two_factor_enabled(user):
        django_login(request, user)  # rotates the session key; STAFF_REQUIRE_2FA leads to enrolment
        return "done"
    request.session.cycle_key()
    request.session[SESSION_STAFF_CODE_PENDING] = two_factor.pending_marker(subject={
        "user_id": user.pk, "backend": user.backend, "auth": user.get_session_auth_hash()})
    return "code"


def staff_code_pending_user(session):
    from django.contrib.auth import get_user_model
    from django.utils.crypto import constant_time_compare

    marker = session.get(SESSION_STAFF_CODE_PENDING)
    if not two_factor.pending_marker_valid(marker):
        return None
    user = get_user_model().objects.filter(pk=marker.get("user_id")).first()
    if user is None or not (user.is_active and user.is_staff) or \
            not constant_time_compare(marker.get("auth", ""), user.get_session_auth_hash()):
        return None
    user.backend = marker.get("backend")
    return user


def _bound_reached_notify(user, until) -> None:
    from portal.services.accounts.auth import code_bound_email

    _audit(user, "staff.2fa_daily_bound_reached")
    if user.email:
        code_bound_email(to=user.email, until=until,
                         reset_hint="Ask another staff member to set you a new password (or run "
                                    "`python manage.py changepassword` on the server).")


def staff_code_sign_in(*, request, code: str, ip: str):
    """The code step for staff, throttled like their password; LoginRefused when refused."""
    from django.contrib.auth import login as django_login

    from portal.errors import LoginRefused
    from portal.services.accounts.auth import CODE_STEP_EXPIRED, STAFF_CODE, code_step_check

    user = staff_code_pending_user(request.session)
    if user is None:
        raise LoginRefused(CODE_STEP_EXPIRED)
    code_step_check(kind=STAFF_CODE, account=user.get_username().lower(), ip=ip, password_hash=user.password,
                    accept=lambda recovery_only: staff_code_accept(user=user, code=code, recovery_only=recovery_only),
                    on_bound_reached=lambda until: _bound_reached_notify(user, until))
    request.session.pop(SESSION_STAFF_CODE_PENDING, None)
    django_login(request, user, backend=user.backend)
    return user
