"""The coalition cost function c(S): consistent with the optimiser, subadditive on the default scenario, cached,
and the same from one persistent model as from a model of the coalition alone and from parallel workers."""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from pathlib import Path

import pytest

from model.optimisation import (
    all_masks,
    clear_cache,
    coalition_cost,
    coalition_costs,
    optimise,
    solve_masks,
    subadditivity_violations,
    synthetic_partnership,
)
from model.optimisation.catalogue_instance import build_instance, profitable_bundles_only
from model.scenario import Scenario, UserError


def alone_scenario(scenario: Scenario, members: list[str]) -> Scenario:
    """The scenario with only ``members`` (the first hosts): c(S) must not depend on who else is in the file."""
    data = scenario.model_dump(mode="json")
    data["members"] = [m for m in data["members"] if m["name"] in members]
    data["host"]["member"] = members[0]
    data["tariff"]["shares"] = {}
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def default_costs(default_scenario: Scenario) -> dict[frozenset[str], float]:
    clear_cache()
    return coalition_costs(default_scenario, workers=1)


def test_every_coalition_is_costed(default_scenario: Scenario, default_costs: dict[frozenset[str], float]) -> None:
    names = default_scenario.member_names
    assert len(default_costs) == 2 ** len(names) - 1
    assert all(math.isfinite(cost) and cost > 0 for cost in default_costs.values())
    result = optimise(default_scenario, explain=False)
    assert default_costs[frozenset(names)] == pytest.approx(result.total_cost_gbp_per_year, rel=1e-9)
    for member, cost in result.standalone_gbp_per_year.items():
        assert default_costs[frozenset([member])] == pytest.approx(cost, rel=1e-9)


def test_default_scenario_is_subadditive(default_costs: dict[frozenset[str], float]) -> None:
    assert subadditivity_violations(default_costs) == []
    # and sharing pays for every pair: the grand coalition saves against the members alone
    names = sorted(set().union(*default_costs))
    grand = default_costs[frozenset(names)]
    assert grand < sum(default_costs[frozenset([m])] for m in names)


def test_coalition_cost_equals_a_model_of_the_coalition_alone(
    default_scenario: Scenario, default_costs: dict[frozenset[str], float]
) -> None:
    for members in (
        ["Luton CCG", "West Essex CCG"],
        ["Bedfordshire CCG", "Luton CCG", "East and North Hertfordshire CCG"],
    ):
        alone = optimise(alone_scenario(default_scenario, members), explain=False)
        assert default_costs[frozenset(members)] == pytest.approx(alone.total_cost_gbp_per_year, rel=1e-9)


def test_single_coalition_cost_and_caches(
    default_scenario: Scenario, default_costs: dict[frozenset[str], float], tmp_path: Path
) -> None:
    members = frozenset(["Herts Valleys CCG", "Luton CCG"])
    start = time.perf_counter()
    assert coalition_cost(default_scenario, members) == default_costs[members]  # from the in-memory cache
    assert coalition_costs(default_scenario) == default_costs
    assert time.perf_counter() - start < 0.5
    assert coalition_cost(default_scenario, []) == 0.0
    with pytest.raises(UserError, match="unknown member"):
        coalition_cost(default_scenario, ["Nowhere CCG"])
    clear_cache()
    assert coalition_cost(default_scenario, members) == pytest.approx(default_costs[members], rel=1e-9)  # solved
    # On-disk cache: written on the first call, read back (no solve) after the memory cache is cleared.
    first = coalition_costs(default_scenario, workers=1, cache_dir=tmp_path)
    files = list(tmp_path.glob("coalition_costs-*.json"))
    assert len(files) == 1
    payload = json.loads(files[0].read_text())
    assert payload["scenario_sha256"] == default_scenario.content_hash()
    payload["coalitions"][0]["cost_gbp_per_year"] = 12345.0  # prove the second call reads the file
    files[0].write_text(json.dumps(payload))
    clear_cache()
    second = coalition_costs(default_scenario, workers=1, cache_dir=tmp_path)
    changed = frozenset(payload["coalitions"][0]["members"])
    assert second[changed] == 12345.0
    assert {k: v for k, v in second.items() if k != changed} == {k: v for k, v in first.items() if k != changed}
    clear_cache()


def test_subadditivity_check_finds_a_violation() -> None:
    costs = {frozenset("a"): 10.0, frozenset("b"): 10.0, frozenset("ab"): 25.0}
    assert subadditivity_violations(costs) == [(frozenset("a"), frozenset("b"), 5.0)]
    assert subadditivity_violations({**costs, frozenset("ab"): 20.0}) == []


@pytest.mark.slow
def test_parallel_workers_agree_with_one_process() -> None:
    scenario = synthetic_partnership(7, seed=3)
    assert len(scenario.members) == 7 and scenario.host.member == "Member 01"
    instance = profitable_bundles_only(build_instance(scenario))
    masks = all_masks(7)
    parallel = solve_masks(instance, masks, workers=2)  # 127 coalitions: two spawned worker processes
    assert sorted(parallel) == masks
    sample = random.Random(1).sample(masks, 12)
    serial = solve_masks(instance, sample, workers=1)
    for mask in sample:
        assert parallel[mask] == pytest.approx(serial[mask], rel=1e-9)
    # subadditive on the synthetic partnership too
    names = instance.members
    table = {frozenset(n for b, n in enumerate(names) if mask >> b & 1): cost for mask, cost in parallel.items()}
    assert subadditivity_violations(table) == []
    for a, b in itertools.combinations(names, 2):
        assert table[frozenset([a, b])] <= table[frozenset([a])] + table[frozenset([b])] + 1.0
