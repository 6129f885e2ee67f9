"""Dispute pages (矛盾纠纷): register, list, the high-risk board, "my disputes" and the detail
page with its action forms. Reads go through :mod:`gridgov.mediation.disputes.selectors`,
writes through :mod:`gridgov.mediation.disputes.services` (dispatched from its ``ACTIONS``)."""
