"""Exact coalition costs c(S) without a MILP where a structural bound proves the optimum: the pool-by-pool
relaxation of the catalogue MILP, solved exactly by enumeration, whose solution is then costed in the full model.

The catalogue MILP (``model.optimisation.catalogue_milp``) couples services in exactly three ways once the
coalition S is fixed: the host overhead (paid once if any pool exists), whole people per role in the host team
(``people[role]`` integer over all pools of the role) and the members' in-house bundles (one team for several
services). The relaxation R(S) keeps the first two exactly and relaxes only the third:

* a member m that does not share service s pays ``a[m, s]``, an additive lower bound of its exact non-shared cost
  ``f_m(N)`` (the cheapest cover of the set N of its non-shared services by disjoint in-house bundles of the instance
  and external purchases, computed exactly by dynamic programming over subsets): ``a[m, s] = min(f_m({s}),
  min over bundles B containing s of cost(B) x f_m({s}) / sum_{t in B} f_m({t}))``, so the sum of ``a`` over any
  bundle is at most its cost and over any single service at most its cost: ``sum_{s in N} a[m, s] <= f_m(N)``;
* per service, for every staffing option k the MILP may choose for S (the per-coalition menu cap of
  ``CatalogueModel._cap_shared_menus``, computed the same way), the cheapest non-empty set T of sharers whose load
  fits (load(T) <= capacity(k)), priced exactly: per-head shared costs, the joint-purchase tier of T's pooled
  headcount (the cheapest eligible tier when prices fall, the highest eligible tier otherwise, as the MILP's tier
  rows force), ``a`` for the sharable pairs left out; by enumeration of every subset of S's sharers (bit masks);
* the services' choices are combined by dynamic programming whose state is each host role's FTE modulo one
  person (in staffing steps), so ``sum over roles of cost x ceil(FTE)`` is paid exactly; the overhead is added
  once; c_R(S) = min(no pool at all, costed exactly with bundles, overhead + best pooled choice).

Every feasible catalogue of the MILP maps to a choice of R of no greater R-cost (same pools, options, sharers and
people; non-shared services at ``a <= f``), so c_R(S) <= c(S). The minimiser of R is itself a feasible catalogue of
the MILP (its pools, options within the caps, sharers within capacity, tiers and whole people are the MILP's rules);
costed exactly (``f_m`` instead of ``a``) its cost C satisfies c(S) <= C. When C = c_R(S) (to 1e-9 of the cost),
c(S) = C: the MILP is skipped.

When C > c_R(S), some members ("violators") pay more than ``a`` for what they keep: their bundles are split. Each
violator is then made exact by branching on the set P of disjoint multi-service bundles it uses (the empty set
included): in branch P it cannot share P's services and pays cost(P) for them, and every other service of its own at
the single-service cost (the cheaper of external and a one-service bundle), which is then exact and additive. Every
catalogue of the MILP lies in one branch per member, so the least branch bound is still a lower bound of c(S); its
minimiser, costed exactly, certifies c(S) as above, or names further violators, up to ``MAX_BRANCHES`` combinations.
If no certificate is found the coalition is solved by the MILP as before.

A coalition of one member cannot share: c({m}) = f_m(all its services), the MILP's own rule. Instances outside what
the enumeration covers (forced choices; pairs that can only be shared or kept only in a multi-service bundle; more
than ``MAX_ENUMERATED_MEMBERS`` members, ``MAX_ROLE_STATES`` role states, ``MAX_SERVICES`` services or
``MAX_BUNDLES_PER_MEMBER`` bundles of one member) always go to the MILP. The one numerical difference from the MILP:
a subset fits an option when its load is at most the capacity (times 1 + 1e-12), where HiGHS accepts rows violated by
its feasibility tolerance (1e-7 cases a day); a coalition whose optimum depends on that margin could differ by the
cost of a staffing step. ``tests/test_coalition_table.py`` compares every coalition of several partnerships with the
MILP, and ``benchmarks/coalition_table_speed.py`` the whole 12-member table (identical to the penny).

The certificate is independent of HiGHS, and found a HiGHS 1.15.1 wrong answer: on a 6-member partnership with
rising joint-purchase prices (``tests/test_coalition_table.py::test_rising_joint_purchase_prices``) the MILP with the
project's options (``HIGHS_OPTIONS``: primal heuristics off) reports 393,738 with a dual bound of 393,738 for one
coalition, whose catalogue at 359,778 the relaxation certifies and HiGHS with its heuristics on also finds (every
row checked in Python: feasible).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from model.optimisation.catalogue_instance import EXTERNAL, SHARED, CatalogueInstance, _prices_fall

MAX_ENUMERATED_MEMBERS = 14
"""Above this many members the per-service subset tables (2^n entries per service) are not built: MILP only."""

MAX_ROLE_STATES = 4096
"""Largest number of role-residue states of the dynamic programme (staffing steps per person ^ roles)."""

MAX_SERVICES = 10
"""More services than this: the subset tables of each member's non-shared costs (2^services) are not built."""

