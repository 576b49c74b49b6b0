"""The pages behind the links in workshop emails: decline a place offered from the waiting list, give feedback.

Each link opens a page (GET) that describes the action and changes nothing, with a button that POSTs it
back to the same URL: a mail scanner that follows links cannot decline a place for someone. The token is
the path's last segment. Whoever holds a link is told only what happened, never who it was for.
Separate ``/links/...`` routes rather than content negotiation on the JSON routes: a link must open in
any mail client's browser whatever it sends as ``Accept``, and the JSON routes keep their contract.
"""

from __future__ import annotations

from chalice import Response

from chalicelib.core.errors import DomainError
from chalicelib.core.http.endpoint import FORM, ApiCall, endpoint
from chalicelib.core.http.pages import HTML, error_page, page, radios, textarea
from chalicelib.workshops.schemas.links import FeedbackForm, LinkPath
from chalicelib.workshops.services import attendance
from chalicelib.workshops.services import cancel as cancel_service

TAG = "Links in emails"
RATINGS = (("5", "5: excellent"), ("4", "4: good"), ("3", "3: fair"), ("2", "2: poor"), ("1", "1: very poor"))
CHANGED = (("yes", "Yes"), ("no", "No"), ("not_yet", "Not yet"))


@endpoint(tag=TAG, summary="Page: give back a place",
          description="What the decline link in a promotion email opens: says what declining does, with a button "
                      "that declines. Opening it changes nothing.", path_model=LinkPath, errors=(400, 404, 409),
          response_content_type=HTML)
def decline_page(call: ApiCall[LinkPath, None, None]) -> Response:
    """Describe the decline."""
    try:
        title = cancel_service.decline_offer(call.path.token)
    except DomainError as exc:
        return error_page(exc)
    return page("Give back your place", f"You were offered a place at \u201c{title}\u201d from the waiting list. "
                "If you cannot come, give the place back so that the next person waiting can have it. "
                "This cannot be undone.", button="Give back my place")


@endpoint(tag=TAG, summary="Page: place given back",
          description="The decline page's button: gives the place back (the same rules as the JSON decline route).",
          path_model=LinkPath, errors=(400, 404, 409), response_content_type=HTML)
def decline_from_page(call: ApiCall[LinkPath, None, None]) -> Response:
    """Decline."""
    try:
        cancel_service.decline_by_link(call.path.token)
    except DomainError as exc:
        return error_page(exc)
    return page("You have given back your place", "Thank you for letting us know. The place goes to the next "
                "person waiting. You will get an email confirming this.")


@endpoint(tag=TAG, summary="Page: feedback form",
          description="What the feedback link opens: a short form (rating, whether it changed your practice, an "
                      "optional comment). Opening it changes nothing.", path_model=LinkPath, errors=(400, 404),
          response_content_type=HTML)
def feedback_page(call: ApiCall[LinkPath, None, None]) -> Response:
    """The feedback form."""
    try:
        info = attendance.feedback_invitation(call.path.token)
    except DomainError as exc:
        return error_page(exc)
    if info.already_given:
        return page("Thank you", "You have already given feedback on this workshop.")
    fields = (radios("rating", "How useful was the workshop?", RATINGS)
              + radios("changed_practice", "Has it changed your practice?", CHANGED)
              + textarea("comment", "Anything else you want to tell us (optional)", 2000))
    return page("Tell us how the workshop went", f"Your feedback on \u201c{info.workshop_title}\u201d helps us "
                "plan the next workshops. It is read without your name.", button="Send feedback", fields=fields)


@endpoint(tag=TAG, summary="Page: feedback sent",
          description="The feedback form's button (form-encoded, posted to the page's own URL).",
          path_model=LinkPath, body_model=FeedbackForm, body_content_type=FORM, errors=(400, 403, 404, 409),
          response_content_type=HTML)
def feedback_from_page(call: ApiCall[LinkPath, None, FeedbackForm]) -> Response:
    """Store the feedback."""
    b = call.body
    try:
        attendance.give_feedback(call.path.token, int(b.rating), b.changed_practice, b.comment)
    except DomainError as exc:
        return error_page(exc)
    return page("Thank you for your feedback", "We have your answers. You do not need to do anything else.",
                status=201)
