"""Every capability's personal-data map (see ``chalicelib.core.personal_data``), for subject access and
erasure; like ``chalicelib.tables``, no Lambda route imports it at cold start."""

from __future__ import annotations

from chalicelib.core.personal_data import PersonalDataMap


def all_maps() -> list[PersonalDataMap]:
    """The map of each capability that holds personal data."""
    from chalicelib.mail.personal_data import MAP as MAIL
    from chalicelib.workshops.personal_data import MAP as WORKSHOPS

    return [MAIL, WORKSHOPS]
