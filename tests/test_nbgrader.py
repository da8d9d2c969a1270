"""The nbgrader course kit in course/ works with real nbgrader: the student versions are generated,
carry no solution and no hidden test, and the autograder restores the hidden tests: the solutions
get full marks, the blank student versions zero — without crashing — and a "mutant" submission that
passes every visible test but makes one planted mistake per assignment loses exactly the points of
the hidden tests that catch it.

Everything runs in temporary copies of course/ (nbgrader writes release/, submitted/, autograded/
and gradebook.db next to its config). nbgrader calls `alembic` from PATH, so the subprocesses get
this interpreter's bin folder first on PATH. All assignments go through one `generate_assignment`,
then one `autograde` per student (the three students in parallel, each in its own copy of the
course), since every nbgrader start costs seconds. The students hand in what students hand in: the
released notebook with its `# YOUR CODE HERE` stubs replaced (by the solution; by nothing; by the
solution with one mistake).
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from book_toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
SOURCES = sorted(p for p in (COURSE / "source").glob("*/*.ipynb") if p.parent.name == p.stem)
ASSIGNMENTS = [p.stem for p in SOURCES]
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)$", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def chapters() -> list[str]:
    """The chapters of the book: notebook pages of _toc.yml, except the generated cheat sheet."""
    return [Path(f).name for f in toc_files()
            if (ROOT / (f + ".ipynb")).exists() and Path(f).name != "cheatsheet"]


@dataclass(frozen=True)
class Mutant:
    """One planted mistake: in the solution cell `cell`, `old` becomes `new` (each exactly once).
    The visible tests still pass; the hidden tests of `caught_by` fail, and only those."""

    cell: str
    edits: tuple[tuple[str, str], ...]
    caught_by: tuple[str, ...]
    mistake: str


MUTANTS = {
    "what_is_a_loss": Mutant(
        "task1-solution",
        (("return (np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2",
          "return (y_true - y_pred) ** 2"),),
        ("task1-tests",), "works on arrays only, not on Python lists"),
    "history": Mutant(
        "task1-solution",
        (("fn(sample, np.full_like(sample, a), **hp)", "fn(sample, np.full_like(sample, a))"),),
        ("task1-tests",), "ignores the hyper-parameters (q of the quantile loss)"),
    "regression": Mutant(
        "task3-solution",
        (("    small = np.minimum(a, 20.0)   # keep exp finite in the branch np.where discards\n"
          "    near = np.log1p(np.expm1(small) ** 2 / (2.0 * np.exp(small)))\n"
          "    far = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)\n"
          "    return np.where(a <= 20.0, near, far)\n",
          "    far = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)\n"
          "    return np.where(a < 1e-3, 0.5 * a * a, far)   # Taylor branch for small |r|\n"),),
        ("task3-tests",), "a Taylor branch below 1e-3 and a cancelling formula above it"),
    "classification": Mutant(
        "task1-solution",
        (("    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)\n", ""),),
        ("task1-tests",), "works on arrays only, not on Python lists"),
    "specialized": Mutant(
        "task3-solution",
        (("return fp_cost / (fp_cost + fn_cost)", "return fp_cost / fn_cost"),),
        ("task3-tests",), "the cost ratio instead of the threshold (close only when fn_cost >> fp_cost)"),
    "specialized_similarity": Mutant(
        "task1-solution",
        (("np.maximum(0.0, margin - d)", "np.maximum(0.0, 1.0 - d)"),),
        ("task1-tests",), "the margin fixed at its default, 1"),
    "backprop": Mutant(
        "task3-solution",
        (('loss_node("binary_cross_entropy_with_logits", labels, X @ w)',
          'loss_node("binary_cross_entropy_with_logits", labels, X @ w, reduction="sum")'),
         ("X.T @ (losses.sigmoid(X @ w) - labels) / len(labels)", "X.T @ (losses.sigmoid(X @ w) - labels)")),
        ("task3-tests",), "the sum instead of the mean, consistently in the graph and by hand"),
    "backprop_deep": Mutant(
        "task3-solution",
        (("momentum=0.9", "momentum=0.5"),),
        ("task3-tests",), "another momentum than the task asks for (the accuracy is as good)"),
    "active_learning": Mutant(
        "task3-solution",
        (("hit = np.flatnonzero(np.asarray(accuracy) >= target)\n"
          "        out[label] = float(n_labels[hit[0]]) if hit.size else float(\"nan\")",
          "out[label] = float(n_labels[np.argmax(np.asarray(accuracy) >= target)])"),),
        ("task3-tests",), "the first point of the curve, not nan, when the target is never reached"),
    "active_learning_limits": Mutant(
        "task1-solution",
        (('"entropy": h}', '"entropy": h / np.log(2)}'),),
        ("task1-tests",), "the entropy in bits instead of nats (the same ranking)"),
}


def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader(args, cwd: Path, **kw):
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def finish(process, what: str) -> str:
    out, _ = process.communicate(timeout=900)
    assert process.returncode == 0, f"nbgrader {what} failed (exit {process.returncode}):\n{out[-4000:]}"
    assert "Traceback" not in out, f"nbgrader {what} logged a traceback:\n{out[-4000:]}"
    assert "| ERROR]" not in out, f"nbgrader {what} logged an error:\n{out[-4000:]}"
    return out


def grade_id(cell) -> str:
    return cell.metadata["nbgrader"]["grade_id"]


def cells_by_id(path: Path) -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(path, as_version=4)
    return {grade_id(c): c for c in nb.cells if "nbgrader" in c.metadata}


def points(path: Path) -> dict[str, float]:
    return {gid: c.metadata["nbgrader"]["points"] for gid, c in cells_by_id(path).items()
            if c.metadata["nbgrader"]["grade"]}


def answer(source_cell, mutant: Mutant | None) -> str:
    """What a student writes in a solution cell: the solution without nbgrader's markers, with the
    mutant's mistake if it is planted in this cell."""
    text = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", source_cell.source, flags=re.M)
    if mutant is not None and grade_id(source_cell) == mutant.cell:
        for old, new in mutant.edits:
            assert text.count(old) == 1, f"mutant of {mutant.cell}: {old!r} occurs {text.count(old)} times"
            text = text.replace(old, new)
    return text


