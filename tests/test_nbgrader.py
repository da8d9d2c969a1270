"""The nbgrader course kit in course/ works with real nbgrader: the student versions are generated,
carry no solution and no hidden test, and the autograder gives the solutions full marks and the
blank student versions zero — without crashing.

Everything runs in a temporary copy of course/ (nbgrader writes release/, submitted/, autograded/
and gradebook.db next to its config). nbgrader calls `alembic` from PATH, so the subprocesses get
this interpreter's bin folder first on PATH. All assignments go through one `generate_assignment`
and one `autograde` per student (the two students in parallel), since every nbgrader start costs
seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
SOURCES = sorted(p for p in (COURSE / "source").glob("*/*.ipynb") if p.parent.name == p.stem)
ASSIGNMENTS = [p.stem for p in SOURCES]
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


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


def cells_by_id(path: Path) -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(a.name, sub.student.id): (sub.score, sub.max_score)
                for a in gb.assignments for sub in a.submissions}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """generate_assignment for every assignment; then autograde the source notebooks (student
    "solution") and the released ones (student "blank"), each in its own copy of the course."""
    base = tmp_path_factory.mktemp("course")
    course = base / "solution"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    finish(nbgrader(["generate_assignment", "*"], course), "generate_assignment")

    blank = base / "blank"
    shutil.copytree(course, blank)
    for name in ASSIGNMENTS:
        (course / "submitted" / "solution" / name).mkdir(parents=True)
        shutil.copy(course / "source" / name / f"{name}.ipynb", course / "submitted" / "solution" / name)
        (blank / "submitted" / "blank" / name).mkdir(parents=True)
        shutil.copy(blank / "release" / name / f"{name}.ipynb", blank / "submitted" / "blank" / name)
    running = [nbgrader(["autograde", "*"], course), nbgrader(["autograde", "*"], blank)]
    logs = [finish(p, "autograde") for p in running]
    return {"solution": course, "blank": blank, "logs": logs}


def test_every_assignment_is_a_complete_nbgrader_source():
    assert len(ASSIGNMENTS) >= 2, ASSIGNMENTS
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
        for c in tests:
            meta = c.metadata["nbgrader"]
            assert meta["locked"] and meta["points"] > 0, f"{path.name}: {meta['grade_id']}"
            visible, hidden = HIDDEN.sub("", c.source), HIDDEN.search(c.source)
            assert "assert" in visible and hidden and "assert" in hidden.group(1), (
                f"{path.name}: {meta['grade_id']} needs visible and hidden tests")


def test_the_instructor_guide_lists_every_assignment():
    guide = (ROOT / "book" / "instructor_guide.md").read_text()
    for name in ASSIGNMENTS:
        assert f"`{name}`" in guide, f"book/instructor_guide.md does not mention the assignment {name!r}"


def test_released_versions_hold_no_solution_and_no_hidden_test(graded):
    release = graded["solution"] / "release"
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
    points = {p.stem: sum(c.metadata["nbgrader"].get("points", 0) for c in cells_by_id(p).values()
                          if c.metadata["nbgrader"]["grade"]) for p in SOURCES}
    for name in ASSIGNMENTS:
        score, max_score = got[(name, "solution")]
        assert max_score == points[name] > 0, (name, max_score, points[name])
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
