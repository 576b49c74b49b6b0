"""Rendering messages from templates (chalicelib.mail.adapters.render)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib.mail.adapters.render import (
    Rendered,
    RenderError,
    render,
    template_names,
)

SECRET_NAME = "Siân Confidential-Name"
SECRET_EMAIL = "sian.confidential@cardiff.gov.uk"
UNSUBSCRIBE = "https://partnerships.test/api/email/unsubscribe?token=abc-DEF_123"


def service_test_context(**overrides: Any) -> dict[str, Any]:
    """Every variable service_test needs, stated explicitly."""
    context: dict[str, Any] = {
        "recipient_name": SECRET_NAME,
        "recipient_email": SECRET_EMAIL,
        "requested_at": "2026-01-05T14:30:00+00:00",
        "has_invitation": False,
    }
    context.update(overrides)
    return context


# Complete contexts for every shipped template; a new template without an entry here fails the test below.
def _workshop_context(**extra: Any) -> dict[str, Any]:
    return {"name": "Sam Taylor", "title": "Working together", "sessions": ["Monday 1 March 2027, 09:30 to 16:30"],
            "venue": "Civic Centre", "online_url": "", **extra}


CONTEXTS: dict[str, dict[str, Any]] = {
    "service_test": service_test_context(),
    "workshop_confirmation": _workshop_context(),
    "workshop_waiting": _workshop_context(position=3),
    "workshop_promoted": _workshop_context(decline_url="https://partnerships.test/decline?token=x"),
    "workshop_changed": _workshop_context(confirmed=True),
    "workshop_cancelled": _workshop_context(confirmed=False),
    "registration_cancelled": _workshop_context(reason="substituted"),
    "workshop_left_waiting_list": _workshop_context(),
    "workshop_not_placed": _workshop_context(),
    "workshop_reminder": _workshop_context(when="tomorrow"),
    "workshop_feedback_request": _workshop_context(feedback_url="https://partnerships.test/feedback?token=x"),
}


class _Html(HTMLParser):
    """Collects the <html lang>, the <title> text and the hrefs of links."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.title = ""
        self.hrefs: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse_html(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


# --- the service test message -------------------------------------------------------------------------------------

def test_service_test_renders_subject_text_and_html() -> None:
    rendered = render("service_test", service_test_context())

    assert isinstance(rendered, Rendered)
    assert rendered.subject == "Test message from the partnerships service"
    assert SECRET_NAME in rendered.text and SECRET_EMAIL in rendered.text
    assert SECRET_NAME in rendered.html and SECRET_EMAIL in rendered.html
    assert "2026-01-05T14:30:00+00:00" in rendered.text


def test_subject_is_a_single_line_without_surrounding_whitespace() -> None:
    subject = render("service_test", service_test_context()).subject

    assert "\n" not in subject and "\r" not in subject
    assert subject == subject.strip()
    assert "  " not in subject


def test_invitation_sentence_only_when_has_invitation() -> None:
    without = render("service_test", service_test_context(has_invitation=False))
    with_invite = render("service_test", service_test_context(has_invitation=True))

    assert "calendar invitation is attached" not in without.text
    assert "calendar invitation is attached" not in without.html
    assert "calendar invitation is attached" in with_invite.text
    assert "calendar invitation is attached" in with_invite.html


def test_html_is_autoescaped_but_text_is_verbatim() -> None:
    script = "<script>alert(1)</script>"
    rendered = render("service_test", service_test_context(recipient_name=script))

    assert script not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert script in rendered.text


def test_attribute_breaking_characters_are_escaped_in_html() -> None:
    rendered = render("service_test", service_test_context(recipient_name='O\'Brien "&" <b>'))

    assert '"&"' not in rendered.html and "<b>" not in rendered.html
    assert "&amp;" in rendered.html and "&lt;b&gt;" in rendered.html
    assert 'O\'Brien "&" <b>' in rendered.text


# --- errors -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["recipient_name", "recipient_email", "requested_at", "has_invitation"])
def test_missing_variable_is_named_and_no_value_leaks(missing: str) -> None:
    context = service_test_context()
    del context[missing]

    with pytest.raises(RenderError) as info:
        render("service_test", context)

    assert info.value.reason == f"missing_variable:{missing}"
    message = str(info.value)
    for value in context.values():
        if isinstance(value, str):
            assert value not in message
    assert "Siân" not in message and "confidential" not in message.lower()


def test_missing_variable_error_does_not_chain_jinja_internals() -> None:
    context = service_test_context()
    del context["recipient_name"]

    with pytest.raises(RenderError) as info:
        render("service_test", context)

    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_unknown_template_is_a_render_error() -> None:
    with pytest.raises(RenderError) as info:
        render("no_such_message", service_test_context())

    assert info.value.reason.startswith("template_not_found:")
    assert "no_such_message" in info.value.reason
    assert SECRET_NAME not in str(info.value)


# --- every shipped template ---------------------------------------------------------------------------------------

def test_template_names_lists_service_test_and_no_partials() -> None:
    names = template_names()

    assert "service_test" in names
    assert names == sorted(names)
    assert not any(name.startswith("_") for name in names)


def test_every_template_has_a_context_in_this_file() -> None:
    assert set(template_names()) <= set(CONTEXTS), "add a complete context for each new template to CONTEXTS"


@pytest.mark.parametrize("name", template_names())
def test_every_template_renders_with_a_complete_context(name: str) -> None:
    rendered = render(name, CONTEXTS[name])

    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip()
    page = parse_html(rendered.html)
    assert page.lang == "en"
    assert page.title.strip()
    assert re.search(r"<title>[^<]+</title>", rendered.html)


# --- optional mail: the unsubscribe footer ------------------------------------------------------------------------

def test_no_unsubscribe_link_without_unsubscribe_url() -> None:
    rendered = render("service_test", service_test_context())

    assert "unsubscribe" not in rendered.html.lower()
    assert "unsubscribe" not in rendered.text.lower()
    assert "To stop getting these emails" not in rendered.text


def test_unsubscribe_link_in_html_footer_when_unsubscribe_url_given() -> None:
    rendered = render("service_test", service_test_context(unsubscribe_url=UNSUBSCRIBE))

    page = parse_html(rendered.html)
    assert UNSUBSCRIBE in page.hrefs, "the layout must render unsubscribe_url as a link (optional mail)"
    footer = rendered.html[rendered.html.index("<footer"):rendered.html.index("</footer>")]
    assert UNSUBSCRIBE in footer


def test_unsubscribe_url_in_text_part_when_given() -> None:
    rendered = render("service_test", service_test_context(unsubscribe_url=UNSUBSCRIBE))

    assert UNSUBSCRIBE in rendered.text


def test_unsubscribe_url_is_escaped_in_the_href() -> None:
    url = 'https://partnerships.test/api/email/unsubscribe?token=a&x="><script>'
    rendered = render("service_test", service_test_context(unsubscribe_url=url))

    assert '"><script>' not in rendered.html
    assert url in parse_html(rendered.html).hrefs  # the parser unescapes the attribute back to the URL
