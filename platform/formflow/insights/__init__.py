"""Process figures: cycle times, rework, yield, SLA compliance and variants per process,
version, period or imported baseline, and the comparison of two of them.

- :mod:`~formflow.insights.cases`: cases from the live event log or an imported one.
- :mod:`~formflow.insights.kpis`: the figures of a set of cases (pure).
- :mod:`~formflow.insights.baseline`: imported event logs of the old way of working.
- :mod:`~formflow.insights.service`: who sees what, and the selections compared.
"""
