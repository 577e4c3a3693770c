"""A classroom on one machine: JupyterHub with one system account, server and workspace per
learner (`python3 run.py classroom`).

- `launch`: reads the roster (classroom.toml), prepares the shared read-only environment and
  the proxy, and starts JupyterHub with `jupyterhub_config.py`.
- `singleuser`: what each learner's server runs first, as that learner (their workspace).
- `teacher`: the hub service that shows every learner's progress to the teachers.
- `client`: log in, open a kernel and run code through the hub (the tests and the load
  benchmark use it).
"""
