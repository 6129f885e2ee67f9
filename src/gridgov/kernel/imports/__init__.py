"""Excel import jobs for every capability (an app of its own, label ``imports``).

* :mod:`~gridgov.kernel.imports.registry` — sheet kinds (template, permission and area rule,
  per-file check, the run that parses, checks and writes rows); apps register theirs in an
  ``import_kinds`` module (rosters, party members, 12345 work orders today)
* :mod:`~gridgov.kernel.imports.services` — start (idempotent: file hash + kind + area + mode,
  or the client's token), run (by the background worker, or in the request for small files),
  retry
* :mod:`~gridgov.kernel.imports.selectors` — the jobs a user may see, their error sheets
* :mod:`~gridgov.kernel.imports.views` / :mod:`~gridgov.kernel.imports.api` — one job page with
  its progress fragment, and ``/api/v1/imports/``
"""
