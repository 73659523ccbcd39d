"""The metric catalog: SPEC's metrics are data, validated with errors naming file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from csconsole.catalog import load_catalog
from csconsole.errors import ResourceError

SPEC_METRICS = {
    "essential": [
        "automation_success_rate", "time_saved", "user_adoption", "error_reduction",
        "satisfaction", "uptime", "error_rate",
    ],
    "professional": [
        "integration_uptime", "advanced_feature_utilisation", "cross_department_efficiency",
        "data_accuracy", "optimisation_opportunities",
    ],
    "enterprise": [
        "direct_revenue_impact", "process_efficiency_baseline", "process_efficiency_rating",
        "scalability_readiness", "innovation_opportunities", "leadership_engagement",
    ],
}  # fmt: skip
SPEC_TARGETS = {
    "automation_success_rate": 99.5, "user_adoption": 90, "error_reduction": 85,
    "satisfaction": 8.5, "uptime": 99.5, "error_rate": 0.5, "integration_uptime": 99.8,
    "advanced_feature_utilisation": 70, "data_accuracy": 95,
}  # fmt: skip
LEAD_DELIVERY = [
    "delivery_success_rate", "response_time_median", "response_time_p95", "conversion_rate",
    "leads_processed", "revenue_website_forms", "revenue_referrals",
]  # fmt: skip


def test_every_spec_metric_is_in_its_tier() -> None:
    catalog = load_catalog()
    for tier, keys in SPEC_METRICS.items():
        for key in keys:
            assert catalog.metric(key).tier == tier, key


@pytest.mark.parametrize(("key", "target"), SPEC_TARGETS.items())
def test_default_targets_match_spec(key: str, target: float) -> None:
    assert load_catalog().metric(key).target == target


def test_error_rate_is_lower_is_better_and_tracked_metrics_have_no_target() -> None:
    catalog = load_catalog()
    assert catalog.metric("error_rate").direction == "lower"
    assert catalog.metric("cross_department_efficiency").target is None
    assert catalog.metric("time_saved").target is None  # the client's own projection


def test_lead_delivery_metrics_are_optional_entries() -> None:
    catalog = load_catalog()
    for key in LEAD_DELIVERY:
        assert catalog.metric(key).tier == "optional"
    essential = {m.key for m in catalog.metrics_for(tier="essential")}
    assert not essential & set(LEAD_DELIVERY)


def test_each_tier_has_every_metric_of_the_tiers_below() -> None:
    catalog = load_catalog()
    essential = {m.key for m in catalog.metrics_for(tier="essential")}
    professional = {m.key for m in catalog.metrics_for(tier="professional")}
    enterprise = {m.key for m in catalog.metrics_for(tier="enterprise")}
    assert essential < professional < enterprise
    assert set(SPEC_METRICS["enterprise"]) <= enterprise - professional


@pytest.mark.parametrize(
    ("unit", "inside", "outside"),
    [("%", 100.0, 100.5), ("%", 0.0, -0.1), ("/10", 10.0, 10.1), ("h/week", 0.0, -1.0)],
)
def test_unit_ranges(unit: str, inside: float, outside: float) -> None:
    metric = next(m for m in load_catalog().metrics.values() if m.unit == unit)
    assert metric.check_value(inside) is None
    assert metric.check_value(outside) is not None
    assert metric.check_value(float("nan")) == "not a finite number"


def _write(folder: Path, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "team.toml").write_text(body, encoding="utf-8")
    return folder


GOOD = """
[[metric]]
key = "kpi_x"
label = "Onboarding days"
unit = "count"
direction = "lower"
aggregate = "mean"
tier = "enterprise"
group = "transformation"
target = 10
clients = ["CL-005"]
"""


def test_custom_kpi_for_one_client_needs_no_code(tmp_path: Path) -> None:
    catalog = load_catalog([_write(tmp_path / "extra", GOOD)])
    assert "kpi_x" in {m.key for m in catalog.metrics_for(tier="enterprise", client_key="CL-005")}
    assert "kpi_x" not in {
        m.key for m in catalog.metrics_for(tier="enterprise", client_key="CL-009")
    }


def test_default_catalog_reads_catalog_d_in_the_data_folder(isolated_home: Path) -> None:
    from csconsole.catalog import default_catalog

    _write(isolated_home / "catalog.d", GOOD)
    default_catalog.cache_clear()
    assert "kpi_x" in default_catalog().metrics


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('unit = "count"', 'unit = "parsecs"'), "unit 'parsecs'"),
        (('direction = "lower"', 'direction = "down"'), "direction must be"),
        (('aggregate = "mean"', 'aggregate = "median"'), "aggregate must be"),
        (('tier = "enterprise"', 'tier = "platinum"'), "unknown tier 'platinum'"),
        (('label = "Onboarding days"\n', ""), "missing field 'label'"),
        (("target = 10", 'target = "ten"'), "field 'target' must be float"),
        (("target = 10", "target = -3"), "outside the metric's range"),
        (('clients = ["CL-005"]', 'clients = "CL-005"'), "clients must be a list"),
        (("[[metric]]", "[[metric]\n"), "not valid TOML"),
    ],
)
def test_errors_name_the_file_and_the_entry(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    folder = _write(tmp_path / "extra", GOOD.replace(*change))
    with pytest.raises(ResourceError) as err:
        load_catalog([folder])
    assert "team.toml" in str(err.value)
    assert message in str(err.value)
    if "TOML" not in message:
        assert "'kpi_x'" in str(err.value) or "metric #1" in str(err.value)


def test_a_metric_defined_twice_is_an_error(tmp_path: Path) -> None:
    body = GOOD.replace('key = "kpi_x"', 'key = "uptime"')
    with pytest.raises(ResourceError, match=r"team.toml: metric 'uptime': defined twice"):
        load_catalog([_write(tmp_path / "extra", body)])