def submission(released: Path, source: Path, how: str) -> nbformat.NotebookNode:
    """The released notebook as a student hands it in: stubs left ("blank") or replaced by the
    solution ("solution") or by the solution with the assignment's planted mistake ("mutant")."""
    nb = nbformat.read(released, as_version=4)
    if how == "blank":
        return nb
    solutions = cells_by_id(source)
    mutant = MUTANTS[released.stem] if how == "mutant" else None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            assert STUB.search(cell.source), f"{released.name} {meta['grade_id']}: no stub to replace"
            cell.source = answer(solutions[meta["grade_id"]], mutant)
    return nb


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(a.name, sub.student.id): (sub.score, sub.max_score)
                for a in gb.assignments for sub in a.submissions}


def cell_scores(course: Path, student: str, name: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(name, name, student)
        return {g.name: g.score for g in notebook.grades}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """generate_assignment for every assignment; then autograde the submissions of three students,
    "solution", "blank" and "mutant", each in its own copy of the generated course, in parallel."""
    base = tmp_path_factory.mktemp("course")
    generated = base / "generated"
    generated.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", generated)
    shutil.copytree(COURSE / "source", generated / "source")
    finish(nbgrader(["generate_assignment", "*"], generated), "generate_assignment")

    courses = {}
    for student in ("solution", "blank", "mutant"):
        course = courses[student] = base / student
        shutil.copytree(generated, course)
        for source in SOURCES:
            name = source.stem
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(submission(course / "release" / name / source.name, source, student),
                           folder / source.name)
    running = [nbgrader(["autograde", "*"], course) for course in courses.values()]
    logs = [finish(p, "autograde") for p in running]
    return {**courses, "release": generated / "release", "logs": logs}


# --- the sources -----------------------------------------------------------------------------------

def test_the_assignments_are_the_chapters():
    """One assignment per chapter of _toc.yml (every notebook chapter but the cheat sheet), named
    after it, and nothing else in course/source/."""
    assert sorted(ASSIGNMENTS) == sorted(chapters()), (
        f"chapters without an assignment: {sorted(set(chapters()) - set(ASSIGNMENTS))}; "
        f"assignments without a chapter: {sorted(set(ASSIGNMENTS) - set(chapters()))}")
    assert sorted(p.name for p in (COURSE / "source").iterdir()) == sorted(ASSIGNMENTS)


def test_every_assignment_is_a_complete_nbgrader_source():
    for path in SOURCES:
        cells = cells_by_id(path)
        nb = nbformat.read(path, as_version=4)
        assert all("nbgrader" in c.metadata for c in nb.cells), f"{path.name}: a cell without nbgrader metadata"
        assert len(cells) == len(nb.cells), f"{path.name}: grade_ids must be unique"
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name}: stored outputs"
        solutions = [c for c in cells.values() if c.metadata["nbgrader"]["solution"]]
        tests = [c for c in cells.values() if c.metadata["nbgrader"]["grade"]]
        assert solutions and tests, path.name
        for c in solutions:
            assert SOLUTION.search(c.source), f"{path.name}: a solution cell without a solution region"
            # Data the tests rely on belongs in a locked cell, where a student cannot change it.
            outside = SOLUTION.sub("", c.source)
            assigned = re.findall(r"^(\w+(?:\s*,\s*\w+)*)\s*=[^=]", outside, re.M)
            assert not assigned, f"{path.name} {grade_id(c)}: data {assigned} in an editable cell"
        for c in tests:
            meta = c.metadata["nbgrader"]
            assert meta["locked"] and meta["points"] > 0, f"{path.name}: {meta['grade_id']}"
            visible, hidden = HIDDEN.sub("", c.source), HIDDEN.search(c.source)
            assert "assert" in visible and hidden and "assert" in hidden.group(1), (
                f"{path.name}: {meta['grade_id']} needs visible and hidden tests")


