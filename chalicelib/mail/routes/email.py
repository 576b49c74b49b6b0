"""Routes of the email subsystem: test message, message status, suppressions, one-click unsubscribe."""

from __future__ import annotations

from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.core.http.schemas import PageQuery
from chalicelib.mail.schemas import (
    MessageOut,
    MessagePath,
    QueuedOut,
    RetriedOut,
    RetryFailedRequest,
    SuppressionOut,
    SuppressionPage,
    SuppressionPath,
    TestEmailRequest,
    UnsubscribeOut,
    UnsubscribeQuery,
)
from chalicelib.mail.services import email as service

TAG = "Email"


@endpoint(tag=TAG,
          summary="Send yourself a test email",
          description="Queues a test message to the address in your token, optionally with a calendar "
                      "invitation, or as optional mail with one-click unsubscribe. Follow it with "
                      "GET /email/messages/{message_id}.", body_model=TestEmailRequest, response_model=QueuedOut,
          status=202)
def send_test_email(call: ApiCall[None, None, TestEmailRequest]) -> QueuedOut:
    """Queue a test email."""
    message_id = service.send_test_email(call.signed_in, call.body.with_invitation, call.body.optional)
    return QueuedOut(message_id=message_id)


@endpoint(tag=TAG, summary="Follow a message",
          path_model=MessagePath, response_model=MessageOut, errors=(404,))
def get_message(call: ApiCall[MessagePath, None, None]) -> MessageOut:
    """Where a message is."""
    view = service.get_message(call.signed_in, call.path.message_id)
    return MessageOut(**view.__dict__)


@endpoint(tag=TAG, summary="Send a failed message again",
          description="Gives a failed message back to the outbox, due now, with a fresh retry horizon. "
                      "A suppressed recipient is still not sent to.",
          path_model=MessagePath, response_model=MessageOut, status=202, errors=(404, 409))
def retry_message(call: ApiCall[MessagePath, None, None]) -> MessageOut:
    """Re-drive one failed message."""
    view = service.retry_message(call.signed_in, call.path.message_id)
    return MessageOut(**view.__dict__)


@endpoint(tag=TAG, summary="Send again every message failed since a time",
          description="Gives up to 500 messages failed at or after `failed_since` back to the outbox, oldest "
                      "failure first; `more` says whether to send the same request again.",
          body_model=RetryFailedRequest, response_model=RetriedOut, status=202)
def retry_failed(call: ApiCall[None, None, RetryFailedRequest]) -> RetriedOut:
    """Re-drive failed messages."""
    done = service.retry_failed_since(call.signed_in, call.body.failed_since)
    return RetriedOut(requeued=len(done.message_ids), message_ids=done.message_ids, more=done.more)


@endpoint(tag=TAG, summary="List suppressed addresses",
          description="Addresses mail is not sent to, after a permanent bounce, a complaint or an unsubscribe; "
                      "newest first.", query_model=PageQuery, response_model=SuppressionPage)
def list_suppressions(call: ApiCall[None, PageQuery, None]) -> SuppressionPage:
    """List suppressions."""
    page = service.list_suppressions(call.signed_in, call.query.limit, call.query.cursor)
    return SuppressionPage(items=[SuppressionOut(**s.__dict__) for s in page.items], next_cursor=page.next_cursor)


@endpoint(tag=TAG, summary="Remove a suppression",
          path_model=SuppressionPath, status=204, errors=(404,))
def remove_suppression(call: ApiCall[SuppressionPath, None, None]) -> Reply:
    """Lift a suppression."""
    service.remove_suppression(call.signed_in, call.path.id)
    return Reply(None, status=204)


@endpoint(tag=TAG, summary="One-click unsubscribe",
          description="The target of the List-Unsubscribe header (RFC 8058): mail clients POST "
                      "`List-Unsubscribe=One-Click` here. The signed token is the authority; any body is ignored.",
          query_model=UnsubscribeQuery, response_model=UnsubscribeOut, errors=(400,))
def unsubscribe(call: ApiCall[None, UnsubscribeQuery, None]) -> UnsubscribeOut:
    """Unsubscribe."""
    list_id = service.unsubscribe(call.query.token)
    return UnsubscribeOut(list_id=list_id, unsubscribed=True, message="You will not get these emails again.")


@endpoint(tag=TAG, summary="Check an unsubscribe link",
          description="Does not unsubscribe (link scanners follow links): POST to the same URL to confirm.",
          query_model=UnsubscribeQuery, response_model=UnsubscribeOut, errors=(400,))
def describe_unsubscribe(call: ApiCall[None, UnsubscribeQuery, None]) -> UnsubscribeOut:
    """Check an unsubscribe link."""
    list_id = service.describe_unsubscribe(call.query.token)
    return UnsubscribeOut(list_id=list_id, unsubscribed=False,
                          message="Send a POST request to this same address to stop these emails.")
