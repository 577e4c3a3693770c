"""The graph and HTML views: drawn by Graphviz, escaped, marked, and bounded in size."""

import base64
import html as html_module
import re

import jax
import jax.numpy as jnp
import pytest

import course
from course.jaxpr import graph
from course.jaxpr.graph import MAX_GRAPH_OPS


def naive_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


def embedded_svg(html: str) -> str:
    (data,) = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    return base64.b64decode(data).decode()


def test_html_has_svg_with_marked_origins():
    html = course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True)._repr_html_()
    svg = embedded_svg(html)
    assert svg.startswith("<svg") and "<svg" not in html  # an image: shown even untrusted
    assert "first nan: mul(0.0, inf) = nan" in svg and "first nan" in html
    assert "#ff8787" in svg and "#ffd8a8" in svg  # nan and inf fills on their nodes
    assert html == course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True)._repr_html_()


def test_every_graph_image_has_the_text_it_draws_as_its_alternative():
    """Issue 24, accessibility: a screen reader reads each graph's alt, which holds the
    equations as text (jaxpr view, rule comparison, residual split)."""
    def custom(x):
        @jax.custom_jvp
        def f(x):
            return jnp.log1p(jnp.exp(x))

        f.defjvps(lambda t, ans, x: jax.nn.sigmoid(x) * t)
        return f(x)

    views = [course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True),
             course.compare_rules(naive_log1pexp, custom, 2.0),
             course.show_residuals(jax.nn.softplus, 2.0)]
    for view in views:
        page = view._repr_html_()
        alts = [html_module.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', page)]
        assert alts, page[:300]
        for alt in alts:
            assert str(view) in alt and "[0]" in str(view), (alt[:300], str(view)[:300])


def test_dot_marks_nan_edges_and_custom_boxes():
    @jax.custom_jvp
    def g(x):
        return jnp.sin(x)

    g.defjvps(lambda t, ans, x: jnp.cos(x) * t)
    dot = course.show_jaxpr(lambda x: g(x) + naive_log1pexp(x), 100.0, values=True).dot()
    assert "subgraph cluster_r0" in dot and "custom_jvp function g" in dot
    assert re.search(r'-> r\d+ \[label="\w+ = inf", color="#c92a2a"', dot)


def test_user_strings_are_escaped():
    def evil(x):
        return jnp.sin(x)

    evil.__name__ = "<script>alert(1)</script>"
    rule = jax.custom_jvp(evil)  # the name also labels the custom-rule box in the graph
    rule.defjvps(lambda t, ans, x: jnp.cos(x) * t)
    for fn in (evil, rule):
        html = course.show_jaxpr(fn, 1.0, values=True)._repr_html_()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        svg = embedded_svg(html)
        assert "<script>" not in svg
    assert "custom_jvp function &lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_large_graph_draws_a_window_around_the_nan():
    def many(x):
        for _ in range(300):
            x = jnp.sin(x)
        return jnp.log(x - 10.0)

    view = course.show_jaxpr(many, 0.5, values=True)
    dot = view.dot()
    assert len(re.findall(r"^\s*r\d+ \[label", dot, flags=re.M)) == MAX_GRAPH_OPS
    assert "log(" in dot
    assert "drawing [" in view._repr_html_()


def test_missing_graphviz_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_DOT", "/nonexistent/dot")
    graph.dot_executable.cache_clear()
    try:
        with pytest.raises(course.GraphvizNotFoundError, match="COURSE_DOT is set to"):
            graph.render_svg("digraph {}")
        html = course.show_jaxpr(jnp.sin, 1.0)._repr_html_()
        assert "No graph:" in html and "<pre>" in html  # the text view still shows
    finally:
        graph.dot_executable.cache_clear()


def test_graphviz_not_found_anywhere(monkeypatch):
    monkeypatch.delenv("COURSE_DOT", raising=False)
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    graph.dot_executable.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"needs Graphviz's `dot`, and none was found"):
            graph.dot_executable()
    finally:
        graph.dot_executable.cache_clear()


def fake_dot(tmp_path, body: str) -> str:
    script = tmp_path / "dot"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("body, message", [
    ("echo 'Error: <stdin>: syntax error in line 1' >&2\nexit 1",
     r"failed with exit status 1: Error: <stdin>: syntax error in line 1$"),
    ("exit 3", r"failed with exit status 3: \(it printed nothing\)$"),
    ("echo 'not a drawing'", r"exited normally but wrote no <svg>: not a drawing$"),
])
def test_failing_graphviz_is_one_line_in_the_html(monkeypatch, tmp_path, body, message):
    dot = fake_dot(tmp_path, body)
    monkeypatch.setenv("COURSE_DOT", dot)
    graph.dot_executable.cache_clear()  # it is cached: forget the real dot
    try:
        with pytest.raises(course.GraphvizFailedError, match=message) as failure:
            graph.render_svg("digraph {}")
        assert str(failure.value).startswith(f"Graphviz ({dot}) ")
        assert "\n" not in str(failure.value)
        view = course.show_jaxpr(jax.grad(naive_log1pexp), 100.0, values=True)
        html = view._repr_html_()
    finally:
        graph.dot_executable.cache_clear()
    (line,) = re.findall(r"<div><i>No graph: (.*?)</i></div>", html)
    assert re.search(message, html_module.unescape(line))
    assert "Traceback" not in html and "<img" not in html
    assert f"<pre>{html_module.escape(str(view))}</pre>" in html  # the text view still shows
    assert "first nan</span> at [4]" in html  # and so does the verdict


def test_graphviz_that_hangs_is_stopped(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DOT", fake_dot(tmp_path, "exec sleep 30"))
    monkeypatch.setattr(graph, "DOT_TIMEOUT_SECONDS", 0.2)
    graph.dot_executable.cache_clear()
    try:
        html = course.show_jaxpr(jnp.sin, 1.0)._repr_html_()
    finally:
        graph.dot_executable.cache_clear()
    assert "did not finish within 0.2 s." in html and "<pre>" in html
