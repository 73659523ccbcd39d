"""Health rules: SPEC boundaries, the seeds' own figures, rating version 2, trends, reasons
and what changed since last month (the engine over a cache: test_engine.py)."""

from __future__ import annotations

import pytest

from csconsole.errors import KnownError
from csconsole.health.bands import Bands
from csconsole.health.explain import explain
from csconsole.health.rules import (
    IncidentInput,
    MetricInput,
    assess,
    rating_of,
    shortfall,
    trend_of,
)

BANDS = Bands()
UNITS = {"satisfaction": "/10", "uptime": "%", "error_rate": "%", "user_adoption": "%"}
DIRECTIONS = {"error_rate": "lower"}


def metric(key: str, target: float | None, value: float | None) -> MetricInput:
    return MetricInput(
        key=key,
        label=key,
        unit=UNITS.get(key, "%"),
        direction=DIRECTIONS.get(key, "higher"),
        target=target,
        value=value,
    )


@pytest.mark.parametrize(
    ("key", "target", "value", "expected"),
    [
        # shortfall bands: exactly 10 % and exactly 20 % short are yellow
        ("user_adoption", 90, 81.0001, "green"),
        ("user_adoption", 90, 81, "yellow"),
        ("user_adoption", 90, 72, "yellow"),
        ("user_adoption", 90, 71.99, "red"),
        # lower is better: 0.55 and 0.6 against 0.5 are 10 % and 20 % above
        ("error_rate", 0.5, 0.5, "green"),
        ("error_rate", 0.5, 0.55, "yellow"),
        ("error_rate", 0.5, 0.6, "yellow"),
        ("error_rate", 0.5, 0.61, "red"),
        # lower is better with target 0: any excess is a full shortfall
        ("error_rate", 0, 0, "green"),
        ("error_rate", 0, 0.01, "red"),
        # satisfaction: 8.5 inclusive is yellow, 7 inclusive yellow, below 7 red
        ("satisfaction", 8.5, 8.51, "green"),
        ("satisfaction", 8.5, 8.5, "yellow"),
        ("satisfaction", 8.5, 7.0, "yellow"),
        ("satisfaction", 8.5, 6.99, "red"),
        # uptime: 99 inclusive yellow, 95 inclusive yellow, below 95 red (shortfall alone is green)
        ("uptime", 99.5, 99.01, "green"),
        ("uptime", 99.5, 99.0, "yellow"),
        ("uptime", 99.5, 95.0, "yellow"),
        ("uptime", 99.5, 94.99, "red"),
        # a targeted metric with no data is at least yellow; an untargeted one is ignored
        ("user_adoption", 90, None, "yellow"),
        ("user_adoption", None, None, "green"),
        ("user_adoption", None, 10, "green"),
    ],
)
def test_status_boundaries(
    key: str, target: float | None, value: float | None, expected: str
) -> None:
    result = assess(metrics=[metric(key, target, value)], incidents=[], bands=BANDS)
    assert result.status == expected
    if expected != "green":
        assert result.reasons, "a non-green status always carries its reasons"


@pytest.mark.parametrize(("severity", "expected"), [("critical", "red"), ("minor", "yellow")])
def test_open_incident_sets_status(severity: str, expected: str) -> None:
    incident = IncidentInput("INC-1", severity, "CRM down", "2026-11-01 09:00:00")
    result = assess(metrics=[metric("user_adoption", 90, 95)], incidents=[incident], bands=BANDS)
    assert result.status == expected
    assert result.reasons[0].rule == "incident"


def test_no_data_reason_says_so() -> None:
    result = assess(metrics=[metric("user_adoption", 90, None)], incidents=[], bands=BANDS)
    (reason,) = result.reasons
    assert (reason.rule, reason.status) == ("no_data", "yellow")
    assert "no data" in reason.text
    assert result.kpis[0].band == "no data"
    assert result.rating is None  # rating counts only metrics with data


def test_bands_are_configurable() -> None:
    wide = Bands.from_mapping({"shortfall_yellow": 0.15, "shortfall_red": 0.3})
    m = [metric("user_adoption", 90, 77)]  # 14.4 % short
    assert assess(metrics=m, incidents=[], bands=BANDS).status == "yellow"
    assert assess(metrics=m, incidents=[], bands=wide).status == "green"
    with pytest.raises(KnownError, match="unknown band"):
        Bands.from_mapping({"nonsense": 1})
    assert Bands.load() == Bands()  # the shipped file holds SPEC's defaults