def test_hidden_tests_are_not_repeats_of_the_visible_ones():
    """A hidden test that only repeats a visible check adds nothing: no hidden assertion may be a
    visible assertion of the same cell, word for word (unless it runs in a loop, on other inputs)."""
    for path in SOURCES:
        for gid, c in cells_by_id(path).items():
            hidden = HIDDEN.search(c.source)
            if not hidden:
                continue
            visible = {line.strip() for line in HIDDEN.sub("", c.source).splitlines() if line.strip()}
            repeated = [line for line in hidden.group(1).splitlines()
                        if line.strip() in visible and re.match(r"(assert\b|np\.testing\.)", line)]
            assert not repeated, f"{path.name} {gid}: hidden tests repeat visible ones: {repeated}"


def _intro(path: Path) -> str:
    return cells_by_id(path)["intro-0"].source


def test_the_instructor_guide_lists_every_assignment_with_its_points_and_time():
    """The syllabus table names, for each chapter, its assignment with the points of the assignment's
    test cells and the time its notebook announces ("About 60 minutes")."""
    guide = (ROOT / "book" / "instructor_guide.md").read_text()
    rows = re.findall(r"^\| \{doc\}`(\w+)` \|.*\| `(\w+)` \((\d+) points, (\d+) min\) \|$", guide, re.M)
    assert [r[0] for r in rows] == chapters(), f"syllabus rows {[r[0] for r in rows]} vs chapters {chapters()}"
    for chapter, assignment, total, minutes in rows:
        source = COURSE / "source" / assignment / f"{assignment}.ipynb"
        assert assignment == chapter and source.exists(), (chapter, assignment)
        assert int(total) == sum(points(source).values()), (
            f"{assignment}: the guide says {total} points, its test cells give {sum(points(source).values())}")
        announced = re.search(r"About (\d+) minutes\.", _intro(source))
        assert announced and int(minutes) == int(announced.group(1)), (
            f"{assignment}: the guide says {minutes} min, the notebook {announced and announced.group(0)}")
    for name in ASSIGNMENTS:
        assert f"`{name}`" in guide, f"book/instructor_guide.md does not mention the assignment {name!r}"


def test_what_the_assignments_say_about_self_checks_is_true():
    """An assignment that tells students the `lossbook.check` helpers explain failures calls them in
    its tests, and one that calls them says so; the guide names the assignments that do not."""
    uses = {p.stem for p in SOURCES
            if any(re.search(r"\bcheck\.(loss_function|loss_gradient|gradient)\(", c.source)
                   for c in cells_by_id(p).values() if c.metadata["nbgrader"]["grade"])}
    says = {p.stem for p in SOURCES if "lossbook.check" in _intro(p)}
    assert uses == says, f"use check but do not say so: {uses - says}; say so but do not: {says - uses}"
    guide = (ROOT / "book" / "instructor_guide.md").read_text()
    sentence = re.search(r"all but ((?:`\w+`(?:,\s+|\s+and\s+)?)+)", guide)
    assert sentence, "the guide does not say which assignments' tests do not use lossbook.check"
    assert set(re.findall(r"`(\w+)`", sentence.group(1))) == set(ASSIGNMENTS) - uses


