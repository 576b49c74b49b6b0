"""The page behind the unsubscribe link in optional emails (RFC 8058 one-click unsubscribe).

The link opens a page (GET) that says what unsubscribing does and changes nothing (mail scanners follow links),
with a button that POSTs to the same URL. A mail client's one-click unsubscribe POSTs the same URL with the body
``List-Unsubscribe=One-Click``: any body is ignored, the signed token in the path is the authority. Whoever holds
the link is told only what happened, never the address.
"""

from __future__ import annotations

from chalice import Response

from chalicelib.core.errors import DomainError
from chalicelib.core.http.endpoint import ApiCall, endpoint
from chalicelib.core.http.pages import HTML, error_page, page
from chalicelib.mail.schemas import UnsubscribeLinkPath
from chalicelib.mail.services import email as service

TAG = "Links in emails"


@endpoint(tag=TAG, summary="Page: unsubscribe",
          description="What the unsubscribe link in an optional email opens: says what unsubscribing does, with a "
                      "button that unsubscribes. Opening it changes nothing.", path_model=UnsubscribeLinkPath,
          errors=(400,), response_content_type=HTML)
def unsubscribe_page(call: ApiCall[UnsubscribeLinkPath, None, None]) -> Response:
    """Describe the unsubscribe."""
    try:
        service.describe_unsubscribe(call.path.token)
    except DomainError as exc:
        return error_page(exc)
    return page("Stop these emails", "You will no longer get emails of this kind from the Cafcass and ADCS "
                "partnerships service. Emails about your own registrations still reach you.",
                button="Stop these emails")


@endpoint(tag=TAG, summary="One-click unsubscribe (RFC 8058)",
          description="The page's button, and the target of the List-Unsubscribe header: mail clients POST "
                      "`List-Unsubscribe=One-Click` here. Any body is ignored.", path_model=UnsubscribeLinkPath,
          errors=(400,), response_content_type=HTML)
def unsubscribe_from_page(call: ApiCall[UnsubscribeLinkPath, None, None]) -> Response:
    """Unsubscribe."""
    try:
        service.unsubscribe(call.path.token)
    except DomainError as exc:
        return error_page(exc)
    return page("You have unsubscribed", "You will not get these emails again.")
