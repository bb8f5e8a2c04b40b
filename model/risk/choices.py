"""Names and defaults that the CLI parsers show (``choices=``, ``default=``), defined in a module with no third-party
imports so that building the ``sharedhr`` parser does not load the heavy modules that use them.

This is their only definition: ``model.risk`` and ``model.risk.sensitivity`` import them from here (and re-export them,
so ``risk.STRESS_KINDS`` and ``sensitivity.INPUTS`` still work). Add a constant here only when a parser needs it.
"""

from __future__ import annotations

# --- model.risk --------------------------------------------------------------------------------------------------------

COVID_SICKNESS_RATE = 0.065
"""Covid-era NHS sickness absence: 6.2% (April 2020) and 6.7% (January 2022), NHS Digital via domain figures s.2."""

STRESS_KINDS = ("sickness", "specialist", "freeze", "surge", "leave", "join")
"""Stress families of ``model.risk.default_stress_tests``, in its order."""

# --- model.risk.sensitivity -------------------------------------------------------------------------------------------------

SENSITIVITY_INPUTS: dict[str, str] = {
    "demand": "demand per 1,000 staff (all services)",
    "effort": "work hours per case (all work steps)",
    "sickness": "sickness absence rate",
    "salaries": "salaries (all roles)",
    "external_prices": "external prices (all tiers)",
}
"""Inputs ``model.risk.sensitivity`` can vary (its ``INPUTS``: name -> label), in the order they are reported."""