def test_every_assignment_has_a_mutant_that_passes_the_visible_tests():
    """Every assignment has a planted mistake, in a solution cell, caught by test cells that have
    hidden tests (the mutant run below proves that the visible tests let it through)."""
    assert set(MUTANTS) == set(ASSIGNMENTS)
    for name, mutant in MUTANTS.items():
        cells = cells_by_id(COURSE / "source" / name / f"{name}.ipynb")
        assert cells[mutant.cell].metadata["nbgrader"]["solution"], (name, mutant.cell)
        answer(cells[mutant.cell], mutant)  # every edit applies exactly once
        for gid in mutant.caught_by:
            assert HIDDEN.search(cells[gid].source), (name, gid)


# --- the generated assignments and the autograder ---------------------------------------------------

def test_released_versions_hold_no_solution_and_no_hidden_test(graded):
    release = graded["release"]
    for source in SOURCES:
        released = release / source.stem / source.name
        text = released.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{released.name} contains {marker!r}"
        released_cells = cells_by_id(released)
        assert released_cells.keys() == cells_by_id(source).keys()
        for gid, cell in cells_by_id(source).items():
            out = released_cells[gid].source
            public = SOLUTION.sub("", HIDDEN.sub("", cell.source))  # may repeat a line of a region
            for region in SOLUTION.findall(cell.source) + HIDDEN.findall(cell.source):
                for line in filter(None, (t.strip() for t in region.splitlines())):
                    if not line.startswith("#") and line not in public:
                        assert line not in out, f"{released.name} {gid}: {line!r} was released"
            if cell.metadata["nbgrader"]["solution"]:
                assert "raise NotImplementedError()" in out, f"{released.name} {gid}: no stub"
            if cell.metadata["nbgrader"]["grade"]:
                assert out.strip() == HIDDEN.sub("", cell.source).strip(), f"{released.name} {gid}: visible tests changed"


def test_solutions_get_full_marks(graded):
    got = scores(graded["solution"])
    for source in SOURCES:
        name = source.stem
        score, max_score = got[(name, "solution")]
        assert max_score == sum(points(source).values()) > 0, (name, max_score)
        assert score == max_score, f"{name}: the solution scores {score} of {max_score}"


def test_blank_student_versions_get_zero_without_crashing(graded):
    got = scores(graded["blank"])
    for name in ASSIGNMENTS:
        score, max_score = got[(name, "blank")]
        assert max_score > 0 and score == 0, f"{name}: the blank notebook scores {score} of {max_score}"
        autograded = graded["blank"] / "autograded" / "blank" / name / f"{name}.ipynb"
        nb = json.loads(autograded.read_text())
        errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert errors and all(e["ename"] in ("NotImplementedError", "AssertionError", "NameError") for e in errors), (
            name, sorted({e["ename"] for e in errors}))


def _failing_line(cell) -> int:
    """The line of the test cell (1-based) at which its error was raised."""
    error = next(o for o in cell.outputs if o.output_type == "error")
    trace = ANSI.sub("", "\n".join(error.traceback))
    found = re.search(r"Cell In\[\d+\], line (\d+)", trace)
    assert found, trace[-2000:]
    return int(found.group(1))


def test_mutants_lose_exactly_the_points_of_the_hidden_tests_that_catch_them(graded):
    """The mutant's submission passes every visible test, yet the hidden tests — absent from what
    it handed in, restored by the autograder — fail where its mistake shows, and only there."""
    got = scores(graded["mutant"])
    for source in SOURCES:
        name, mutant = source.stem, MUTANTS[source.stem]
        expected = points(source)
        per_cell = cell_scores(graded["mutant"], "mutant", name)
        lost = {gid for gid, max_points in expected.items() if per_cell[gid] < max_points}
        assert lost == set(mutant.caught_by), (
            f"{name} ({mutant.mistake}): expected to fail {sorted(mutant.caught_by)}, failed {sorted(lost)}")
        score, max_score = got[(name, "mutant")]
        assert score == max_score - sum(expected[g] for g in mutant.caught_by) > 0, (name, score, max_score)
        autograded = cells_by_id(graded["mutant"] / "autograded" / "mutant" / name / source.name)
        for gid in mutant.caught_by:
            cell = autograded[gid]
            visible = cells_by_id(source)[gid].source.split("### BEGIN HIDDEN TESTS")[0]
            assert cell.source == cells_by_id(source)[gid].source, f"{name} {gid}: hidden tests not restored"
            n_visible = len(visible.splitlines())
            line = _failing_line(cell)
            assert line > n_visible, (
                f"{name} {gid}: the mutant ({mutant.mistake}) already fails the visible tests, at line {line}")
