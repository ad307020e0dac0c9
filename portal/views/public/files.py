"""Downloads through signed links (issue 13). The link is the credential (webhook receivers
have no session), so it is short-lived for the portal and FILES_WEBHOOK_LINK_SECONDS for
deliveries; a forged link or a file that is gone is 404, an expired link 410. Files are always
attachments of type application/octet-stream with nosniff and a sandboxing CSP: nothing a
submitter uploaded is ever rendered from the portal's origin."""
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from portal.files.links import DOWNLOAD_TYPE, LinkExpired, LinkSuspended, file_link_open, file_open, file_redirect_url


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def file_download(request, token):
    try:
        opened = file_link_open(token=token)
    except LinkExpired:
        return _harden(HttpResponse("This download link has expired. Open the submission in Form-Bridge (or ask "
                                    "for the delivery to be re-sent) to get a new link.", status=410,
                                    content_type="text/plain; charset=utf-8"))
    except LinkSuspended:
        return _harden(HttpResponse("The Form-Bridge account these files belong to is suspended, so its files cannot "
                                    "be downloaded.", status=403, content_type="text/plain; charset=utf-8"))
    presigned = file_redirect_url(opened.stored)
    if presigned:
        return _harden(HttpResponseRedirect(presigned))
    response = FileResponse(file_open(opened.stored), as_attachment=True, filename=opened.stored.name,
                            content_type=DOWNLOAD_TYPE)
    return _harden(response)
