"""Dispute mediation (矛盾纠纷排查化解): committees, rooms and mediators; the dispute register;
periodic screening by grid workers; the mediation workflow on the kernel; documents; numbers.

Sub-packages by topic: ``disputes`` (workflow, services, selectors, API), ``web`` (pages),
``screening`` (摸排 rounds and returns), ``documents`` (DOCX from templates, scans, links with
cases), ``numbers`` (counters, indicators, the register export), ``orgs`` (committees, rooms,
mediators, dispute types)."""
