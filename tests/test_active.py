"""Tests of lossbook.active: determinism, the initial labelled set, the bookkeeping of the loop,
every strategy on hand-made cases where the answer is obvious, the link between uncertainty
measures and losses, the fast expected-error-reduction update against refitting, and the errors."""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from lossbook import active, losses

NAMES = sorted(active.STRATEGIES)


@pytest.fixture(scope="module")
def blobs():
    """Three overlapping classes in 2-D: a pool of 240 points and a test set of 120."""
    X, y = make_blobs(n_samples=360, centers=[(-2, -1), (2, -1), (0, 2)], cluster_std=1.4, random_state=0)
    return X[:240], y[:240], X[240:], y[240:]


def est(**kw):
    return LogisticRegression(max_iter=1000, **kw)


def call(strategy, estimator, X_pool, **context):
    """Call a strategy with the context keywords it accepts, as the loop does."""
    accepted = inspect.signature(strategy).parameters
    return strategy(estimator, X_pool, **{k: v for k, v in context.items() if k in accepted})


# ------------------------------------------------------------------------------------------
# Hand-made cases: the point on the decision boundary must come first
# ------------------------------------------------------------------------------------------

def binary_case():
    """Two overlapping 1-D classes, symmetric about 0; the pool point at 0 is the uncertain one."""
    x = np.array([-3, -2.5, -2, -1.5, -1, 0.4, 3, 2.5, 2, 1.5, 1, -0.4])
    X = np.column_stack([x, np.zeros_like(x)])
    y = np.array([0] * 6 + [1] * 6)
    pool = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 0.0], [-2.5, 0.5], [2.5, -0.5]])
    return X, y, pool, 2


def three_class_case():
    """Three classes at 120° around the origin; the pool point at the origin is the uncertain one."""
    rng = np.random.default_rng(0)
    angles = np.deg2rad([90, 210, 330])
    centres = 3 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = np.vstack([c + rng.normal(0, 0.9, size=(8, 2)) for c in centres])
    y = np.repeat([0, 1, 2], 8)
    pool = np.vstack([[0.0, 0.0], 1.3 * centres, 2.0 * centres[::-1] + 0.3])
    return X, y, pool, 0


@pytest.mark.parametrize("case", [binary_case, three_class_case])
@pytest.mark.parametrize("name", [n for n in NAMES if n != "random"])
def test_every_strategy_ranks_the_obviously_uncertain_point_first(case, name):
    X, y, pool, uncertain = case()
    model = est().fit(X, y)
    strategy = active.STRATEGIES[name]
    if name == "committee":
        strategy = partial(strategy, n_members=9)       # enough members to disagree at a tie
    for seed in range(3):
        scores = call(strategy, model, pool, rng=seed, X_labelled=X, y_labelled=y)
        assert scores.shape == (len(pool),)
        assert np.argmax(scores) == uncertain, (name, seed, scores)
        others = np.delete(scores, uncertain)
        assert scores[uncertain] > others.max(), (name, seed, scores)


def test_expected_error_reduction_by_refit_agrees_on_the_hand_made_cases():
    for case in (binary_case, three_class_case):
        X, y, pool, uncertain = case()
        model = est().fit(X, y)
        scores = active.expected_error_reduction(model, pool, X_labelled=X, y_labelled=y, rng=0, update="refit")
        assert np.argmax(scores) == uncertain


def test_random_ignores_the_model_and_follows_the_seed():
    pool = np.zeros((50, 2))
    a = active.random(None, pool, rng=np.random.default_rng(3))
    b = active.random(None, pool, rng=3)
    assert np.array_equal(a, b) and a.shape == (50,)
    assert not np.array_equal(a, active.random(None, pool, rng=4))


# ------------------------------------------------------------------------------------------
# Uncertainty measures are expected losses under the model's own belief
# ------------------------------------------------------------------------------------------

def test_entropy_is_the_expected_log_loss_and_least_confidence_the_expected_zero_one_loss():
    p = np.random.default_rng(1).dirichlet(np.ones(4), size=50)
    labels = np.arange(4)
    # E_{y~p}[ℓ(y, p)] = Σ_c p_c ℓ(c, p), with lossbook's own losses
    log_loss = np.column_stack([losses.categorical_cross_entropy(np.full(50, c), p, reduction="none") for c in labels])
    zero_one = np.column_stack([losses.zero_one(np.full(50, c), p, reduction="none") for c in labels])
    assert np.allclose(active.uncertainty(p, "entropy"), (p * log_loss).sum(axis=1))
    assert np.allclose(active.uncertainty(p, "least_confidence"), (p * zero_one).sum(axis=1))


