"""Which tier each test file is in (conftest.py marks every test with its tier).

- unit: the course/ and widgets/ code, in-process, seconds per file;
- content: the lessons as written and stored: claims, prompts, pairing, exercise cells, the
  README, and nbval re-running every notebook under notebooks/;
- system: the course as it is used: a real browser, JupyterHub with real accounts, the static
  site, the deployment, run.py's commands and terminal, and the benchmarks (tiny mode).

`python3 run.py test` runs all three; `python3 run.py test --quick` runs unit and content.
A new test file must be added here: tests/test_tiers.py fails for a file in no tier.
"""

from fnmatch import fnmatch

# Patterns of paths relative to tests/ (a test file) or to the repository (notebooks/).
TIERS = {
    "unit": [
        "test_answer_cells.py", "test_checks.py", "test_compare.py", "test_compare_widget.py",
        "test_compat.py", "test_debugging.py", "test_docstrings.py", "test_imports.py",
        "test_isolation.py", "test_jaxpr.py", "test_jaxpr_errors.py", "test_jaxpr_html.py",
        "test_mutants.py", "test_plots.py", "test_progress.py", "test_solution_cell.py",
        "test_store.py", "test_tiers.py", "test_tracebacks.py", "test_widgets.py",
        "test_workspace.py",
    ],
    "content": [
        "notebooks/*.ipynb",  # nbval
        "test_claims*.py", "claims/test_*.py", "test_exercise_cells.py",
        "test_lesson_copies.py", "test_pairing.py", "test_prompts.py", "test_readme.py",
        "test_repo.py", "test_seed_coverage.py", "test_validation.py",
    ],
    "system": [
        "test_benchmarks.py", "test_browser.py", "test_classroom.py", "test_explorers_browser.py",
        "test_classroom_subdomains.py", "test_deploy.py", "test_predictions_hidden.py",
        "test_run.py", "test_run_terminal.py", "test_site.py", "test_spare_kernel.py",
        "test_workspace_browser.py",
    ],
}


def tier_of(path: str) -> str | None:
    """The tier of a test file, `path` relative to tests/ ("test_x.py") or, for a notebook,
    to the repository ("notebooks/01_tldr.ipynb"); None for a file in no tier."""
    found = [tier for tier, patterns in TIERS.items() if any(fnmatch(path, p) for p in patterns)]
    if len(found) > 1:
        raise ValueError(f"{path} is in more than one tier: {found} (tests/tiers.py)")
    return found[0] if found else None
