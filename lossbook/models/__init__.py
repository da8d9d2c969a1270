"""Models trained by minimising a loss from `lossbook.losses`.

- `_linear`: the regularised empirical risk of a linear model, its gradient by the chain rule,
  plain gradient descent and loss surfaces (the first chapter's training loop);
- `regressor`: `LossRegressor`, a scikit-learn estimator for any regression loss;
- `classifier`: `LossClassifier`, its classification twin.

Builds on `lossbook.losses` only; must not import `plots`, `widgets` or anything from a notebook.
"""

from ._linear import DescentPath, gradient_descent, linear_objective, loss_surface
from .classifier import LossClassifier
from .regressor import LossRegressor

__all__ = ["LossClassifier", "LossRegressor", "DescentPath", "gradient_descent", "linear_objective", "loss_surface"]