def test_uncertainty_measures_on_known_vectors():
    p = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0], [0.6, 0.3, 0.1]])
    assert np.allclose(active.uncertainty(p, "least_confidence"), [0, 2 / 3, 0.5, 0.4])
    assert np.allclose(active.uncertainty(p, "margin"), [-1, 0, 0, -0.3])
    assert np.allclose(active.uncertainty(p, "entropy"), [0, np.log(3), np.log(2), -(p[3] * np.log(p[3])).sum()])
    assert not np.signbit(active.uncertainty(p[:1], "entropy")).any()      # 0.0, not −0.0


def test_for_two_classes_the_three_uncertainty_measures_rank_alike():
    p1 = np.random.default_rng(2).uniform(size=200)
    p = np.column_stack([1 - p1, p1])
    orders = [np.argsort(active.uncertainty(p, m), kind="stable") for m in ("least_confidence", "margin", "entropy")]
    assert np.array_equal(orders[0], orders[1]) and np.array_equal(orders[0], orders[2])


def test_expected_gradient_length_is_the_expected_norm_of_the_log_loss_gradient(blobs):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    x = X[100:105]
    p = model.predict_proba(x)
    xt = np.hstack([x, np.ones((5, 1))])
    expected = np.zeros(5)
    for c in range(3):
        grad = (p - np.eye(3)[c])[:, :, None] * xt[:, None, :]            # ∂ℓ/∂[W b] = (p − e_c) x̃ᵀ
        expected += p[:, c] * np.linalg.norm(grad.reshape(5, -1), axis=1)
    assert np.allclose(active.expected_gradient_length(model, x), expected)


def test_expected_gradient_length_binary_uses_the_single_logit():
    X, y, pool, _ = binary_case()
    model = est().fit(X, y)
    p = model.predict_proba(pool)[:, 1]
    norm = np.linalg.norm(np.hstack([pool, np.ones((len(pool), 1))]), axis=1)
    assert np.allclose(active.expected_gradient_length(model, pool), 2 * p * (1 - p) * norm)


def test_vote_entropy():
    votes = np.array([[0, 0, 1], [0, 1, 2], [0, 1, 0]])
    assert np.allclose(active.vote_entropy(votes, 3), [0, np.log(3) - (2 / 3) * np.log(2), np.log(3)])


# ------------------------------------------------------------------------------------------
# Expected error reduction: the fast update against exact refitting
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loader, n_labelled, n_candidates", [
    (load_wine, 10, 30), (load_breast_cancer, 10, 30), (load_digits, 30, 20)])
