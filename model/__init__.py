"""Shared HR service model: scenario -> demand -> simulation -> KPIs -> optimisation -> tariffs -> report.

Simulation time is in working days (261 a year); money is in pounds per year. See README.md.
"""

__version__ = "0.1.0"
