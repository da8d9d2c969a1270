"""lossbook.specialized: triplet mining obeys its definitions, the embedding and ranking gradients
agree with finite differences, the distillation student reduces to softmax regression, the focal
and cost helpers match hand computations, and bad input is rejected with a clear ValueError.
Also smoke tests of lossbook.plots_specialized and lossbook.widgets.specialized."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import l1_min_c  # noqa: E402

from lossbook import losses, specialized  # noqa: E402
from lossbook import plots_specialized as ps  # noqa: E402
from lossbook.specialized import _embedding_step  # noqa: E402

RNG = np.random.default_rng(0)
X_DIG, Y_DIG = load_digits(return_X_y=True)
X_DIG = StandardScaler().fit_transform(X_DIG)


def finite_difference(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        g.flat[k] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ---------------------------------------------------------------------------------------------
# Mining
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", specialized.MINING)
def test_mined_triplets_have_the_right_labels(strategy):
    Z = RNG.normal(size=(60, 2))
    labels = np.repeat(np.arange(4), 15)
    a, p, n = specialized.mine_triplets(Z, labels, strategy=strategy, random_state=1)
    assert a.shape == p.shape == n.shape == (60,)
    assert np.all(labels[a] == labels[p]) and np.all(a != p)
    assert np.all(labels[a] != labels[n])


def test_hard_negative_is_the_closest_and_semi_hard_is_the_closest_beyond_the_positive():
    Z = RNG.normal(size=(40, 2))
    labels = np.repeat(np.arange(4), 10)
    D = np.linalg.norm(Z[:, None] - Z[None], axis=2)
    a, p, n = specialized.mine_triplets(Z, labels, strategy="hard", random_state=2)
    for ai, ni in zip(a, n):
        assert D[ai, ni] == D[ai, labels != labels[ai]].min()
    a, p, n = specialized.mine_triplets(Z, labels, strategy="semi-hard", random_state=2)
    for ai, pi, ni in zip(a, p, n):
        beyond = (labels != labels[ai]) & (D[ai] > D[ai, pi])
        if beyond.any():
            assert D[ai, ni] == D[ai, beyond].min()


def test_mining_skips_rows_without_a_partner_and_is_reproducible():
    Z = RNG.normal(size=(7, 2))
    labels = np.array([0, 0, 0, 1, 1, 2, 3])  # 2 and 3 have no positive
    a, p, n = specialized.mine_triplets(Z, labels, strategy="random", random_state=5)
    assert set(a) == {0, 1, 2, 3, 4}
    again = specialized.mine_triplets(Z, labels, strategy="random", random_state=5)
    assert all(np.array_equal(u, v) for u, v in zip((a, p, n), again))


@pytest.mark.parametrize("kwargs, match", [
    ({"strategy": "easy"}, "strategy must be one of"),
    ({"margin": -1.0}, "margin must be a finite number >= 0"),
])
def test_mining_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        specialized.mine_triplets(np.zeros((4, 2)), [0, 0, 1, 1], **kwargs)


def test_mining_needs_two_labels():
    with pytest.raises(ValueError, match="labels must give some row"):
        specialized.mine_triplets(np.zeros((4, 2)), [0, 0, 0, 0])


# ---------------------------------------------------------------------------------------------
# Linear embeddings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["triplet", "contrastive"])
def test_embedding_gradient_is_the_chain_rule(loss):
    X = RNG.normal(size=(30, 5))
    labels = np.repeat(np.arange(3), 10)
    W = RNG.normal(size=(5, 2))
    a, p, n = specialized.mine_triplets(X @ W, labels, strategy="random", random_state=0)

    def mean_loss(w):
        return _embedding_step(loss, X, X @ w.reshape(5, 2), a, p, n, 1.0)[0]

    grad = _embedding_step(loss, X, X @ W, a, p, n, 1.0)[2]
    np.testing.assert_allclose(grad.ravel(), finite_difference(mean_loss, W.ravel()), rtol=1e-5, atol=1e-7)


def test_embedding_respects_the_norm_and_starts_from_w0():
    start = specialized.fit_linear_embedding(X_DIG[:300], Y_DIG[:300], n_steps=0, max_norm=2.0, random_state=3)
    assert np.isclose(np.linalg.norm(start.W), 2.0) and start.losses.size == 0
    fit = specialized.fit_linear_embedding(X_DIG[:300], Y_DIG[:300], n_steps=30, max_norm=2.0, random_state=3,
                                           learning_rate=0.5)
    assert np.linalg.norm(fit.W) <= 2.0 + 1e-12
    again = specialized.fit_linear_embedding(X_DIG[:300], Y_DIG[:300], n_steps=30, max_norm=2.0, random_state=3,
                                             learning_rate=0.5)
    np.testing.assert_array_equal(fit.W, again.W)
    W0 = np.ones((64, 2))
    assert np.array_equal(specialized.fit_linear_embedding(X_DIG[:50], Y_DIG[:50], n_steps=0, W0=W0).W, W0)


def test_triplet_training_separates_the_digits():
    fit = specialized.fit_linear_embedding(X_DIG[:600], Y_DIG[:600], n_steps=150, learning_rate=0.2)
    start = specialized.fit_linear_embedding(X_DIG[:600], Y_DIG[:600], n_steps=0)

    def centroid_ratio(Z):  # spread of class centres over mean within-class spread
        centres = np.array([Z[Y_DIG[:600] == c].mean(axis=0) for c in range(10)])
        within = np.mean([Z[Y_DIG[:600] == c].std() for c in range(10)])
        return centres.std() / within

    assert centroid_ratio(fit.transform(X_DIG[:600])) > 2 * centroid_ratio(start.transform(X_DIG[:600]))
    assert fit.losses[-20:].mean() < fit.losses[:20].mean()


@pytest.mark.parametrize("kwargs, match", [
    ({"loss": "hinge"}, "loss must be one of"),
    ({"mining": "easy"}, "mining must be one of"),
    ({"max_norm": 0.0}, r"max_norm must be a finite number > 0 or None"),
    ({"n_components": 0}, "n_components must be an integer >= 1"),
    ({"batch_size": 2}, "batch_size must be an integer >= 3"),
    ({"learning_rate": -0.1}, "learning_rate must be a finite number > 0"),
    ({"W0": np.zeros((3, 2))}, r"W0 must have shape \(64, 2\)"),
])
def test_embedding_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        specialized.fit_linear_embedding(X_DIG[:20], Y_DIG[:20], n_steps=1, **kwargs)


def test_embedding_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="same number of samples"):
        specialized.fit_linear_embedding(X_DIG[:20], Y_DIG[:10], n_steps=1)


# ---------------------------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------------------------


def test_preference_pairs_have_no_ties_and_the_right_sign():
    t = np.array([1.0, 1.0, 2.0, 3.0, 3.0])
    i, j, y = specialized.sample_preference_pairs(t, n_pairs=50, random_state=0)
    assert i.size == 50 and np.all(t[i] != t[j])
    assert np.array_equal(y, np.sign(t[i] - t[j]))


def test_ranker_recovers_a_linear_order_and_its_subgradient_is_right():
    X = RNG.normal(size=(80, 4))
    t = X @ np.array([2.0, -1.0, 0.5, 0.0])
    i, j, y = specialized.sample_preference_pairs(t, n_pairs=600, random_state=1)
    fit = specialized.fit_pairwise_ranker(X, i, j, y, n_steps=300)
    assert fit.objective[-1] < fit.objective[0]
    s = fit.score(X)
    concordant = np.mean(np.sign(s[i] - s[j]) == y)
    assert concordant > 0.97
    # The margin ranking loss with margin 1 is the hinge loss of the score difference.
    w = RNG.normal(size=4)
    np.testing.assert_allclose(losses.margin_ranking(X[i] @ w, X[j] @ w, y, margin=1.0),
                               losses.hinge(y, (X[i] - X[j]) @ w))


@pytest.mark.parametrize("kwargs, match", [
    ({"i": np.array([0, 99])}, r"i must be 1-D integer row indices of X in 0..9"),
    ({"j": np.array([0.0, 1.0])}, "j must be 1-D integer row indices"),
    ({"margin": -1.0}, "margin must be a finite number >= 0"),
    ({"alpha": np.nan}, "alpha must be a finite number >= 0"),
])
def test_ranker_rejects_bad_arguments(kwargs, match):
    args = {"X": np.zeros((10, 2)), "i": np.array([0, 1]), "j": np.array([2, 3]), "y": np.array([1.0, -1.0])}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        specialized.fit_pairwise_ranker(args.pop("X"), args.pop("i"), args.pop("j"), args.pop("y"), **args)


def test_preference_pairs_reject_constant_targets():
    with pytest.raises(ValueError, match="at least two different values"):
        specialized.sample_preference_pairs(np.ones(5), n_pairs=3)


# ---------------------------------------------------------------------------------------------
# Distillation
# ---------------------------------------------------------------------------------------------


def test_soften_is_a_tempered_softmax():
    z = RNG.normal(size=(5, 4))
    np.testing.assert_allclose(specialized.soften(z, 1.0), losses.softmax(z, axis=1))
    q = specialized.soften(z, 1e6)
    np.testing.assert_allclose(q, 0.25, atol=1e-5)
    np.testing.assert_allclose(specialized.soften(np.log(losses.softmax(z, axis=1)), 1.0), losses.softmax(z, axis=1))
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        specialized.soften(z, 0.0)


def test_hard_label_student_is_multinomial_logistic_regression():
    X, y = X_DIG[:400, ::4], Y_DIG[:400]
    C = 0.5
    student = specialized.fit_softmax_student(X, labels=y, soft_weight=0.0, alpha=1 / (C * len(y)))
    reference = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(student.predict_proba(X), reference.predict_proba(X), atol=1e-4)


def test_one_hot_soft_targets_at_t1_equal_hard_labels():
    X, y = X_DIG[:200, ::4], Y_DIG[:200]
    hard = specialized.fit_softmax_student(X, labels=y, soft_weight=0.0)
    soft = specialized.fit_softmax_student(X, soft_targets=np.eye(10)[y], temperature=1.0)
    np.testing.assert_allclose(hard.W, soft.W, atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    ({"soft_weight": 1.5, "labels": Y_DIG[:20], "soft_targets": np.full((20, 10), 0.1)}, r"soft_weight must be in \[0, 1\]"),
    ({"soft_weight": 1.0}, "soft_targets are required"),
    ({"soft_weight": 0.0}, "labels are required"),
    ({"soft_weight": 0.0, "labels": Y_DIG[:20].astype(float)}, "labels must be 1-D integer class indices"),
])
def test_student_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        specialized.fit_softmax_student(X_DIG[:20], **kwargs)


# ---------------------------------------------------------------------------------------------
# Focal shares, costs, imbalance comparison, coefficient paths
# ---------------------------------------------------------------------------------------------


def test_focal_shares_sum_to_one_and_gamma_zero_is_cross_entropy():
    y = np.array([1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.4, 0.05, 0.02, 0.3, 0.7])
    shares = specialized.focal_loss_shares(y, p, gammas=[0.0, 2.0])
    for row in shares.values():
        assert np.isclose(sum(row.values()), 1.0)
    ce = losses.binary_cross_entropy(y, p, reduction="none")
    assert np.isclose(shares[0.0]["easy negatives"], ce[2:4].sum() / ce.sum())
    assert shares[2.0]["easy negatives"] < shares[0.0]["easy negatives"]
    with pytest.raises(ValueError, match=r"easy must be in \(0, 1\)"):
        specialized.focal_loss_shares(y, p, gammas=[1.0], easy=1.5)


def test_bayes_threshold_and_expected_cost():
    assert specialized.bayes_threshold(fn_cost=10.0) == pytest.approx(1 / 11)
    y = np.array([1, 0, 1, 0])
    p = np.array([0.2, 0.3, 0.8, 0.05])
    # t = 0.5: one FN (p = 0.2); t = 0.1: one FP (p = 0.3)
    np.testing.assert_allclose(specialized.expected_cost(y, p, [0.5, 0.1], fn_cost=10.0), [10 / 4, 1 / 4])
    with pytest.raises(ValueError, match="fn_cost must be a finite number > 0"):
        specialized.bayes_threshold(fn_cost=0.0)


def test_imbalance_comparison_is_paired_and_complete():
    X, y = make_classification(n_samples=600, weights=[0.9], random_state=0)
    candidates = {"ce": {"loss": "binary_cross_entropy_with_logits"},
                  "weighted": {"loss": "binary_cross_entropy_with_logits", "balanced": True}}
    result = specialized.cross_validate_imbalanced(X, y, candidates, n_splits=3)
    assert result.scores["ce"].shape == result.y.shape == (600,)
    assert set(result.metrics["ce"]) == {"recall", "precision", "pr_auc"}
    assert result.paired_difference("ce", "ce", "pr_auc") == (0.0, 0.0)
    assert result.metrics["weighted"]["recall"].mean() >= result.metrics["ce"]["recall"].mean()
    with pytest.raises(ValueError, match=r"candidates\['x'\] must be a dict with 'loss'"):
        specialized.cross_validate_imbalanced(X, y, {"x": {"los": "hinge"}})
    with pytest.raises(ValueError, match="y must contain the labels 0 and 1"):
        specialized.cross_validate_imbalanced(X, y + 1, candidates)


BC = load_breast_cancer()
X_BC, Y_BC = StandardScaler().fit_transform(BC.data), BC.target


def test_coefficient_paths_l1_is_sparse_and_both_match_scikit_learn():
    n = len(Y_BC)
    Cs = l1_min_c(X_BC, Y_BC, loss="log") * np.array([0.9, 10.0, 1000.0])
    alphas = 1 / (Cs * n)
    l1 = specialized.coefficient_paths(X_BC, Y_BC, alphas, penalty="l1")
    assert l1.coef.shape == (3, 30) and l1.intercept.shape == (3,) and "liblinear" in l1.solver
    counts = (np.abs(l1.coef) > 0).sum(axis=1)
    assert counts[0] == 0 and counts[1] < counts[2] < 30 + 1
    # liblinear's solutions satisfy the book's J1 optimality conditions, computed with lossbook's gradient
    assert np.all(l1.violation < 1e-3 * alphas)
    l2 = specialized.coefficient_paths(X_BC, Y_BC, alphas[1:2], penalty="l2")
    assert "LossClassifier" in l2.solver and l2.violation[0] < 1e-7
    reference = LogisticRegression(C=Cs[1], tol=1e-10, max_iter=10_000).fit(X_BC, Y_BC)
    np.testing.assert_allclose(l2.coef, reference.coef_, atol=1e-5)
    np.testing.assert_allclose(l2.intercept, reference.intercept_, atol=1e-5)


@pytest.mark.parametrize("alphas, penalty, match", [
    (np.array([0.1]), "l0", "penalty must be one of"),
    (np.array([0.1, -1.0]), "l1", "alphas must be a 1-D array of positive numbers"),
    (np.array([[0.1]]), "l2", "alphas must be a 1-D array of positive numbers"),
])
def test_coefficient_paths_reject_bad_arguments(alphas, penalty, match):
    with pytest.raises(ValueError, match=match):
        specialized.coefficient_paths(X_BC, Y_BC, alphas, penalty=penalty)
    with pytest.raises(ValueError, match="y must contain the labels 0 and 1"):
        specialized.coefficient_paths(X_BC, Y_BC + 1, np.array([0.1]), penalty="l2")


def test_optimality_violation_is_zero_at_the_minimum_only():
    alpha = 0.01
    sk = LogisticRegression(C=1 / (alpha * len(Y_BC)), tol=1e-12, max_iter=10_000).fit(X_BC, Y_BC)
    at_minimum = specialized.optimality_violation(X_BC, Y_BC, sk.coef_, sk.intercept_, alpha=alpha, penalty="l2")
    moved = specialized.optimality_violation(X_BC, Y_BC, sk.coef_ + 0.1, sk.intercept_, alpha=alpha, penalty="l2")
    assert at_minimum < 1e-7 < 1e-3 < moved
    # L1, by hand: at w = 0 every |∂mean ℓ/∂w_j| below α satisfies the subgradient condition, so only
    # the weights whose slope exceeds α (and the intercept's slope) count, by how much they exceed it.
    w, b = np.zeros(30), 0.3
    from lossbook.models import linear_objective
    _, g = linear_objective(np.append(w, b), X_BC, Y_BC, "binary_cross_entropy_with_logits")
    expected = max(np.max(np.maximum(np.abs(g[:-1]) - alpha, 0)), abs(g[-1]))
    assert specialized.optimality_violation(X_BC, Y_BC, w, b, alpha=alpha, penalty="l1") == pytest.approx(expected)
    # a non-zero weight must have slope exactly −α·sign(w)
    w[3] = 0.5
    _, g = linear_objective(np.append(w, b), X_BC, Y_BC, "binary_cross_entropy_with_logits")
    got = specialized.optimality_violation(X_BC, Y_BC, w, b, alpha=alpha, penalty="l1")
    assert got >= abs(g[3] + alpha) - 1e-15
    with pytest.raises(ValueError, match="coef must have one weight per column of X"):
        specialized.optimality_violation(X_BC, Y_BC, np.zeros(3), 0.0, alpha=alpha, penalty="l1")
    with pytest.raises(ValueError, match="intercept must be one number"):
        specialized.optimality_violation(X_BC, Y_BC, np.zeros(30), [0.0, 1.0], alpha=alpha, penalty="l1")
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        specialized.optimality_violation(X_BC, Y_BC, np.zeros(30), 0.0, alpha=-1.0, penalty="l2")


# ---------------------------------------------------------------------------------------------
# Figures and explorers (smoke tests: they draw without errors or warnings)
# ---------------------------------------------------------------------------------------------


def test_figures_draw():
    ps.plot_focal_curves()
    shares = {"a": {"positives": 0.5, "hard negatives": 0.3, "easy negatives": 0.2}}
    ps.plot_focal_settings({"a": (2.0, 0.25)}, shares)
    y = np.array([0, 1, 0, 1, 0])
    ps.plot_pr_curves(y, {"model": np.array([-1.0, 2.0, 0.5, 0.1, -2.0])})
    ps.plot_soft_targets({"T = 1": np.full(10, 0.1)}, true_class=3)
    ps.plot_cost_curve(np.array([0.1, 0.5]), {"c": np.array([1.0, 2.0])}, marks={"t": 0.2})
    ps.plot_coefficient_paths(np.array([1.0, 0.1]), {"L1": np.array([[0.0, 0.0], [1.0, -1.0]])},
                              feature_names=["f0", "f1"], highlight=["f1"])
    ps.plot_embedding(RNG.normal(size=(30, 2)), np.repeat(np.arange(3), 10), title="t")
    fit = specialized.EmbeddingFit(np.zeros((2, 2)), np.ones(30), np.linspace(1, 0, 30))
    ps.plot_active_share({"random": fit})
    ps.plot_ranking_curve([10, 100], np.array([[0.1, 0.2], [0.3, 0.4]]), reference=0.5, reference_label="ls")
    ps.plot_similarity_softmax(np.eye(4), 1, temperatures=(0.1, 1.0))
    plt.close("all")


def test_explorers_build():
    pytest.importorskip("ipywidgets")
    from lossbook.widgets.specialized import focal_explorer, margin_explorer

    focal_explorer(np.array([0, 1, 0, 0]), np.array([0.1, 0.7, 0.2, 0.05]))
    margin_explorer(X_DIG[:100], Y_DIG[:100], n_steps=5)
    plt.close("all")


def test_student_labels_must_match_the_soft_target_columns():
    with pytest.raises(ValueError, match=r"labels must be class indices in 0..3 \(one per column of soft_targets\)"):
        specialized.fit_softmax_student(X_DIG[:20], soft_targets=np.full((20, 4), 0.25), labels=Y_DIG[:20],
                                        soft_weight=0.5)
