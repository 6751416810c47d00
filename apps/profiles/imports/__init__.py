"""CSV import of Profiles: upload a file, map its columns (actions.py), then a task applies it
in batches that a rerun resumes after the last committed one (runner.py).

Rows are validated and written by the same actions as every other write of Profiles
(apps/profiles/actions.py: clean_fields, clean_attributes, import_profiles); the file side
(csvfile.py: encodings, delimiters; mapping.py: columns to fields) is here.
"""
