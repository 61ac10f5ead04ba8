"""``makemessages`` that also collects the templates of stored sentences.

A sentence stored for later readers is written ``Text("… {name} …", name=value)``
(connector/texts.py); its template is the text to translate, so ``Text`` is one more keyword
for xgettext, like ``gettext_noop``. Django documents overriding ``xgettext_options`` in a
command of one's own for this.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=Text"]
