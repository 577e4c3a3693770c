"""JupyterLab's own settings for `python3 run.py lab` and the classroom's servers (found, as
jupyter_server_config.py beside it, through JUPYTER_CONFIG_PATH; JupyterLab reads this file when
the server loads it, under `jupyter lab` and `jupyterhub-singleuser` alike).

lab/labextensions/ holds the course's own JupyterLab extension, course-a11y: names, roles and
states for screen-reader users in the notebook and its toolbars (see its course-a11y.js). It is
written by hand as the container file JupyterLab loads for a prebuilt extension, so it needs no
build and no package: JupyterLab finds it through this path.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.LabApp.extra_labextensions_path = [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "labextensions")]