def test_quadratic_update_chooses_what_refitting_chooses(loader, n_labelled, n_candidates):
    """The fast update is an approximation: it must rank like exact refitting and pick a candidate
    whose exact expected reduction is close to the best one."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labelled = active.initial_indices(y, n_labelled, np.random.default_rng(n_labelled))
    pool = np.setdiff1d(np.arange(len(y)), labelled)
    model = est().fit(X[labelled], y[labelled])
    kw = dict(X_labelled=X[labelled], y_labelled=y[labelled], rng=0, n_candidates=n_candidates, n_evaluation=100)
    fast = active.expected_error_reduction(model, X[pool], **kw)
    exact = active.expected_error_reduction(model, X[pool], update="refit", **kw)
    ok = np.isfinite(fast)
    assert np.array_equal(ok, np.isfinite(exact)) and ok.sum() == n_candidates      # the same subsample
    assert np.corrcoef(fast[ok], exact[ok])[0, 1] > 0.75
    assert exact[ok][np.argmax(fast[ok])] >= 0.9 * exact[ok].max()


def test_label_updates_match_the_refitted_parameters(blobs):
    X, y, *_ = blobs
    model = est(tol=1e-8).fit(X[:40], y[:40])
    x = X[[150]]
    p = model.predict_proba(x)[0]
    step = active._label_updates(model, active._hessian_solver(model, X[:40]), x)                     # (1, K, J, D)
    theta = np.hstack([model.coef_, model.intercept_[:, None]])
    for c in range(3):
        refit = est(tol=1e-8).fit(np.vstack([X[:40], x]), np.append(y[:40], c))
        change = np.hstack([refit.coef_, refit.intercept_[:, None]]) - theta
        predicted = step[0, c].copy()
        for a in (change, predicted):   # multinomial intercepts are defined up to a common constant
            a[:, -1] -= a[:, -1].mean()
        cosine = (predicted * change).sum() / np.linalg.norm(predicted) / np.linalg.norm(change)
        assert cosine > 0.9, (c, p[c], cosine)
        if p[c] > 0.5:                  # the likely label: the quadratic model is accurate there
            assert np.linalg.norm(predicted - change) < 0.1 * np.linalg.norm(change), (c, p[c])


def test_expected_error_reduction_subsamples_candidates(blobs):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    s = active.expected_error_reduction(model, X[30:], X_labelled=X[:30], y_labelled=y[:30], rng=0, n_candidates=7)
    assert np.isfinite(s).sum() == 7 and np.isneginf(s).sum() == len(X) - 30 - 7


# ------------------------------------------------------------------------------------------
# The loop
# ------------------------------------------------------------------------------------------

def test_initial_set_covers_every_class():
    y = np.repeat(np.arange(10), 30)
    for seed in range(5):
        first = active.initial_indices(y, 10, seed)
        assert sorted(y[first]) == list(range(10))
        more = active.initial_indices(y, 25, seed)
        assert len(set(more)) == 25 and set(y[more]) == set(range(10))
        few = active.initial_indices(y, 3, seed)
        assert len(set(y[few])) == 3                                      # as many classes as possible


def test_initial_set_of_the_loop_covers_every_class(blobs):
    X, y, *_ = blobs
    for seed in range(3):
        first = next(active.simulate("margin", X, y, estimator=est(), n_initial=3, seed=seed))
        assert sorted(y[first.labelled]) == [0, 1, 2]


@pytest.mark.parametrize("name", NAMES)
def test_learning_curve_is_deterministic_for_a_seed(blobs, name):
    X, y, Xt, yt = blobs
    kw = dict(estimator=est(), n_initial=6, batch_size=8, budget=30)
    a = active.learning_curve(name, X, y, Xt, yt, seed=1, **kw)
    b = active.learning_curve(name, X, y, Xt, yt, seed=1, **kw)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_different_seeds_give_different_runs(blobs):
    X, y, Xt, yt = blobs
    runs = [active.history("random", X, y, estimator=est(), n_initial=6, batch_size=8, budget=30, seed=s)
            for s in (0, 1)]
    assert not np.array_equal(runs[0][-1].labelled, runs[1][-1].labelled)


@pytest.mark.parametrize("n_initial, batch_size, budget, expected", [
    (10, 10, 60, [10, 20, 30, 40, 50, 60]),
    (5, 10, 32, [5, 15, 25, 32]),          # the last batch is cut so that exactly `budget` are used
    (7, 3, 7, [7]),                        # budget == n_initial: no query at all
    (3, 100, 50, [3, 50]),
])
def test_n_labels_bookkeeping(blobs, n_initial, batch_size, budget, expected):
    X, y, Xt, yt = blobs
    n_labels, scores = active.learning_curve("entropy", X, y, Xt, yt, estimator=est(), n_initial=n_initial,
                                             batch_size=batch_size, budget=budget)
    assert n_labels.tolist() == expected
    assert scores.shape == n_labels.shape and np.all((0 <= scores) & (scores <= 1))
    rounds = active.history("entropy", X, y, estimator=est(), n_initial=n_initial, batch_size=batch_size, budget=budget)
    for i, (r, n) in enumerate(zip(rounds, expected, strict=True)):
        assert r.labelled.size == n == len(set(r.labelled.tolist()))       # no point labelled twice
        assert np.isclose(r.estimator.score(Xt, yt), scores[i])
    for before, after in zip(rounds, rounds[1:]):
        assert np.array_equal(after.labelled[: before.labelled.size], before.labelled)
        assert np.array_equal(after.labelled[before.labelled.size:], after.queried)
        assert np.all(np.isnan(after.scores[before.labelled]))             # labelled points are not scored
        assert np.all(np.isfinite(after.scores[after.queried]))


def test_queried_points_are_the_top_scores(blobs):
    X, y, *_ = blobs
    rounds = active.history("least_confidence", X, y, estimator=est(), n_initial=6, batch_size=5, budget=16)
    for r in rounds[1:]:
        s = np.where(np.isnan(r.scores), -np.inf, r.scores)
        assert set(r.queried) == set(np.argsort(-s, kind="stable")[:5])


def test_estimator_is_cloned_not_modified(blobs):
    X, y, Xt, yt = blobs
    model = est()
    active.learning_curve("margin", X, y, Xt, yt, estimator=model, n_initial=6, batch_size=5, budget=16)
    assert not hasattr(model, "coef_")


def test_warm_start_survives_a_new_class(blobs):
    """With fewer initial labels than classes, a class appears later; the warm start must restart."""
    X, y, Xt, yt = blobs
    n_labels, scores = active.learning_curve("random", X, y, Xt, yt, estimator=est(warm_start=True), n_initial=2,
                                             batch_size=10, budget=42)
    assert n_labels[-1] == 42 and scores[-1] > 0.6


def test_a_callable_strategy_gets_only_the_context_it_asks_for(blobs):
    X, y, Xt, yt = blobs
    seen = []

    def simple(estimator, X_pool):
        return -estimator.predict_proba(X_pool).max(axis=1)

    def greedy(estimator, X_pool, **context):
        seen.append(sorted(context))
        return np.zeros(len(X_pool))

    a = active.learning_curve(simple, X, y, Xt, yt, estimator=est(), n_initial=6, batch_size=5, budget=16)
    b = active.learning_curve("least_confidence", X, y, Xt, yt, estimator=est(), n_initial=6, batch_size=5, budget=16)
    assert np.array_equal(a[1], b[1])                  # −max p ranks exactly like 1 − max p
    active.learning_curve(greedy, X, y, Xt, yt, estimator=est(), n_initial=6, batch_size=5, budget=16)
    assert seen and all(keys == ["X_labelled", "rng", "y_labelled"] for keys in seen)


def test_compare_strategies_and_labels_to_reach(blobs):
    X, y, Xt, yt = blobs
    curves = active.compare_strategies({"rand": "random", "lc": "least_confidence"}, X, y, Xt, yt,
                                       estimator=est(), seeds=range(3), n_initial=6, batch_size=8, budget=30)
    assert list(curves) == ["rand", "lc"]
    c = curves["lc"]
    assert c.scores.shape == (3, c.n_labels.size) and np.allclose(c.mean, c.scores.mean(axis=0))
    assert active.labels_to_reach([10, 20, 30], [0.5, 0.9, 0.8], 0.85) == 20
    assert np.isnan(active.labels_to_reach([10, 20, 30], [0.5, 0.6, 0.7], 0.85))


@pytest.mark.parametrize("name", NAMES)
def test_every_strategy_can_be_called_with_estimator_and_pool_alone(blobs, name):
    """strategy(estimator, X_pool): rng defaults to default_rng(0) (deterministic), and the two
    strategies that refit on the labelled set take it as keywords."""
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    needs_labels = name in ("committee", "expected_error_reduction")
    labelled = dict(X_labelled=X[:30], y_labelled=y[:30]) if needs_labels else {}
    strategy = active.STRATEGIES[name]
    a = strategy(model, X[30:], **labelled)
    b = strategy(model, X[30:], **labelled)
    assert a.shape == (len(X) - 30,) and not np.isnan(a).any()
    np.testing.assert_array_equal(a, b)                       # no unseeded randomness
    if "rng" in inspect.signature(strategy).parameters:
        np.testing.assert_array_equal(a, strategy(model, X[30:], rng=0, **labelled))


@pytest.mark.parametrize("name", ["committee", "expected_error_reduction"])
def test_strategies_that_refit_say_they_need_the_labelled_set(blobs, name):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    with pytest.raises(ValueError, match=rf"{name}: X_labelled and y_labelled must be given .*got X_labelled=None, "
                                         r"y_labelled=None"):
        active.STRATEGIES[name](model, X[30:])
    with pytest.raises(ValueError, match=rf"{name}: X_labelled and y_labelled must be given .*y_labelled=None"):
        active.call_strategy(name, model, X[30:], X_labelled=X[:30])
    with pytest.raises(ValueError, match=rf"{name}: X_labelled must be 2-D and y_labelled 1-D"):
        active.STRATEGIES[name](model, X[30:], X_labelled=X[:30], y_labelled=y[:29])


def test_rng_must_be_a_generator_a_seed_or_none(blobs):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    with pytest.raises(ValueError, match=r"random: rng must be a numpy Generator, a non-negative integer seed or "
                                         r"None; got 'x'"):
        active.random(model, X, rng="x")


def test_class_discovery_counts_classes_and_matches_the_learning_curves(blobs):
    X, y, Xt, yt = blobs
    loop = dict(n_initial=2, batch_size=5, budget=22)
    d = active.class_discovery(["random", "margin"], X, y, Xt, yt, estimator=est(), seeds=range(3), **loop)
    curves = active.compare_strategies(["random", "margin"], X, y, Xt, yt, estimator=est(), seeds=range(3), **loop)
    for name in ("random", "margin"):
        np.testing.assert_array_equal(d[name].accuracy.scores, curves[name].scores)
        np.testing.assert_array_equal(d[name].classes.n_labels, [2, 7, 12, 17, 22])
        classes = d[name].classes.scores
        assert np.all(classes[:, 0] == 2) and np.all(np.diff(classes, axis=1) >= 0) and classes.max() <= 3
    with pytest.raises(ValueError, match=r"class_discovery: seeds must not be empty"):
        active.class_discovery(["random"], X, y, Xt, yt, estimator=est(), seeds=[])


def test_learning_curve_accuracy_is_the_estimators_score(blobs):
    """The direct accuracy shortcut gives exactly estimator.score; other estimators keep their score."""
    X, y, Xt, yt = blobs
    rounds = active.history("margin", X, y, estimator=est(), n_initial=6, batch_size=8, budget=22)
    _, scores = active.learning_curve("margin", X, y, Xt, yt, estimator=est(), n_initial=6, batch_size=8, budget=22)
    assert scores.tolist() == [r.estimator.score(Xt, yt) for r in rounds]

    class Scored(LogisticRegression):
        def score(self, X, y, sample_weight=None):
            return 0.5

    _, scores = active.learning_curve("margin", X, y, Xt, yt, estimator=Scored(max_iter=1000), n_initial=6,
                                      batch_size=8, budget=22)
    assert np.all(scores == 0.5)


def test_best_of_random_candidates():
    scores = np.array([0.0, 1.0, 2.0, 4.0])
    shares = active.best_of_random_candidates(scores, [1, 2, 4], n_draws=2000, seed=0)
    assert shares[-1] == 1.0 and np.all(np.diff(shares) > 0)
    assert shares[0] == pytest.approx(np.mean(scores) / 4, abs=0.03)        # one random candidate: the mean
    np.testing.assert_array_equal(shares, active.best_of_random_candidates(scores, [1, 2, 4], n_draws=2000, seed=0))
    with pytest.raises(ValueError, match=r"best_of_random_candidates: sizes\[i\] must be an integer in \[1, 4\] "
                                         r"\(the pool has 4 points\); got 5"):
        active.best_of_random_candidates(scores, [5])
    with pytest.raises(ValueError, match=r"the largest score must be positive"):
        active.best_of_random_candidates(-scores, [1])
    with pytest.raises(ValueError, match=r"scores must be a non-empty 1-D array of finite numbers"):
        active.best_of_random_candidates([np.nan, 1.0], [1])


def test_refit_starts_from_the_current_solution_with_warm_start_and_gives_the_same_scores(blobs):
    X, y, *_ = blobs
    ctx = dict(X_labelled=X[:30], y_labelled=y[:30], rng=0)
    warm = est(warm_start=True, tol=1e-10).fit(X[:30], y[:30])
    before = warm.coef_.copy()
    scores = [active.expected_error_reduction(m, X[30:], update="refit", n_candidates=8, **ctx)
              for m in (est(tol=1e-10).fit(X[:30], y[:30]), warm)]
    assert np.isfinite(scores[0]).sum() == 8
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-6)    # same optimum, reached from either start
    np.testing.assert_array_equal(warm.coef_, before)               # the copies are refitted, not the estimator


def test_select_breaks_ties_at_random_and_keeps_the_best():
    scores = np.array([0.0, 5.0, 1.0, 1.0, 1.0, 1.0])
    picks = {tuple(active.select(scores, 2, seed)) for seed in range(20)}
    assert all(p[0] == 1 for p in picks) and len({p[1] for p in picks}) > 1


# ------------------------------------------------------------------------------------------
# Runs in several processes give the same numbers; the fast linear algebra is exact
# ------------------------------------------------------------------------------------------

def _pid(i):
    return i, os.getpid()


def test_run_in_processes_keeps_the_order_and_uses_other_processes():
    tasks = [partial(_pid, i) for i in range(7)]
    out = active.run_in_processes(tasks, n_jobs=2)
    assert [i for i, _ in out] == list(range(7))
    pids = {pid for _, pid in out}
    if sys.platform.startswith("linux"):
        assert os.getpid() not in pids and 1 <= len(pids) <= 2          # forked workers did the work
    for kw in (dict(n_jobs=1), dict(n_jobs=2, sequential=True)):
        assert {pid for _, pid in active.run_in_processes(tasks, **kw)} == {os.getpid()}
    assert active.run_in_processes([], n_jobs=2) == []


def test_run_in_processes_falls_back_to_one_process_where_forking_is_not_safe(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    out = active.run_in_processes([partial(_pid, i) for i in range(3)], n_jobs=2)
    assert {pid for _, pid in out} == {os.getpid()}


def test_run_in_processes_raises_the_errors_and_warnings_of_its_workers():
    def fails():
        raise ValueError("task: no")

    def warns():
        warnings.warn("careful", UserWarning)
        return 1

    with pytest.raises(ValueError, match="task: no"):
        active.run_in_processes([lambda: 0, fails], n_jobs=2)
    with pytest.warns(UserWarning, match="careful"):
        assert active.run_in_processes([warns, lambda: 2], n_jobs=2) == [1, 2]
    with pytest.raises(ValueError, match=r"run_in_processes: n_jobs must be a positive integer \(processes at a "
                                         r"time\); got 0"):
        active.run_in_processes([lambda: 0], n_jobs=0)


def test_a_worker_runs_its_own_parallel_calls_in_turn():
    inner = lambda: [pid for _, pid in active.run_in_processes([partial(_pid, i) for i in range(3)], n_jobs=2)]
    for pids in active.run_in_processes([inner, inner], n_jobs=2):
        assert len(set(pids)) == 1                                           # the worker itself, no grandchildren


def test_parallel_curves_are_the_curves_in_turn(blobs):
    """n_jobs changes where the runs are computed, not what they compute — for names, callables
    (a lambda: the workers are forked, nothing is pickled) and class discovery."""
    X, y, Xt, yt = blobs
    strategies = {"random": "random", "committee": "committee",
                  "eer": partial(active.expected_error_reduction, n_candidates=10),
                  "lambda": lambda estimator, X_pool: -estimator.predict_proba(X_pool).max(axis=1)}
    kw = dict(estimator=est(warm_start=True), seeds=range(3), n_initial=3, batch_size=6, budget=21)
    one, two = (active.compare_strategies(strategies, X, y, Xt, yt, n_jobs=n, **kw) for n in (1, 2))
    assert list(one) == list(two) == list(strategies)
    for name in strategies:
        np.testing.assert_array_equal(one[name].n_labels, two[name].n_labels)
        np.testing.assert_array_equal(one[name].scores, two[name].scores)
    d1, d2 = (active.class_discovery(["random", "margin"], X, y, Xt, yt, n_jobs=n, **kw) for n in (1, 2))
    for name in d1:
        np.testing.assert_array_equal(d1[name].accuracy.scores, d2[name].accuracy.scores)
        np.testing.assert_array_equal(d1[name].classes.scores, d2[name].classes.scores)
    for f in (active.compare_strategies, active.class_discovery):
        with pytest.raises(ValueError, match=rf"{f.__name__}: n_jobs must be a positive integer .*got 1.5"):
            f(["random"], X, y, Xt, yt, n_jobs=1.5, **kw)


def test_generator_seeds_take_their_turns(blobs):
    """Runs that share a Generator advance it one after the other, with n_jobs as without."""
    X, y, Xt, yt = blobs
    kw = dict(estimator=est(), n_initial=3, batch_size=6, budget=15)
    rngs = {n: np.random.default_rng(5) for n in (1, 2)}
    curves = {n: active.compare_strategies(["random"], X, y, Xt, yt, seeds=[rng, rng], n_jobs=n, **kw)["random"]
              for n, rng in rngs.items()}
    np.testing.assert_array_equal(curves[1].scores, curves[2].scores)
    once = np.random.default_rng(5)
    active.learning_curve("random", X, y, Xt, yt, seed=once, **kw)
    assert rngs[1].random() == rngs[2].random() != once.random()            # both advanced by two runs


@pytest.mark.parametrize("update, n_candidates", [("quadratic", 150), ("refit", 6)])
def test_expected_error_reduction_in_processes_gives_the_same_scores(blobs, update, n_candidates):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    kw = dict(X_labelled=X[:30], y_labelled=y[:30], rng=0, n_candidates=n_candidates, update=update)
    one = active.expected_error_reduction(model, X[30:], **kw)                 # 150: three chunks of 64
    np.testing.assert_array_equal(one, active.expected_error_reduction(model, X[30:], n_jobs=2, **kw))
    assert np.isfinite(one).sum() == n_candidates
    with pytest.raises(ValueError, match=r"expected_error_reduction: n_jobs must be a positive integer"):
        active.expected_error_reduction(model, X[30:], n_jobs=0, **kw)


@pytest.mark.parametrize("n", [1, 5, 64, 65, 130, 200])
@pytest.mark.parametrize("order", ["C", "F"])
def test_symmetrise_lower_copies_the_lower_triangle_up(n, order):
    A = np.asarray(np.random.default_rng(n).normal(size=(n, n)), order=order)
    expected = np.tril(A) + np.tril(A, -1).T
    out = active._symmetrise_lower(A)
    assert out is A
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("X_y", [load_wine, load_breast_cancer], ids=["three classes", "two classes"])
def test_inverse_hessian_inverts_the_hessian(X_y):
    """The Hessian of C·Σ log loss + ½‖w‖² (+ 1e-6 ridge), built term by term, times the returned
    matrix is the identity; the result is symmetric and C-ordered."""
    X, y = X_y(return_X_y=True)
    X = StandardScaler().fit_transform(X)[::4]
    y = y[::4]
    model = est(C=0.5).fit(X, y)
    Xt = np.hstack([X, np.ones((len(X), 1))])
    P = model.predict_proba(X)
    if len(model.classes_) == 2:
        H = sum(p[1] * p[0] * np.outer(x, x) for p, x in zip(P, Xt))
    else:
        H = sum(np.kron(np.diag(p) - np.outer(p, p), np.outer(x, x)) for p, x in zip(P, Xt))
    J = model.coef_.shape[0]
    penalty = np.tile(np.append(np.ones(X.shape[1]), 0.0), J)
    H = 0.5 * H + np.diag(penalty + 1e-6)
    Hinv = active._inverse_hessian(model, X)
    assert Hinv.flags.c_contiguous and np.array_equal(Hinv, Hinv.T)
    np.testing.assert_allclose(Hinv @ H, np.eye(len(H)), atol=1e-6)


@pytest.mark.parametrize("loader, n_labelled", [(load_wine, 12), (load_digits, 40), (load_digits, 200)])
def test_woodbury_and_direct_hessian_solves_agree(monkeypatch, loader, n_labelled):
    """The two exact ways to H⁻¹U give the same logit changes (up to the constant that multinomial
    logits are defined up to) and the same expected error reduction."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labelled = active.initial_indices(y, n_labelled, np.random.default_rng(0))
    pool = np.setdiff1d(np.arange(len(y)), labelled)
    model = est().fit(X[labelled], y[labelled])
    Xe = np.hstack([X[pool[10:60]], np.ones((50, 1))])
    logits = {}
    for method in ("direct", "woodbury"):
        step = active._label_updates(model, active._hessian_solver(model, X[labelled], method=method), X[pool[:10]])
        dz = np.einsum("mkjd,ed->mkje", step, Xe)                        # (candidate, label, class, point)
        logits[method] = dz - dz.mean(axis=2, keepdims=True)
    np.testing.assert_allclose(logits["woodbury"], logits["direct"], rtol=1e-6, atol=1e-9)
    kw = dict(X_labelled=X[labelled], y_labelled=y[labelled], rng=0, n_candidates=20)
    solver = active._hessian_solver
    scores = {}
    for method in ("direct", "woodbury"):
        monkeypatch.setattr(active, "_hessian_solver", partial(solver, method=method))
        scores[method] = active.expected_error_reduction(model, X[pool], **kw)
    ok = np.isfinite(scores["direct"])
    np.testing.assert_allclose(scores["woodbury"][ok], scores["direct"][ok], rtol=1e-8)


