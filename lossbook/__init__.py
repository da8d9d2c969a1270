"""lossbook: loss functions for machine learning, written to be read, and the course built on them.

Layers: ``losses`` (pure NumPy) at the bottom; ``models`` on top of it; ``plots`` above.
This package never imports a notebook or knows about one.
"""

from . import losses

__version__ = "0.1.0"
__all__ = ["losses"]