MAX_BUNDLES_PER_MEMBER = 64
"""More in-house bundles than this for one member: not built either (the tables cost services x bundles)."""

MAX_BRANCHES = 16
"""Most combinations of bundle patterns tried for one coalition before it goes to the MILP."""

RELATIVE_TOLERANCE = 1e-9
"""The certificate: the relaxation's minimiser, costed exactly, is within this fraction of the bound (the MILP's own
relative gap)."""


@dataclass(frozen=True)
class _Service:
    name: str
    fixed_gbp: float
    sharers: int  # bit mask of the members that can share this service
    load: np.ndarray  # per subset of members (bit mask): load of its sharers, cases a day
    shared_cost: np.ndarray  # per subset: per-head shared costs + joint purchase at the subset's tier (inf: no tier)
    alt_sum: np.ndarray  # per subset: sum of a[m, s] over its sharers
    options: tuple[tuple[str, float, int, float], ...]  # (role, fte, staffing units, capacity)
    transitions: np.ndarray  # options x states: the state reached from each state
    increments: np.ndarray  # options x states: whole-person cost added on the way (pounds)


class CoalitionBound:
    """The relaxation R(S) of one instance (module docstring): ``solve(mask)`` returns c(S) when certified, else
    None. Masks are bit masks over ``instance.members`` in order."""

    def __init__(self, instance: CatalogueInstance) -> None:
        self.instance = instance
        inst = instance
        n = len(inst.members)
        self.n = n
        self.usable = (
            not inst.fixed
            and n <= MAX_ENUMERATED_MEMBERS
            and all(p.modes != (SHARED,) for p in inst.pairs)
            and all(SHARED not in p.modes or p.service in inst.shared for p in inst.pairs)
        )
        self.steps = round(1.0 / inst.options.fte_step)
        roles = sorted({o.role for pool in inst.shared.values() for o in pool.options})
        self.roles = roles
        if self.steps ** len(roles) > MAX_ROLE_STATES or len(inst.services) > MAX_SERVICES:
            self.usable = False
        bundles_per_member: dict[str, int] = {}
        for bundle in inst.bundles:
            bundles_per_member[bundle.member] = bundles_per_member.get(bundle.member, 0) + 1
        if max(bundles_per_member.values(), default=0) > MAX_BUNDLES_PER_MEMBER:
            self.usable = False
        if not self.usable:
            return
        member_bit = {m: b for b, m in enumerate(inst.members)}
        services = list(inst.services)
        service_bit = {s: j for j, s in enumerate(services)}
        # exact non-shared cost f_m(N) over subsets N of the member's services (bit j = services[j])
        self.f = np.zeros((n, 1 << len(services)))
        self.alt = np.zeros((n, len(services)))  # a[m, s]
        self.pair_cost_all = np.zeros(n)  # f_m(all the member's services)
        self.service_mask = np.zeros(n, dtype=np.int64)  # services the member has demand for
        ext = np.full((n, len(services)), math.inf)
        for p in inst.pairs:
            b, j = member_bit[p.member], service_bit[p.service]
            self.service_mask[b] |= 1 << j
            if EXTERNAL in p.modes:
                ext[b, j] = p.external_cost_gbp
        bundles: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for bundle in inst.bundles:
            bits = 0
            for i in bundle.pairs:
                bits |= 1 << service_bit[inst.pairs[i].service]
            bundles[member_bit[bundle.member]].append((bits, bundle.cost_gbp))
        for b in range(n):
            f = self.f[b]
            for subset in range(1, 1 << len(services)):
                low = (subset & -subset).bit_length() - 1
                best = ext[b, low] + f[subset ^ (1 << low)]
                for bits, cost in bundles[b]:
                    if bits >> low & 1 and bits & subset == bits:
                        best = min(best, cost + f[subset ^ bits])
                f[subset] = best
            for j in range(len(services)):
                self.alt[b, j] = f[1 << j]
            for bits, cost in bundles[b]:
                if bin(bits).count("1") < 2:
                    continue
                singles = sum(f[1 << j] for j in range(len(services)) if bits >> j & 1)
                if not math.isfinite(singles) or singles <= 0:
                    self.usable = False
                    return
                for j in range(len(services)):
                    if bits >> j & 1:
                        self.alt[b, j] = min(self.alt[b, j], cost * f[1 << j] / singles)
            self.pair_cost_all[b] = f[self.service_mask[b]]
        # per member: its non-shared cost with single-service bundles only (additive), and the patterns of
        # disjoint multi-service bundles it may use (bits of their services, total cost), the empty one first
        self.single = np.array(
            [
                [min([ext[b, j], *(c for bits, c in bundles[b] if bits == 1 << j)]) for j in range(len(services))]
                for b in range(n)
            ]
        )
        self.patterns: list[list[tuple[int, float]]] = []
        for b in range(n):
            multi = [(bits, c) for bits, c in bundles[b] if bits & (bits - 1)]
            patterns = [(0, 0.0)]
            for bits, c in multi:
                patterns += [(used | bits, total + c) for used, total in patterns if not used & bits]
                # more than MAX_BRANCHES patterns can never be branched on (``solve`` then uses the MILP): stop there
                patterns = patterns[: MAX_BRANCHES + 1]
            self.patterns.append(patterns)
        demand = self._demand_mask()
        if not (np.all(np.isfinite(self.alt[demand])) and np.all(np.isfinite(self.single[demand]))):
            self.usable = False
            return
        self.services = services
        self.service_bit = service_bit
        self.role_costs = np.array([inst.role_costs[r] for r in roles])
        n_states = self.steps ** len(roles)
        digits = np.array(
            [[(state // self.steps**r) % self.steps for r in range(len(roles))] for state in range(n_states)]
        ).reshape(n_states, len(roles))
        self.digits = digits
        masks = np.arange(1 << n, dtype=np.int64)
        self.pools: list[_Service] = []
        for s, pool in inst.shared.items():
            pair_of_member = np.full(n, -1)
            for i, p in enumerate(inst.pairs):
                if p.service == s and SHARED in p.modes:
                    pair_of_member[member_bit[p.member]] = i
            load = np.zeros(1 << n)
            heads = np.zeros(1 << n, dtype=np.int64)
            per_head = np.zeros(1 << n)
            alt_sum = np.zeros(1 << n)
            tier_costs = np.zeros((len(pool.tiers), 1 << n))
            for b in range(n):
                i = pair_of_member[b]
                if i < 0:
                    continue
                p = inst.pairs[i]
                has = (masks >> b) & 1 == 1
                load[has] += p.load_cases_per_day
                heads[has] += p.headcount
                per_head[has] += p.shared_per_head_cost_gbp
                alt_sum[has] += self.alt[b, service_bit[s]]
                for t, (_, price_head, price_case) in enumerate(pool.tiers):
                    tier_costs[t, has] += price_head * p.headcount + price_case * p.cases_per_year
            shared_cost = per_head.copy()
            if pool.tiers:
                eligible = np.array([heads >= minimum for minimum, _, _ in pool.tiers])
                priced = np.where(eligible, tier_costs, math.inf)
                if _prices_fall(pool.tiers):
                    shared_cost += priced.min(axis=0)
                else:  # the highest eligible tier applies
                    highest = len(pool.tiers) - 1 - np.argmax(eligible[::-1], axis=0)
                    chosen = priced[highest, masks]
                    shared_cost += np.where(eligible.any(axis=0), chosen, math.inf)
            options = tuple((o.role, o.fte, round(o.fte * self.steps), o.capacity_cases_per_day) for o in pool.options)
            transitions = np.zeros((len(options), n_states), dtype=np.int64)
            increments = np.zeros((len(options), n_states))
            for k, (role, _, units, _) in enumerate(options):
                r = roles.index(role)
                total = digits[:, r] + units
                new_digits = digits.copy()
                new_digits[:, r] = total % self.steps
                transitions[k] = new_digits @ (self.steps ** np.arange(len(roles)))
                increments[k] = self.role_costs[r] * (total // self.steps)
            self.pools.append(
                _Service(
                    s,
                    pool.fixed_cost_gbp,
                    int(sum(1 << b for b in range(n) if pair_of_member[b] >= 0)),
                    load,
                    shared_cost,
                    alt_sum,
                    options,
                    transitions,
                    increments,
                )
            )
        self.all_masks = masks
        self.final = (digits > 0) @ self.role_costs  # one more person for a role with a part-used person

    def _demand_mask(self) -> np.ndarray:
        return np.array(
            [[self.service_mask[b] >> j & 1 == 1 for j in range(self.alt.shape[1])] for b in range(self.alt.shape[0])]
        )

    def _caps(self, service: _Service, coalition_load: float) -> list[bool]:
        """Which options the MILP allows for this coalition (``CatalogueModel._cap_shared_menus``)."""
        inst = self.instance
        top: dict[str, float] = {}
        for role, fte, _, capacity in service.options:
            whole = abs(fte - round(fte)) < 1e-9 and fte >= max(1, inst.min_shared_people)
            if whole and capacity >= coalition_load and fte < top.get(role, math.inf):
                top[role] = fte
        for role, _, _, _ in service.options:
            top.setdefault(role, max(o[1] for o in service.options if o[0] == role))
        if coalition_load <= 0:
            return [False] * len(service.options)
        return [fte <= top[role] + 1e-9 for role, fte, _, _ in service.options]

    def solve(self, mask: int) -> float | None:
        """c(S) for the coalition ``mask`` when the relaxation certifies it (module docstring), else None."""
        if not self.usable or mask == 0:
            return None
        if mask & (mask - 1) == 0:  # one member: no sharing, each service in house or external, whichever is cheaper
            return float(self.pair_cost_all[mask.bit_length() - 1])
        no_pool = float(sum(self.pair_cost_all[b] for b in range(self.n) if mask >> b & 1))
        exact_members: list[int] = []
        while True:
            best: tuple[float, float, list[int]] | None = None
            for combination in itertools.product(*(self.patterns[b] for b in exact_members)):
                alt = self.alt.copy()
                blocked = np.zeros(self.n, dtype=np.int64)
                for b, (bits, cost) in zip(exact_members, combination, strict=True):
                    alt[b] = self.single[b]
                    blocked[b] = bits
                    for j in range(len(self.services)):
                        if bits >> j & 1:
                            alt[b, j] = cost / bin(bits).count("1")
                outcome = self._relax(mask, alt, blocked)
                if best is None or outcome[0] < best[0]:  # every branch counts: the least bound is the valid one
                    best = outcome
            if best is None:
                return None
            bound, exact, violators = best
            if no_pool <= bound:
                return no_pool
            if exact <= bound + RELATIVE_TOLERANCE * abs(bound):
                return min(exact, no_pool)
            violators = [b for b in violators if b not in exact_members]
            if not violators:
                return None
            exact_members = exact_members + violators
            if math.prod(len(self.patterns[b]) for b in exact_members) > MAX_BRANCHES:
                return None

    def _relax(self, mask: int, alt: np.ndarray, blocked: np.ndarray) -> tuple[float, float, list[int]]:
        """Minimise the relaxation with non-shared costs ``alt`` (members x services) and, per member, the services
        it may not share (``blocked`` bits): (bound, exact cost of the minimiser, members whose exact non-shared cost
        exceeds ``alt`` there); the exact cost is infinite when the minimiser has no pool (it cannot certify)."""
        members = [b for b in range(self.n) if mask >> b & 1]
        n_services = len(self.services)
        base = float(sum(alt[b, j] for b in members for j in range(n_services) if self.service_mask[b] >> j & 1))
        subsets = self.all_masks[(self.all_masks & ~mask) == 0]  # every subset of S (0 included)
        n_states = self.digits.shape[0]
        cost = np.full(n_states, math.inf)
        cost[0] = self.instance.overhead_gbp
        choices = []
        for service in self.pools:
            j = self.service_bit[service.name]
            sharable = mask & service.sharers & ~int(sum(1 << b for b in members if blocked[b] >> j & 1))
            if sharable == 0:
                choices.append(None)
                continue
            sub = subsets[(subsets & ~sharable) == 0]
            sub = sub[sub != 0]
            # value of sharing subset T: shared costs minus the non-shared costs it saves
            saved = service.alt_sum[sub]
            for b in members:
                if sharable >> b & 1 and alt[b, j] != self.alt[b, j]:
                    saved = saved + (alt[b, j] - self.alt[b, j]) * ((sub >> b) & 1)
            value = service.shared_cost[sub] - saved
            load = service.load[sub]
            order = np.argsort(load, kind="stable")
            load_sorted = load[order]
            value_sorted = value[order]
            running = np.minimum.accumulate(value_sorted)
            arg = np.maximum.accumulate(np.where(value_sorted == running, np.arange(len(running)), 0))
            allowed = self._caps(service, float(service.load[mask & service.sharers]))
            best_value = np.full(len(service.options), math.inf)
            best_subset = np.zeros(len(service.options), dtype=np.int64)
            for k, (_, _, _, capacity) in enumerate(service.options):
                if not allowed[k]:
                    continue
                fit = int(np.searchsorted(load_sorted, capacity * (1 + 1e-12), side="right"))
                if fit == 0:
                    continue
                best_value[k] = running[fit - 1] + service.fixed_gbp
                best_subset[k] = sub[order[arg[fit - 1]]]
            # options x states: the cost through option k from each state, landing in transitions[k, state] (adding
            # staffing units modulo a person per role is a bijection of the states, so no two sources collide)
            through = cost[None, :] + service.increments + best_value[:, None]
            new = cost.copy()  # no pool for this service
            pick = np.full(n_states, -1)
            from_state = np.arange(n_states)
            for k in np.flatnonzero(np.isfinite(best_value)):
                target = service.transitions[k]
                better = through[k] < new[target]
                if better.any():
                    new[target[better]] = through[k][better]
                    pick[target[better]] = k
                    from_state[target[better]] = np.flatnonzero(better)
            choices.append((pick, from_state, best_subset))
            cost = new
        total = cost + self.final
        state = int(np.argmin(total))
        bound = float(total[state]) + base
        # walk back: the chosen option and sharers of each service, costed exactly
        shared_members = [0] * n_services
        exact = self.instance.overhead_gbp + float(self.final[state])
        staffed = False
        for service, choice in zip(reversed(self.pools), reversed(choices), strict=True):
            if choice is None:
                continue
            pick, from_state, best_subset = choice
            k = int(pick[state])
            if k < 0:
                continue
            staffed = True
            subset = int(best_subset[k])
            previous = int(from_state[state])
            exact += float(service.increments[k, previous]) + service.fixed_gbp + float(service.shared_cost[subset])
            shared_members[self.service_bit[service.name]] = subset
            state = previous
        if not staffed:  # overhead paid for no pool: never cheaper than no pool at all (no_pool), so no certificate
            return bound, math.inf, []
        violators = []
        for b in members:
            kept = int(self.service_mask[b])
            for j in range(n_services):
                if shared_members[j] >> b & 1:
                    kept &= ~(1 << j)
            exact_b = float(self.f[b, kept])
            exact += exact_b
            relaxed = sum(alt[b, j] for j in range(n_services) if kept >> j & 1)
            if exact_b > relaxed + RELATIVE_TOLERANCE * abs(bound):
                violators.append(b)
        return bound, exact, violators
