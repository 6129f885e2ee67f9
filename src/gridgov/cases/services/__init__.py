"""Writes on cases. One module per part of the loop:

* :mod:`.timeline` — the versioned update + timeline entry every action ends with
* :mod:`.intake` — reporting (resident, grid worker, staff, API with Idempotency-Key, 12345)
* :mod:`.lifecycle` — accept, reject, merge, dispatch, sign, return, reassign, escalate,
  delays, reply, verify, urge, rate, reopen, comment
* :mod:`.categories` — the category tree
"""
