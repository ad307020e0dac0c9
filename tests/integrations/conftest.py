"""The vendors' local fakes, and settings that point the integrations at them (DEBUG is on in
the tests, the only way INTEGRATION_BASE_URLS is honoured)."""
import pytest

from tests.integrations.fakes import Fakes


@pytest.fixture
def fakes(settings):
    running = Fakes()
    settings.INTEGRATION_BASE_URLS = running.bases()
    yield running
    running.stop()


def chat_url(fakes, kind: str) -> str:
    """A webhook URL of the vendor's documented shape, on the local fake."""
    return {
        "SLACK": f"{fakes.base}/slack/services/T000AAA/B000BBB/XXXXXXXXXXXXXXXXXXXXXXXX",
        "DISCORD": f"{fakes.base}/discord/api/webhooks/123456789012345678/tok-en_ABC",
        "GOOGLE_CHAT": f"{fakes.base}/gchat/v1/spaces/AAAAxyz/messages?key=AIzaKEY&token=TOKEN%3D",
        "TEAMS": f"{fakes.base}/teams/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SIG",
    }[kind]
