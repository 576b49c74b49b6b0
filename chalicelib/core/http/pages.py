"""Small HTML pages for the people who open a link from an email (decline a place, give feedback, unsubscribe).

GOV.UK style, kept to what a link needs: the system font stack, one heading, a paragraph, and at most one
form whose button POSTs the action to the page's own URL (the form has no ``action``, so it posts back to the
URL it was served from, whatever prefix the gateway adds). Opening the page changes nothing, so mail scanners
that fetch links cannot act for people. No JavaScript; the page reads the same without its stylesheet. Every
value is escaped. The page says only what the action is and how it went: never a name, address or job title.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape

from chalice import Response

from chalicelib.core.errors import DomainError
from chalicelib.core.http.errors import status_for

HTML = "text/html; charset=utf-8"

_STYLE = (
    "body{margin:0;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;font-size:19px;"
    "line-height:1.4;color:#0b0c0c;background:#fff}"
    "header{background:#0b0c0c;color:#fff;padding:10px 15px;font-weight:700}"
    "main{max-width:640px;margin:0 auto;padding:30px 15px}"
    "h1{font-size:32px;line-height:1.1;margin:0 0 20px}"
    "p{margin:0 0 20px}"
    "fieldset{border:0;margin:0 0 20px;padding:0}legend{font-weight:700;margin-bottom:10px}"
    "label{display:block;margin:5px 0}textarea{width:100%;font:inherit;border:2px solid #0b0c0c;box-sizing:border-box}"
    "button{font:inherit;font-weight:400;color:#fff;background:#00703c;border:0;border-bottom:2px solid #002d18;"
    "padding:8px 12px;cursor:pointer}"
    "button:focus,input:focus,textarea:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
# Only this page's own stylesheet; forms post back to this origin only; nothing else loads.
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")

_TITLES = {400: "This link does not work", 404: "This link does not work", 409: "This cannot be done now",
           403: "This cannot be done with this link", 422: "This link does not work"}


def page(title: str, text: str, *, button: str | None = None, fields: str = "", status: int = 200) -> Response:
    """A page with ``title`` as its heading, one paragraph, and (with ``button``) a form that POSTs back here.

    ``fields`` is HTML made by :func:`radios` and :func:`textarea` (already escaped)."""
    form = ""
    if button:
        form = (f'<form method="post" accept-charset="utf-8">{fields}'
                f'<button type="submit">{escape(button)}</button></form>')
    body = ('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">'
            f"<title>{escape(title)} - Cafcass and ADCS partnerships</title><style>{_STYLE}</style></head>"
            "<body><header>Cafcass and ADCS partnerships</header>"
            f"<main><h1>{escape(title)}</h1><p>{escape(text)}</p>{form}</main></body></html>")
    return Response(body=body, status_code=status, headers={
        "Content-Type": HTML, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store"})


def error_page(exc: DomainError) -> Response:
    """The page for a refused link: the same status and message as the JSON error, for a person."""
    status = status_for(exc)
    return page(_TITLES.get(status, "Something went wrong"), exc.message, status=status)


def radios(name: str, legend: str, options: Sequence[tuple[str, str]]) -> str:
    """A required choice of one option (value, label)."""
    items = "".join(f'<label><input type="radio" name="{escape(name)}" value="{escape(value)}" required> '
                    f"{escape(label)}</label>" for value, label in options)
    return f"<fieldset><legend>{escape(legend)}</legend>{items}</fieldset>"


def textarea(name: str, label: str, max_length: int) -> str:
    """An optional free-text answer."""
    return (f'<label for="{escape(name)}">{escape(label)}</label>'
            f'<p><textarea id="{escape(name)}" name="{escape(name)}" rows="5" maxlength="{max_length}"></textarea></p>')
