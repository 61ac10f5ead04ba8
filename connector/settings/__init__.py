"""Settings packages: ``development`` (default), ``production`` and ``test``.

All values come from the environment (django-environ), optionally from a ``.env`` file in the
project root; see ``docs/configuration.md``.
"""
