"""What a user can ask, one module per area: every call checks the right and writes the audit.

The faces (``app/`` pages and ``cli/`` commands) call these functions and nothing below
them for a user action, so that the permission check (:mod:`graph.rights`, through
:func:`service.access.allow`) and the audit trail (:mod:`graph.audit`) happen in one place,
whichever face the person used. ``service/`` may import ``graph/``, ``loaders/`` and
``media/``; it never imports ``app/`` or ``cli/`` (``tests/test_architecture.py``).

- :mod:`service.caller`: who is asking from the command line (the OS account, or
  ``--by NAME``).
- :mod:`service.access`: the right check, the checked catalog read, form values.
- :mod:`service.connect`: the driver for the faces (they never import ``graph.db``).
- :mod:`service.overview`, :mod:`service.series`, :mod:`service.links`,
  :mod:`service.clues`, :mod:`service.triage`, :mod:`service.leads`,
  :mod:`service.console`, :mod:`service.admin`, :mod:`service.demo`: one module per area.
"""
