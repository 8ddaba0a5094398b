"""A de-identified copy: PS3.15 Table E.1-1 applied to every file, written to a new zip as it
goes, and reviewed again.

Modules: ``actions`` (the table applied to one dataset, at every depth, with its options;
``raw``: elements it decides from their bytes),
``values`` (dummy values, the de-identification method attributes), ``uids`` (old UID → new
``2.25.`` UID under a salt), ``dates`` (one offset per patient), ``pseudonyms`` (who each
patient becomes), ``context`` (what the actions need for one file, and cleaning free text),
``pixels`` (blanking text boxes), ``run`` (the copy, file by file), ``inputs`` (the whole copy
and its review on every core: :func:`~.inputs.deidentify_inputs`).
"""
