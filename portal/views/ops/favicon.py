"""/favicon.ico: browsers ask for it whatever a page links; the icon is one SVG in static/."""
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(static("favicon.svg"))
