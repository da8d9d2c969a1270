"""Sphinx fixes for the lossbook website: valid ARIA for the bibliography, no duplicated inline scripts.

Loaded through ``sphinx: local_extensions`` in ``_config.yml``; imports only Sphinx and docutils.
Each fix answers a failure of the browser tests in ``tests/website/test_browser.py``.
"""

from __future__ import annotations

from docutils import nodes


def visit_citation(self, node: nodes.citation) -> None:
    """Open a bibliography entry as a list item.

    Docutils 0.21 writes ``<div role="list">`` around citations with ``role="doc-biblioentry"`` on each
    entry. DPUB-ARIA 1.1 deprecates ``doc-biblioentry``, and a ``list`` whose children are not
    ``listitem``\\ s is an error for screen readers (axe-core rule ``aria-required-children``,
    critical). DPUB-ARIA 1.1 recommends exactly this: plain list items.
    """
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self, node: nodes.citation) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


def deduplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated ``<script>`` entries from a page.

    Sphinx 7.4 records an inline script added after the builder starts (``add_js_file(None,
    body=...)`` in a ``builder-inited`` handler) twice: once as ``None`` and once as ``''``, which
    its duplicate check sees as different. Two copies of a ``const`` declaration are a SyntaxError in
    the browser console.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted((k, str(v)) for k, v in script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    # After the themes' own handlers (default priority 500): the list is final by then.
    app.connect("html-page-context", deduplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
