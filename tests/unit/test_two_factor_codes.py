"""The code rules of two-factor sign-in (portal/services/accounts/two_factor.py), without a store:
any input is either the right code for a fresh step, an unused recovery code, or refused;
nothing raises."""
import pyotp
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from portal.services.accounts import two_factor
from portal.services.accounts.two_factor import TwoFactorRefused, TwoFactorState

T0 = 1_800_000_000.0


def _enabled_state(monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: T0)
    state = TwoFactorState(salt="user-1")
    secret = two_factor.state_enrol_start(state)
    codes = two_factor.state_enrol_confirm(state, pyotp.TOTP(secret).at(T0))
    return state, secret, codes


def test_codes_of_the_neighbouring_steps_count_once_and_older_steps_never(monkeypatch):
    state, secret, _ = _enabled_state(monkeypatch)
    totp = pyotp.TOTP(secret)
    assert two_factor.state_code_accept(state, totp.at(T0)) is None  # used to confirm
    assert two_factor.state_code_accept(state, totp.at(T0 + 30)) == "totp"  # one step ahead: clock drift
    assert two_factor.state_code_accept(state, totp.at(T0 + 30)) is None
    assert two_factor.state_code_accept(state, totp.at(T0 + 60)) is None  # two steps ahead: too far


def test_confirming_needs_the_pending_secret(monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: T0)
    with pytest.raises(TwoFactorRefused, match="Start the set-up again"):
        two_factor.state_enrol_confirm(TwoFactorState(salt="u"), "123456")


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_other_input_is_refused_and_changes_nothing(code):
    with pytest.MonkeyPatch.context() as monkeypatch:
        state, secret, recovery = _enabled_state(monkeypatch)
        totp = pyotp.TOTP(secret)
        valid = {totp.at(T0 + 30), totp.at(T0 - 30)} | {c.replace("-", "") for c in recovery}
        before = (state.last_step, list(state.recovery_hashes))
        used = two_factor.state_code_accept(state, code)
        if "".join(code.split()).replace("-", "").lower() in valid:
            assert used is not None
        else:
            assert used is None and (state.last_step, state.recovery_hashes) == before
