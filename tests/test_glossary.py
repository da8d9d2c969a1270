"""The glossary is used across the book: every {term} reference names a glossary entry, every
chapter links its key terms to it, and no entry is an orphan that no page links to.

Read from the sources (book/*.md and the Markdown cells of book/*.ipynb), so a failure names the
file; the website build (`jupyter-book build -W`) also fails on an unknown term.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from book_toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GLOSSARY = BOOK / "glossary.md"
# {term}`word` or {term}`shown text <word>` (the target is the word in angle brackets).
TERM_ROLE = re.compile(r"\{term\}`([^`]*)`")
MIN_TERMS_PER_CHAPTER = 3


def entries() -> list[list[str]]:
    """The glossary's entries, each the list of its terms (an entry may have several names)."""
    block = re.search(r"^```\{glossary\}\n(.*?)^```", GLOSSARY.read_text(), re.S | re.M)
    assert block, "book/glossary.md has no {glossary} block"
    found: list[list[str]] = []
    new_entry = True
    for line in block.group(1).splitlines():
        if not line.strip() or line.startswith(":"):  # blank line, or an option such as :sorted:
            new_entry = True
            continue
        if line[0].isspace():  # the definition, indented
            new_entry = True
            continue
        if new_entry:
            found.append([])
            new_entry = False
        found[-1].append(line.strip())
    return found


def target(role_text: str) -> str:
    found = re.fullmatch(r"(?s).*<([^<>]+)>\s*", role_text)
    return (found.group(1) if found else role_text).strip()


def sources() -> list[Path]:
    return sorted(p for p in list(BOOK.glob("*.md")) + list(BOOK.glob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts)


def markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def references(path: Path) -> list[str]:
    """The targets of the {term} roles of a page, lowercased (Sphinx matches terms regardless of case)."""
    return [target(t).lower() for t in TERM_ROLE.findall(markdown(path))]


def entry_of() -> dict[str, int]:
    """Each term (lowercased) -> the index of its entry."""
    index: dict[str, int] = {}
    for i, terms in enumerate(entries()):
        for term in terms:
            assert term.lower() not in index, f"glossary term {term!r} is defined twice"
            index[term.lower()] = i
    return index


def chapters() -> list[Path]:
    """The chapter notebooks of the book (every notebook of _toc.yml but the generated cheat sheet)."""
    return [ROOT / (f + ".ipynb") for f in toc_files()
            if (ROOT / (f + ".ipynb")).exists() and Path(f).name != "cheatsheet"]


def test_the_glossary_has_entries():
    assert len(entries()) >= 40, "the glossary is the course's vocabulary"
    assert len(entry_of()) >= len(entries())


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_every_term_reference_names_a_glossary_entry(path):
    unknown = sorted(set(references(path)) - set(entry_of()))
    assert not unknown, f"{path.name} links terms that the glossary does not define: {unknown}"


@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.name)
def test_every_chapter_links_its_key_terms(path):
    index = entry_of()
    linked = {index[t] for t in references(path) if t in index}
    assert len(linked) >= MIN_TERMS_PER_CHAPTER, (
        f"{path.name} links {len(linked)} glossary entries ({sorted(set(references(path)))}); "
        f"link the first use of at least {MIN_TERMS_PER_CHAPTER} of its key terms with {{term}}`...`")


def test_every_glossary_entry_is_linked_from_another_page():
    index = entry_of()
    linked = {index[t] for path in sources() if path != GLOSSARY for t in references(path) if t in index}
    orphans = [terms[0] for i, terms in enumerate(entries()) if i not in linked]
    assert not orphans, f"glossary entries no page links to (outside the glossary): {orphans}"


def test_glossary_entries_link_to_each_other():
    """Inside the glossary, definitions point to related entries."""
    index = entry_of()
    assert all(t in index for t in references(GLOSSARY))
    assert len(set(references(GLOSSARY))) >= 30


def test_the_parser_reads_aliases_and_targets():
    assert target("gradients <gradient>") == "gradient" and target("risk") == "risk"
    terms = {t for e in entries() for t in e}
    assert {"loss", "loss function"} <= terms and ["loss", "loss function"] in entries()
