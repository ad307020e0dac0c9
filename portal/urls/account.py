"""The tenant's account pages; joined to the "portal" namespace at the end of portal/urls/portal.py."""
from django.urls import path

from portal.views.portal import account, api_tokens, team, two_factor
from portal.views.public import verification

urlpatterns = [
    path("account/", account.account, name="account"),
    path("account/profile/", account.profile_edit, name="profile_edit"),
    path("account/plan/", account.plan, name="plan"),
    path("account/verify/resend/", verification.verify_resend, name="verify_resend"),
    path("account/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("account/api-tokens/revoke/", api_tokens.api_token_revoke_view, name="api_token_revoke"),
    path("account/api-tokens/<str:token_id>/", api_tokens.api_token_created, name="api_token_created"),
    path("account/notices/", api_tokens.notice_settings, name="notice_settings"),
    path("account/team/", team.team, name="team"),
    path("account/team/two-factor/", two_factor.team_two_factor_require, name="team_two_factor"),
    path("account/two-factor/", two_factor.two_factor_page, name="two_factor"),
    path("account/two-factor/restart/", two_factor.two_factor_restart, name="two_factor_restart"),
    path("account/two-factor/recovery-codes/", two_factor.two_factor_recovery, name="two_factor_recovery"),
    path("account/two-factor/disable/", two_factor.two_factor_disable, name="two_factor_disable"),
    path("account/team/<str:user_id>/remove/", team.team_member_remove, name="team_member_remove"),
    path("account/team/<str:user_id>/role/", team.team_member_role, name="team_member_role"),
]
