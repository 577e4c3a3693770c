"""ipywidgets explorers for the course, built on `course`."""
