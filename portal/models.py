"""The one SQL model: staff accounts' two-factor state, kept beside Django's staff accounts
(django.contrib.auth) because it is part of the account: deleting a staff user deletes it,
and the SQL database already holds exactly the staff accounts (business data stays in
DynamoDB). Tenant users keep the same state on their DynamoDB item (portal/dynamo/users.py)."""
from django.conf import settings
from django.db import models


class StaffTwoFactor(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor")
    secret_encrypted = models.TextField(null=True, blank=True)  # Fernet (portal.crypto)
    pending_encrypted = models.TextField(null=True, blank=True)  # enrolment not yet confirmed
    last_step = models.BigIntegerField(default=0)  # the newest 30 s step used: a code works once
    recovery_hashes = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=0)  # optimistic lock, like VersionAttribute

    class Meta:
        verbose_name = "staff two-factor state"
