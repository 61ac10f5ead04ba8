#!/usr/bin/env bash
# Extract the console's texts and fill in their German translations.
#
#   scripts/merge_translations.sh [SNIPPET.po ...]
#
# 1. manage.py makemessages collects every translatable text of the project (Python code and
#    templates; not the tests, benchmarks, docs or the virtual environment) into
#    locale/de/LC_MESSAGES/django.po and locale/en/LC_MESSAGES/django.po. Texts are written in
#    English, so the English catalogue needs no translations.
# 2. msgmerge --compendium fills the German catalogue: first with the translations it already
#    has, then from each snippet given on the command line, in that order (the first
#    translation found for a text wins). A snippet is a .po file of German translations.
# 3. Texts still without a German translation are listed; `make messages` then compiles the
#    catalogues (compilemessages) and tests/connector/test_translations.py fails while any
#    German translation is missing or fuzzy.
#
# Needs GNU gettext (xgettext, msgmerge, msgattrib, msgfmt). PY names the Python to run
# manage.py with (default: .venv/bin/python if present, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PY:-}" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi

for snippet in "$@"; do
    msgfmt --check-format -o /dev/null "$snippet"  # refuse a broken snippet before anything changes
done

"$PY" manage.py makemessages -l de -l en --add-location=file --no-obsolete \
    --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs --ignore=staticfiles

catalogue=locale/de/LC_MESSAGES/django.po
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Only real translations may serve as a compendium: an empty or fuzzy entry there would hide
# a snippet's translation of the same text.
# (msgattrib writes no file when nothing is translated yet.)
msgattrib --translated --no-fuzzy --no-obsolete -o "$work/kept.po" "$catalogue"
compendia=()
if [ -f "$work/kept.po" ]; then
    compendia+=(--compendium="$work/kept.po")
fi
for snippet in "$@"; do
    compendia+=(--compendium="$snippet")
done
# An empty old catalogue and the extracted one as reference: every text comes out once, with
# the first translation the compendia have for it.
msgmerge --quiet --no-fuzzy-matching --add-location=file "${compendia[@]}" \
    -o "$work/merged.po" /dev/null "$catalogue"
mv "$work/merged.po" "$catalogue"

missing=$(msgattrib --untranslated --no-obsolete "$catalogue" | grep -c '^msgid ' || true)
# The header is an entry without translation of its own: more than one is a missing text.
if [ "$missing" -gt 1 ]; then
    echo "$((missing - 1)) text(s) without a German translation in $catalogue:" >&2
    msgattrib --untranslated --no-obsolete "$catalogue" | grep -A1 '^msgid ' | grep -v '^msgid ""$' >&2 || true
fi
