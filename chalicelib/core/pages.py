"""One page of a listing, whatever it lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some items and the opaque cursor of the next page (``None`` at the end)."""

    items: list[T]
    next_cursor: str | None
