"""Rendering messages from Jinja2 templates: a subject, a plain-text part and an HTML part.

Each message ``name`` has three files in a capability's ``templates/`` folder: ``name.subject.txt``,
``name.txt`` and ``name.html`` (which extends the shared ``_layout.html`` of ``mail/templates``).
Templates are found by folder, not by import: the mail capability never imports the others. Undefined
variables are errors (no silent blanks) and HTML is autoescaped. Jinja2 is
imported on first use: only the sender needs it, not every cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHALICELIB = Path(__file__).resolve().parents[2]
TEMPLATES = CHALICELIB / "mail" / "templates"


def template_dirs() -> list[Path]:
    """The shared layout's folder first, then every capability's ``templates/`` folder."""
    return [TEMPLATES, *sorted(p for p in CHALICELIB.glob("*/templates") if p != TEMPLATES)]


class RenderError(Exception):
    """A template is missing or a variable it needs was not given. ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendered:
    """A message ready to be put in an email."""

    subject: str
    text: str
    html: str


_env: Any = None


def _environment() -> Any:
    global _env
    if _env is None:
        from jinja2 import (
            Environment,
            FileSystemLoader,
            StrictUndefined,
            select_autoescape,
        )

        _env = Environment(loader=FileSystemLoader([str(d) for d in template_dirs()]), undefined=StrictUndefined,
                           autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
                           keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    return _env


def render(name: str, context: dict[str, Any]) -> Rendered:
    """Render message ``name`` with ``context``; ``RenderError`` names the missing piece, never a value."""
    from jinja2 import TemplateNotFound, UndefinedError

    env = _environment()
    try:
        subject = env.get_template(f"{name}.subject.txt").render(context)
        text = env.get_template(f"{name}.txt").render(context)
        html = env.get_template(f"{name}.html").render(context)
    except TemplateNotFound as exc:
        raise RenderError(f"template_not_found:{exc.name}") from None
    except UndefinedError as exc:
        # Jinja's message is "'name' is undefined": a variable name, not personal data.
        raise RenderError(f"missing_variable:{str(exc).split(chr(39))[1] if chr(39) in str(exc) else 'unknown'}") \
            from None
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def template_names() -> list[str]:
    """Every message template shipped (used by tests to render each one)."""
    return sorted(p.name[: -len(".subject.txt")] for d in template_dirs() for p in d.glob("*.subject.txt"))
