"""The distribution functions and rank tests of stats._dist give scipy.stats' numbers to the last
bit (the statistics import scipy.special only), edge cases included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from her2var.stats import _dist


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_chi_square_survival() -> None:
    rng = np.random.default_rng(7)
    xs = [*np.abs(rng.normal(0, 40, 3000)), 0.0, -0.0, 1e-300, 1e300, math.inf, -1.0, -1e-12, math.nan]
    for df in (1, 2, 3, 5, 12, 0.5):
        for x in xs:
            assert same(_dist.chi2_sf(float(x), df), float(stats.chi2.sf(x, df))), (x, df)


def test_normal_functions() -> None:
    rng = np.random.default_rng(8)
    for x in [*rng.normal(0, 10, 3000), 0.0, -0.0, 40.0, -40.0, math.inf, -math.inf, math.nan]:
        assert same(_dist.norm_cdf(float(x)), float(stats.norm.cdf(x)))
        assert same(_dist.norm_sf(float(x)), float(stats.norm.sf(x)))
    for q in [*rng.random(3000), 0.0, 1.0, 0.5, 0.025, 0.975, 1e-300]:
        assert same(_dist.norm_ppf(float(q)), float(stats.norm.ppf(q)))


def test_beta_quantiles_of_clopper_pearson_intervals() -> None:
    for n in [*range(1, 120), 500, 2000, 10000]:
        for x in range(0, n + 1, max(1, n // 60)):
            for alpha in (0.05, 0.1, 0.01):
                if x > 0:
                    assert _dist.beta_ppf(alpha / 2, x, n - x + 1) == float(stats.beta.ppf(alpha / 2, x, n - x + 1))
                if x < n:
                    assert _dist.beta_ppf(1 - alpha / 2, x + 1, n - x) == float(
                        stats.beta.ppf(1 - alpha / 2, x + 1, n - x))


def _samples(rng: np.random.Generator, k: int) -> list[np.ndarray]:
    """Groups of sizes from 1 to 400, values rounded to few digits (many ties) or not at all."""
    digits = int(rng.choice([0, 1, 3, 12]))
    scale = float(rng.choice([1.0, 10.0, 1000.0]))
    return [np.round(rng.normal(rng.normal(0, 1), 1, int(rng.integers(1, 400))) * scale, digits) for _ in range(k)]


@pytest.mark.parametrize("seed", range(300))
def test_mann_whitney_normal_approximation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = _samples(rng, 2)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True, method="asymptotic")
    u, p = _dist.mann_whitney_normal(a, b)
    assert u == float(ref.statistic) and same(p, float(ref.pvalue))


@pytest.mark.parametrize("seed", range(300))
def test_kruskal_wallis(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    samples = _samples(rng, int(rng.integers(2, 7)))
    ref = stats.kruskal(*samples)
    h, p = _dist.kruskal_wallis(samples)
    assert same(h, float(ref.statistic)) and same(p, float(ref.pvalue))


@pytest.mark.parametrize("samples", [
    [np.array([1.0, 1.0]), np.array([1.0, 1.0, 1.0])],  # every value tied
    [np.array([2.0]), np.array([1.0])],  # one value each
    [np.array([1.0, 2.0]), np.array([], dtype=float)],  # an empty group
    [np.array([3.0, 3.0, 3.0]), np.array([3.0]), np.array([3.0, 3.0])],
    [np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 4.0]), np.array([], dtype=float)],
])
def test_degenerate_inputs_give_what_scipy_gives(samples: list[np.ndarray]) -> None:
    with np.errstate(all="ignore"), pytest.MonkeyPatch.context() as mp:
        mp.setattr("warnings.warn", lambda *a, **k: None)
        if len(samples) == 2:
            ref = stats.mannwhitneyu(*samples, alternative="two-sided", use_continuity=True, method="asymptotic")
            got = _dist.mann_whitney_normal(*samples)
            assert same(got[0], float(ref.statistic)) and same(got[1], float(ref.pvalue))
        ref = stats.kruskal(*samples)
        h, p = _dist.kruskal_wallis(samples)
        assert same(h, float(ref.statistic)) and same(p, float(ref.pvalue))


def test_exact_mann_whitney_is_scipys() -> None:
    a, b = np.array([1.1, 2.3, 0.4, 5.0]), np.array([3.3, 4.8, 6.1, 7.7, 2.9])
    ref = stats.mannwhitneyu(a, b, alternative="two-sided", method="exact")
    assert _dist.mann_whitney_exact(a, b) == (float(ref.statistic), float(ref.pvalue))
