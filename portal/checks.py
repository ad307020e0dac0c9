"""System checks for production safety: development secrets never run outside DEBUG.

`check_development_secrets` runs with every command while DEBUG is off (migrate, the release
step) and with `check --deploy` always, so a deploy gate fails on a copied .env.example."""
from django.conf import settings
from django.core.checks import Error, Tags, register

_SECRETS = {
    "DJANGO_SECRET_KEY": lambda: [settings.SECRET_KEY],
    "FIELD_ENCRYPTION_KEYS": lambda: list(settings.FIELD_ENCRYPTION_KEYS),
}


def _development_secret_errors() -> list[Error]:
    development = set(settings.DEVELOPMENT_SECRETS)
    return [
        Error(f"{name} uses a development value that is published in the source code.",
              hint=f"Generate a new value for {name} (see .env.example) and keep it out of version control.",
              id="formbridge.E001")
        for name, values in _SECRETS.items() if development.intersection(values())
    ]


@register(Tags.security)
def check_development_secrets(app_configs=None, **kwargs) -> list[Error]:
    return [] if settings.DEBUG else _development_secret_errors()


@register(Tags.security, deploy=True)
def check_development_secrets_deploy(app_configs=None, **kwargs) -> list[Error]:
    return _development_secret_errors() if settings.DEBUG else []  # the other check covers DEBUG off
