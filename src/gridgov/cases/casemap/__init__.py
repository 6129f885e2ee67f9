"""The case map (案件地图): open cases as clustered points and grids shaded by their open cases,
for the area browser and the dispatcher's home. :mod:`.selectors` reads (scoped by
:func:`gridgov.cases.selectors.case_list_for`), :mod:`.views` answers the map's JSON."""
