"""The one Django app; configures the DynamoDB models from settings once Django is ready."""
from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from portal import checks  # noqa: F401  (registers the production-safety checks)
        from portal.delivery.health import destination_health_changed
        from portal.dynamo import registry
        from portal.services.delivery_setup.notices import on_destination_health_changed

        # Account notices hear of destination health changes (delivery does not import services).
        destination_health_changed.connect(on_destination_health_changed, dispatch_uid="account-notices")

        registry.configure(
            prefix=settings.DYNAMODB_TABLE_PREFIX,
            host=settings.DYNAMODB_ENDPOINT_URL,
            region=settings.AWS_REGION,
        )