def test_seed_002_essential_dashboard() -> None:
    """Time saved 17 h against 15 h projected: +13 %, on target. Adoption 80 % vs 90 %: 11 % short."""
    time_saved = MetricInput("time_saved", "Time saved", "h/week", "higher", 15, 17)
    adoption = MetricInput("user_adoption", "User adoption", "%", "higher", 90, 80)
    result = assess(metrics=[time_saved, adoption], incidents=[], bands=BANDS)
    kpi_time, kpi_adoption = result.kpis
    assert kpi_time.variance is not None and kpi_adoption.shortfall is not None
    assert round(kpi_time.variance * 100) == 13 and kpi_time.band == "green"
    assert round(kpi_adoption.shortfall * 100) == 11 and kpi_adoption.band == "yellow"
    assert result.status == "yellow"
    assert result.reasons[0].metric == "user_adoption"


# --- rating version 2 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "score"),
    [
        # on or above target
        (-0.5, 10.0),
        (0.0, 10.0),
        # inside the green band: 10 − 3·d/g
        (0.05, 8.5),
        # the yellow edge scores 7, the red edge 4, twice the red edge 0
        (0.10, 7.0),
        (0.15, 5.5),
        (0.20, 4.0),
        (0.30, 2.0),
        (0.40, 0.0),
        (0.90, 0.0),
    ],
)
def test_score_of_each_band_edge(d: float, score: float) -> None:
    from csconsole.health.rules import score_of

    assert score_of(d, BANDS) == pytest.approx(score)


@pytest.mark.parametrize(
    ("values", "status", "rating"),
    [
        # green on target: 10; one metric 5 % short of 90 (85.5): mean(10, 8.5) = 9.25 → 9.3
        ([90, 90], "green", 10.0),
        ([90, 85.5], "green", 9.3),
        # one metric exactly 10 % short (81) is yellow: mean(10, 7) = 8.5, capped at 6.9
        ([90, 81], "yellow", 6.9),
        # 15 % short (76.5): mean(10, 5.5) = 7.75, capped at 6.9; both 15 % short: 5.5
        ([76.5, 76.5], "yellow", 5.5),
        # 20 % short (72) is still yellow: mean(4, 4) = 4.0
        ([72, 72], "yellow", 4.0),
        # 30 % short (63) is red: mean(10, 2) = 6, capped at 3.9; both 30 % short: 2.0
        ([90, 63], "red", 3.9),
        ([63, 63], "red", 2.0),
        ([30, 30], "red", 0.0),
    ],
)
def test_rating_v2_is_capped_by_status(values: list[float], status: str, rating: float) -> None:
    metrics = [metric(f"m{i}", 90, v) for i, v in enumerate(values)]
    a = assess(metrics=metrics, incidents=[], bands=BANDS)
    assert (a.status, a.rating) == (status, rating)


def test_rating_v2_caps_for_incidents_and_rounds_half_up() -> None:
    on_target = [metric("user_adoption", 90, 95)]
    critical = IncidentInput("INC-1", "critical", "Orders stopped", "2026-11-14 09:00:00")
    minor = IncidentInput("INC-2", "minor", "Slow export", "2026-11-14 09:00:00")
    assert assess(metrics=on_target, incidents=[critical], bands=BANDS).rating == 3.9
    assert assess(metrics=on_target, incidents=[minor], bands=BANDS).rating == 6.9
    # a no-data metric makes the client yellow but does not count in the mean
    a = assess(
        metrics=[metric("a", 80, 80), metric("b", 80, 78), metric("c", 80, None)],
        incidents=[],
        bands=BANDS,
    )
    assert (a.status, a.rating) == ("yellow", 6.9)
    # half up, not half to even: 6.85 → 6.9 and 0.25 → 0.3
    # scores 10 and 7.7 average 8.85, which Python's round() makes 8.8
    assert rating_of([0.0, 0.23 / 3], status="green", bands=BANDS) == 8.9
    from csconsole.health.rules import round_half_up

    assert (round_half_up(6.85), round_half_up(0.25), round_half_up(9.95)) == (6.9, 0.3, 10.0)
    assert rating_of([], status="green", bands=BANDS) is None
    assert shortfall(actual=0, target=0, direction="lower") == 0.0


@pytest.mark.parametrize(
    ("rating", "previous", "expected"),
    [
        (9.5, 9.0, "up"),  # exactly +0.5
        (9.4, 9.0, "steady"),
        (8.5, 9.0, "down"),  # exactly −0.5
        (8.6, 9.0, "steady"),
        (2.0, 6.9, "down"),
        (9.0, None, "new"),
    ],
)
def test_trend(rating: float, previous: float | None, expected: str | None) -> None:
    assert trend_of(rating, previous) == expected
    assert trend_of(None, previous) is None


