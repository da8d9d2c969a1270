"""The loss cheat sheet as MyST Markdown, generated from `lossbook.losses.REGISTRY` (one source of truth).

Builds on `lossbook.losses` only; must not import `plots`, `widgets` or anything from a notebook.

``loss_table(task)`` lists every loss of a task with its formula, gradient, convexity, robustness,
year and primary source; ``counterparts_table()`` the names of the same losses in scikit-learn,
PyTorch and Keras. Both return the text of a MyST ``list-table`` (math as ``$...$``, sources as
``{cite:t}`` roles), for a page to render — e.g. ``myst_nb.glue(..., Markdown(text))``.

A loss's ``counterparts`` map a library to the fully qualified name of the same loss there, as
one would import or call it (``"torch.nn.HuberLoss"``,
``'sklearn.linear_model.SGDRegressor(loss="huber")'``), optionally followed by a remark in
parentheses (``"torch.nn.KLDivLoss (takes log q)"``); a library without a counterpart is left out
and shown as "—".
"""

from __future__ import annotations

import re

from .losses import REGISTRY, TASKS, Loss

__all__ = ["LIBRARIES", "NONE", "math", "losses_of", "counterpart", "loss_table", "counterparts_table"]

LIBRARIES = ("scikit-learn", "PyTorch", "Keras")
NONE = "—"  # no counterpart in that library

# A dotted API name, optionally called with arguments (one level of nested parentheses), then the rest.
_API = re.compile(r"([A-Za-z_][\w.]*(?:\((?:[^()]|\([^()]*\))*\))?)(.*)", re.S)


def math(latex: str) -> str:
    """Inline math ``$...$`` for `latex`, with its bars spelled as commands (``\\vert``, ``\\Vert``),
    so that the text survives any Markdown table syntax unchanged."""
    if not isinstance(latex, str):
        raise ValueError(f"math: latex must be a string; got {type(latex).__name__}")
    text = latex.replace(r"\|", r"\Vert ").replace("|", r"\vert ").strip()
    return f"${text}$"


def losses_of(task: str, *, registry: dict[str, Loss] | None = None) -> list[Loss]:
    """The losses of `task` in `registry` (default: REGISTRY), in registration order."""
    if task not in TASKS:
        raise ValueError(f"losses_of: task must be one of {TASKS}; got {task!r}")
    registry = REGISTRY if registry is None else registry
    return [loss for loss in registry.values() if loss.task == task]


def _signature(loss: Loss) -> str:
    hp = ", ".join(f"{k}={v}" for k, v in loss.defaults.items())
    return f"`{loss.name}({hp})`" if hp else f"`{loss.name}`"


def _source(loss: Loss) -> str:
    """The citation, which shows its publication year; the loss's own year too if that differs."""
    cite = f"{{cite:t}}`{loss.reference}`"
    return cite if loss.reference.endswith(str(loss.year)) else f"{loss.year}, after {cite}"


def _cell(text: str) -> str:
    """One cell of a list-table: continuation lines indented under the item."""
    return "\n".join(("    " + line) if line and i else line for i, line in enumerate(text.split("\n")))


def counterpart(text: str | None) -> str:
    """One counterpart as Markdown: the API name (with its arguments) as code, a remark after it as
    text — ``"torch.nn.KLDivLoss (takes log q)"`` -> ``"`torch.nn.KLDivLoss` (takes log q)"``;
    "—" when there is none (None, "" or "—")."""
    if text is None or not str(text).strip() or str(text).strip() == NONE:
        return NONE
    if not isinstance(text, str):
        raise ValueError(f"counterpart: text must be a string or None; got {type(text).__name__}")
    found = _API.fullmatch(text.strip())
    api, rest = found.groups() if found else ("", text.strip())
    return (f"`{api}`" if api else "") + rest


def _list_table(header: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    lines = ["```{list-table}", ":header-rows: 1"]
    if widths:
        lines.append(":widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header, *rows]:
        lines.append(f"* - {_cell(row[0])}")
        lines += [f"  - {_cell(cell)}" for cell in row[1:]]
    lines.append("```")
    return "\n".join(lines)


def loss_table(task: str, *, registry: dict[str, Loss] | None = None) -> str:
    """A MyST list-table of the losses of `task`, two columns so that it fits a book page: the
    name (with its hyper-parameters' defaults), summary, convex, robust and source (a
    ``{cite:t}`` role on the loss's bibliography key, which shows the year); then the per-sample
    value and its gradient."""
    rows = []
    for loss in losses_of(task, registry=registry):
        gradient = math(loss.gradient_formula) + ("" if loss.differentiable else " (not differentiable)")
        rows.append([
            f"{_signature(loss)}\n\n{loss.summary}\n\n"
            f"convex: **{'yes' if loss.convex else 'no'}**, robust: **{'yes' if loss.robust else 'no'}**; "
            f"{_source(loss)}",
            f"{math(loss.formula)}\n\ngradient:\n\n{gradient}",
        ])
    if not rows:
        raise ValueError(f"loss_table: no loss with task {task!r} in the registry")
    return _list_table(["Loss, properties and source", "Per-sample value and gradient"], rows, widths=[34, 66])


def counterparts_table(*, registry: dict[str, Loss] | None = None, libraries=LIBRARIES) -> str:
    """A MyST list-table: for each loss, its name in each of `libraries` ("—" when the library has
    no built-in counterpart), then in any other library the loss records."""
    registry = REGISTRY if registry is None else registry
    libraries = tuple(libraries)
    rows = []
    for loss in registry.values():
        known = loss.counterparts
        names = [f"{lib}: {counterpart(known.get(lib))}" for lib in libraries]
        names += [f"{lib}: {counterpart(name)}" for lib, name in known.items() if lib not in libraries]
        rows.append([f"`{loss.name}`", "\\\n".join(names)])  # a backslash at the end of a line: a line break
    return _list_table(["Loss", "Counterparts"], rows, widths=[30, 70])