@pytest.mark.parametrize("J", [1, 4])
@pytest.mark.parametrize("loss, measure", [("log", "entropy"), ("zero_one", "least_confidence")])
def test_mean_loss_of_logits_is_the_uncertainty_of_the_softmax(J, loss, measure):
    Z = np.random.default_rng(J).normal(scale=4, size=(3, 2, J, 50))     # (…, classes, points)
    Z[0, 0, 0, 0] = 800.0                                                # a certain prediction: no overflow
    expected = np.array([[active.uncertainty(active._proba_from_logits(Z[a, b].T), measure).mean()
                          for b in range(2)] for a in range(3)])
    np.testing.assert_allclose(active._mean_loss_of_logits(Z.copy(), loss), expected, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------------------------
# Errors name the parameter, the allowed values and what was received
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, match", [
    (dict(budget=1000), r"budget must be an integer in \[2, 240\] \(the pool has 240 points\); got 1000"),
    (dict(batch_size=0), r"batch_size must be an integer >= 1; got 0"),
    (dict(n_initial=0), r"n_initial must be an integer in \[2, 200\]"),
    # one label is one class: scikit-learn would fail inside the loop ("at least 2 classes")
    (dict(n_initial=1), r"n_initial must be an integer in \[2, 200\] \(at least 2, so that the initial labels "
                        r"cover two classes — the pool has 3; at most budget = 200\); got 1"),
    (dict(n_initial=50, budget=20), r"n_initial must be an integer in \[2, 20\] .*at most budget = 20\); got 50"),
    (dict(seed=None), r"seed must be a non-negative integer or a numpy Generator \(the run is deterministic "
                      r"for a seed\); got None"),
    (dict(seed=1.5), r"seed must be a non-negative integer or a numpy Generator .*got 1.5"),
    (dict(seed=-1), r"seed must be a non-negative integer .*got -1"),
    (dict(seed=True), r"seed must be a non-negative integer .*got True"),
    (dict(budget=2.5), r"budget must be an integer"),
    (dict(strategy="uncertainty"), r"strategy must be one of \['committee', 'entropy', 'expected_error_reduction', "
                                   r"'expected_gradient_length', 'least_confidence', 'margin', 'random'\] or a "
                                   r"callable; got 'uncertainty'"),
    (dict(strategy=42), r"strategy must be one of .* or a callable; got 42"),
    (dict(estimator=None), r"estimator must be a scikit-learn classifier"),
])
def test_learning_curve_errors(blobs, kw, match):
    X, y, Xt, yt = blobs
    args = dict(strategy="margin", estimator=est())
    args.update(kw)
    strategy = args.pop("strategy")
    with pytest.raises(ValueError, match="learning_curve: " + match):
        active.learning_curve(strategy, X, y, Xt, yt, **args)