def test_one_reason_per_metric_names_every_rule_broken() -> None:
    """Satisfaction 6.5 against 8.5: 23.5 % short (red) and below 7 (red): one reason."""
    a = assess(metrics=[metric("satisfaction", 8.5, 6.5)], incidents=[], bands=BANDS)
    assert len(a.reasons) == 1
    (reason,) = a.reasons
    assert (reason.status, reason.rule, reason.rules) == (
        "red",
        "shortfall",
        ("shortfall", "satisfaction"),
    )
    assert reason.text == "satisfaction 6.5/10 is 23.5% short of target 8.5/10 and below 7.0/10"
    # 8.0: 5.9 % short (green by shortfall) but at or below 8.5 (yellow): one yellow reason
    a = assess(metrics=[metric("satisfaction", 8.5, 8.0)], incidents=[], bands=BANDS)
    (reason,) = a.reasons
    assert (reason.status, reason.rule, reason.rules) == (
        "yellow",
        "satisfaction",
        ("satisfaction",),
    )
    assert reason.text == "satisfaction 8.0/10 is at or below 8.5/10"


@pytest.mark.parametrize(
    ("target", "value", "mark", "words"),
    [
        (99.8, 99.8, "met", "on target"),
        (99.8, 100.0, "met", "on target"),
        (99.8, 98.63, "tolerance", "within tolerance (1.2% short)"),
        (90, 81, "yellow", "needs attention"),
        (90, 60, "red", "off target"),
        (90, None, "no data", "no data"),
        (None, 50, "tracked", "tracked"),
    ],
)
def test_marks_do_not_flatter(
    target: float | None, value: float | None, mark: str, words: str
) -> None:
    a = assess(metrics=[metric("integration_uptime", target, value)], incidents=[], bands=BANDS)
    (kpi,) = a.kpis
    assert (kpi.mark, kpi.mark_text()) == (mark, words)


def test_lower_is_better_within_tolerance_says_above() -> None:
    a = assess(metrics=[metric("error_rate", 0.5, 0.52)], incidents=[], bands=BANDS)
    assert a.kpis[0].mark_text() == "within tolerance (4.0% above)"


def test_explain_new_and_cleared_reasons() -> None:
    from csconsole.health.evaluation import Evaluation

    def ev(month: str, adoption: float, satisfaction: float) -> Evaluation:
        a = assess(
            metrics=[
                metric("user_adoption", 90, adoption),
                metric("satisfaction", 8.5, satisfaction),
            ],
            incidents=[],
            bands=BANDS,
        )
        return Evaluation(
            "CL-1",
            "One",
            "essential",
            month,
            True,
            a.status,
            a.reasons,
            a.kpis,
            a.rating,
            None,
            None,
            (),
        )

    before, after = ev("2026-09", 80, 9.0), ev("2026-10", 95, 6.5)
    result = explain(after, before)
    assert {r.key for r in result.new_reasons} == {"satisfaction"}
    assert {r.key for r in result.cleared_reasons} == {"user_adoption"}
    moves = {m.metric: m for m in result.moves}
    assert moves["satisfaction"].change == pytest.approx(-2.5)
    assert (moves["user_adoption"].band_before, moves["user_adoption"].band_after) == (
        "yellow",
        "green",
    )
    text = "\n".join(result.lines())
    assert "RED in 2026-10; it was YELLOW in 2026-09" in text and "Cleared" in text


def test_a_green_summary_does_not_flatter() -> None:
    from csconsole.health.evaluation import Evaluation

    def ev(values: list[float]) -> Evaluation:
        a = assess(
            metrics=[metric(f"m{i}", 90, v) for i, v in enumerate(values)],
            incidents=[],
            bands=BANDS,
        )
        return Evaluation(
            "CL-1",
            "One",
            "essential",
            "2026-11",
            True,
            a.status,
            a.reasons,
            a.kpis,
            a.rating,
            None,
            None,
            (),
        )

    assert ev([90, 95]).summary() == "Every targeted metric on target"
    assert ev([90, 85.5, 88]).summary() == (
        "On track; m1 85.5% is within tolerance (5.0% short); 1 more within tolerance"
    )


@pytest.mark.parametrize(
    ("values", "incident"),
    [([90, 90], None), ([90, 85], None), ([90, 80], None), ([60, 90], None), ([90, None], None),
     ([90, 90], "minor"), ([95, 90], "critical")],
)  # fmt: skip
def test_rating_alone_agrees_with_assess(values: list[float | None], incident: str | None) -> None:
    from csconsole.health.rules import rating_alone

    metrics = [
        metric("user_adoption", 90, values[0]),
        metric("satisfaction", 8.5, None if values[1] is None else values[1] / 10),
    ]
    incidents = [IncidentInput("I", incident, "t", "2026-11-01 00:00:00")] if incident else []
    full = assess(metrics=metrics, incidents=incidents, bands=BANDS)
    assert rating_alone(metrics=metrics, incidents=incidents, bands=BANDS) == full.rating
