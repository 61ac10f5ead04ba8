"""Texts of django-import-export (the lists' CSV and XLSX import and export) whose German
addresses the reader as "du"; the console says "Sie" everywhere. Django reads the project's
catalogue (LOCALE_PATHS) before the apps' own, so the console's German of these texts wins;
they are listed here so that ``makemessages`` keeps them in that catalogue."""

from __future__ import annotations

from django.utils.translation import gettext_noop

IMPORT_EXPORT_TEXTS = (
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct "
        "format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the "
        "form above."
    ),
)