def test_a_pool_of_one_class_is_refused(blobs):
    X, y, Xt, yt = blobs
    with pytest.raises(ValueError, match=r"learning_curve: y_pool must contain at least 2 classes .*got 1"):
        active.learning_curve("margin", X, np.zeros(len(X), dtype=int), Xt, yt, estimator=est())


def test_n_initial_two_with_more_classes_works(blobs):
    """Two initial labels of two classes: the smallest start the loop allows (a cold start)."""
    X, y, Xt, yt = blobs
    first = next(active.simulate("margin", X, y, estimator=est(), n_initial=2, seed=0))
    assert len(set(y[first.labelled])) == 2


def test_a_generator_seed_is_accepted_and_deterministic_in_its_state(blobs):
    X, y, Xt, yt = blobs
    kw = dict(estimator=est(), n_initial=6, batch_size=8, budget=30)
    a = active.learning_curve("random", X, y, Xt, yt, seed=np.random.default_rng(3), **kw)
    b = active.learning_curve("random", X, y, Xt, yt, seed=np.random.default_rng(3), **kw)
    assert np.array_equal(a[1], b[1])


def test_shape_errors(blobs):
    X, y, Xt, yt = blobs
    with pytest.raises(ValueError, match=r"learning_curve: X_pool must be 2-D"):
        active.learning_curve("margin", X[:, 0], y, Xt, yt, estimator=est())
    with pytest.raises(ValueError, match=r"learning_curve: y_pool must be 1-D with one label per row of X_pool \(240\)"):
        active.learning_curve("margin", X, y[:-1], Xt, yt, estimator=est())
    with pytest.raises(ValueError, match=r"learning_curve: y_test must be 1-D"):
        active.learning_curve("margin", X, y, Xt, yt[:3], estimator=est())
    with pytest.raises(ValueError, match=r"simulate: budget"):
        active.simulate("margin", X, y, estimator=est(), budget=10_000)      # checked at once, not lazily


