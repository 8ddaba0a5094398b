"""build.py's jobs, one module each: the virtual environment, verified downloads, codecs,
the PS3.15 tables, the site in dist/ and the local server. Standard library only, so that
build.py can import them before .venv exists."""
