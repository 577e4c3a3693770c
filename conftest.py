"""pytest's setup for the whole repository (tests/ and the notebooks nbval runs).

A test run never touches a learner's data: `course.check` records into `$COURSE_WORKSPACE`,
which every Binder, Kubernetes and classroom server sets, so the variable is removed from this
process (and the kernels and workers it starts) before anything runs. A test that wants a
workspace makes its own (tmp_path) and sets the variable itself, as tests/test_progress.py does.
tests/test_isolation.py runs part of the suite with the variable set and checks that the
workspace it names is left untouched.
"""

import os


def pytest_configure(config):
    os.environ.pop("COURSE_WORKSPACE", None)
