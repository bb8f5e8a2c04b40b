"""Figures of the risk stage: stress-test boxes (``model.risk.stress``), tornado charts and Morris screening
(``model.risk.sensitivity``). Every axis carries its unit.
"""

from __future__ import annotations

from typing import Any

from model.risk.sensitivity import OUTPUT_LABELS, MorrisResult, TornadoResult
from model.risk.stress import HOST_COST, RiskResult
from model.risk.whatif import ALL


def risk_figure(result: RiskResult) -> Any:
    """Two panels: overall SLA attainment per replication and host cost per replication, one box per scenario
    (base, reference, each stress). Axes carry units."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    from model.reporting import plots

    plt = plots.plt
    names = list(dict.fromkeys(result.measures["stress"]))
    table = result.measures[(result.measures["service"] == ALL) & (result.measures["member"] == ALL)]
    attainment = [
        table[(table["stress"] == s) & (table["measure"] == "sla_attainment")]["value"].dropna() for s in names
    ]
    cost = [table[(table["stress"] == s) & (table["measure"] == HOST_COST)]["value"].dropna() for s in names]
    figure, axes = plt.subplots(1, 2, figsize=(12, 0.42 * len(names) + 2.2), sharey=True)
    labels = [name.replace("_", " ") for name in names]
    for axis, data, xlabel, title in (
        (axes[0], attainment, plots.KPI_FRACTION, "SLA attainment over the KPI window"),
        (axes[1], cost, f"host cost, {plots.GBP_PER_YEAR}", "Cost to the host (agency - vacancy saving + stranded)"),
    ):
        axis.boxplot(
            data,
            orientation="horizontal",
            tick_labels=labels,
            patch_artist=True,
            boxprops={"facecolor": plots.PALETTE[9]},
        )
        axis.set_xlabel(xlabel)
        axis.set_title(title, fontsize=10)
        axis.grid(axis="x", alpha=0.3)
    axes[0].xaxis.set_major_locator(MaxNLocator(6))
    axes[0].xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes[1].xaxis.set_major_formatter(plots.POUNDS)
    axes[1].axvline(0, color="black", linewidth=0.8)
    axes[0].set_ylabel("Scenario")
    axes[0].invert_yaxis()
    figure.suptitle(f"{result.scenario_name}: stress tests, {result.replications} paired replications")
    figure.tight_layout()
    return figure


def tornado_figures(result: TornadoResult) -> dict[str, Any]:
    """One tornado chart per output (``model.reporting.plots.tornado``), keyed by output name."""
    from model.reporting import plots

    figures = {}
    for output, label in OUTPUT_LABELS.items():
        rows = result.table[result.table["output"] == output]
        figures[output] = plots.tornado(
            rows,
            result.base[output],
            xlabel=label,
            title=f"{label.split(' (')[0]}: inputs at x{result.low:g} / x{result.high:g}",
        )
    return figures


def morris_figure(result: MorrisResult) -> Any:
    """mu* against sigma for both outputs (two panels), each input labelled; axes carry units."""
    from matplotlib.ticker import PercentFormatter

    from model.reporting import plots

    plt = plots.plt
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    units = {
        "catalogue_cost_gbp_per_year": "GBP per year",
        "sla_attainment": "fraction of cases within KPI",
    }
    titles = {
        "catalogue_cost_gbp_per_year": "Recommended catalogue: annual cost",
        "sla_attainment": "Recommended catalogue: SLA attainment",
    }
    for axis, output in zip(axes, units, strict=True):
        rows = result.indices[result.indices["output"] == output]
        for k, row in enumerate(rows.itertuples()):
            axis.errorbar(
                row.mu_star,
                row.sigma,
                xerr=row.mu_star_conf,
                fmt="o",
                color=plots.colour_for(k),
                label=row.label,
                capsize=3,
            )
        unit = units[output]
        axis.set_xlabel(f"mu*: mean |effect| over the input's range ({unit})")
        axis.set_ylabel(f"sigma: spread of effects ({unit})" if "GBP" in unit else "sigma: spread of effects")
        if "GBP" in unit:
            axis.xaxis.set_major_formatter(plots.POUNDS)
            axis.yaxis.set_major_formatter(plots.POUNDS)
        else:
            axis.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
            axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
        axis.set_title(titles[output])
        axis.grid(alpha=0.3)
        top = max(rows["mu_star"].max(), rows["sigma"].max(), 1e-12)
        axis.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle=":")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), frameon=False, fontsize=9)
    figure.suptitle(
        f"Morris screening, inputs x{result.low:g} to x{result.high:g} ({result.trajectories} trajectories)"
    )
    figure.tight_layout(rect=(0, 0.08, 1, 0.95))
    return figure
