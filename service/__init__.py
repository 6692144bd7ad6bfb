"""What a user can ask, one module per area: every call checks the right and writes the audit.

The faces (``app/`` pages and ``cli/`` commands) call these functions and nothing below
them for a user action, so that the permission check (:mod:`graph.rights`, through
:func:`graph.pages.allow`) and the audit trail (:mod:`graph.audit`) happen in one place,
whichever face the person used. ``service/`` may import ``graph/``, ``loaders/`` and
``media/``; it never imports ``app/`` or ``cli/`` (``tests/test_architecture.py``).

- :mod:`service.caller`: who is asking from the command line (the OS account, or
  ``--by NAME``).
- :mod:`service.leads`: the named lead queries.
- :mod:`service.console`: read-only Cypher typed by a person.
"""