def test_strategy_returning_the_wrong_shape(blobs):
    X, y, Xt, yt = blobs
    with pytest.raises(ValueError, match=r"strategy 'bad' must return one non-NaN score per unlabelled point"):
        def bad(estimator, X_pool):
            return np.zeros(3)
        active.learning_curve(bad, X, y, Xt, yt, estimator=est(), n_initial=6, budget=20)


def test_strategy_parameter_errors(blobs):
    X, y, *_ = blobs
    model = est().fit(X[:30], y[:30])
    ctx = dict(X_labelled=X[:30], y_labelled=y[:30], rng=0)
    with pytest.raises(ValueError, match=r"expected_error_reduction: loss must be one of \['log', 'zero_one'\]; got 'hinge'"):
        active.expected_error_reduction(model, X[30:], loss="hinge", **ctx)
    with pytest.raises(ValueError, match=r"update must be 'quadratic' or 'refit'; got 'newton'"):
        active.expected_error_reduction(model, X[30:], update="newton", **ctx)
    with pytest.raises(ValueError, match=r"n_candidates must be a positive integer; got 0"):
        active.expected_error_reduction(model, X[30:], n_candidates=0, **ctx)
    nb = GaussianNB().fit(X[:30], y[:30])
    with pytest.raises(ValueError, match=r"update='quadratic' needs a LogisticRegression; got GaussianNB \(use update='refit'\)"):
        active.expected_error_reduction(nb, X[30:], **ctx)
    assert np.isfinite(active.expected_error_reduction(nb, X[30:], update="refit", n_candidates=5, **ctx)).sum() == 5
    l1 = LogisticRegression(solver="saga", l1_ratio=1.0, max_iter=5000).fit(X[:30], y[:30])
    with pytest.raises(ValueError, match=r"needs a plain L2 penalty"):
        active.expected_error_reduction(l1, X[30:], **ctx)
    with pytest.raises(ValueError, match=r"committee: n_members must be an integer >= 2; got 1"):
        active.committee(model, X[30:], n_members=1, **ctx)
    with pytest.raises(ValueError, match=r"uncertainty: measure must be one of \['entropy', 'least_confidence', 'margin'\]"):
        active.uncertainty(np.eye(3), "variance")
    with pytest.raises(ValueError, match=r"compare_strategies: seeds must not be empty"):
        active.compare_strategies(["random"], X, y, X, y, estimator=est(), seeds=[])


def test_pool_test_split_standardises_with_the_pool():
    X, y = load_wine(return_X_y=True)
    X_pool, X_test, y_pool, y_test = active.pool_test_split(X, y, test_size=50, seed=0)
    assert X_test.shape == (50, 13) and len(y_pool) == len(X) - 50
    assert np.allclose(X_pool.mean(axis=0), 0) and np.allclose(X_pool.std(axis=0), 1)
    assert np.array_equal(np.bincount(y_test) > 0, np.ones(3, dtype=bool))        # stratified
