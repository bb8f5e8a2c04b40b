"""A smaller, equivalent catalogue MILP for coalition costs: shared-pool options that can never be needed are removed.

The shared pool of a service may be staffed by any able role at any FTE (``model.pooling.staffing_options``), so at
regional scale its menu has over a thousand (role, FTE) options and every c(S) solve spends seconds in presolve
alone. Most of them are dominated by an option of ANOTHER role:

    option (B, f) is dominated by (A, f') in the same pool if  capacity(A, f') >= capacity(B, f)  and
    cost(A) x ceil(f') <= cost(B) x floor(f)

Swapping (B, f) for (A, f') in any solution serves the same load, adds at most ceil(f') people of A to the host
team and removes at least floor(f) people of B (whole people per role: ceil(X) - ceil(X - f) >= floor(f)), pays the
same fixed, per-head and joint-purchase costs (they do not depend on the staff) and meets the minimum staff of a
pool (every menu option does). So some optimal catalogue of every coalition uses no dominated option, and c(S) is
unchanged. Ties are broken by menu order (the relation is then a strict order, so what is left dominates what is
removed). Same-role options with more FTE for no more capacity are already gone (``catalogue.useful_options``).

The per-coalition menu caps (``CatalogueModel._cap_shared_menus``: per role, the smallest whole FTE covering the
coalition's load) do not bind the optimum either, so the argument holds per coalition. ``tests/test_fast_coalitions``
compares c(S) with and without pruning.
"""

from __future__ import annotations

import math
from dataclasses import replace

from model.optimisation.catalogue_instance import CatalogueInstance, StaffingOption


def dominated(option: StaffingOption, other: StaffingOption, role_costs: dict[str, float]) -> bool:
    """Whether ``other`` dominates ``option`` (module docstring), ignoring ties."""
    if other.role == option.role or other.capacity_cases_per_day < option.capacity_cases_per_day:
        return False
    return role_costs[other.role] * math.ceil(other.fte - 1e-9) <= role_costs[option.role] * math.floor(
        option.fte + 1e-9
    )


def prune_dominated_options(instance: CatalogueInstance) -> CatalogueInstance:
    """The same instance with every dominated shared-pool option removed (c(S) unchanged for every coalition)."""
    costs = instance.role_costs
    pools = {}
    for service, pool in instance.shared.items():
        menu = pool.options
        # score: the option's worst-case people cost and capacity, for the tie-breaking order
        key = [(costs[o.role] * math.ceil(o.fte - 1e-9), -o.capacity_cases_per_day, k) for k, o in enumerate(menu)]
        # sort by capacity descending so a candidate dominator is checked among those with at least the capacity
        order = sorted(range(len(menu)), key=lambda k: -menu[k].capacity_cases_per_day)
        kept: list[int] = []
        for k in range(len(menu)):
            option = menu[k]
            removed = False
            for j in order:
                other = menu[j]
                if other.capacity_cases_per_day < option.capacity_cases_per_day:
                    break
                if j == k or not dominated(option, other, costs):
                    continue
                # mutual domination (equal people cost, equal capacity): keep the earlier in the tie order
                if dominated(other, option, costs) and key[j] > key[k]:
                    continue
                removed = True
                break
            if not removed:
                kept.append(k)
        pools[service] = replace(pool, options=tuple(menu[k] for k in kept))
    return replace(instance, shared=pools)
