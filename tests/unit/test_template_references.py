"""Every template another one includes, imports or extends exists, so a
removed partial (say, a retired copy of the rubric) fails here, not on a page."""

from __future__ import annotations

from jinja2 import meta


def test_every_referenced_template_exists(app):
    env = app.jinja_env
    names = set(env.list_templates())
    missing = []
    for name in sorted(n for n in names if n.endswith(".html")):
        source, _, _ = env.loader.get_source(env, name)
        for ref in meta.find_referenced_templates(env.parse(source)):
            if ref is not None and ref not in names:
                missing.append(f"{name} -> {ref}")
    assert missing == []
    assert "_rubric.html" in names and "assessment/_rubric.html" not in names
