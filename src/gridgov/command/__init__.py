"""The command centre (综治中心指挥大屏, 一网统管): one screen over every module.

The command centre owns no figures of its own. Each module registers, in its ``command``
module (a package ``<app>/command/`` with one file per topic), what it contributes —
tiles, map measures and markers, ranking measures, alert rules, report sections and live
feeds — through :mod:`gridgov.command.registry`; the command centre draws, ranks, alerts,
reports and streams whatever is registered, scoped to the viewer's jurisdiction. A module
that lands later adds itself the same way, with no change here.

Topics: ``tiles/`` (tiles, rankings, the screen's scope and drill-down), ``maplayers/`` (the
live map's data), ``live/`` (the event stream), ``alerts/``, ``reports/``, ``screen/`` (the
pages).
"""
