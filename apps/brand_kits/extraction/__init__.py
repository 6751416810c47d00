"""Brand extraction: a website turned into a proposal for a Brand Kit.

`actions.start_extraction` checks the URL and queues the job (`apps.brand_kits.tasks`); the job
(`job.py`) fetches the page and a few stylesheets and logos through the SSRF guard
(`segmentflow.fetching`), reads them (`page.py`, `css.py`, into the plain data of
`evidence.py`), proposes colors (`palette.py`), and writes the proposal into the kit through
`apps.brand_kits.actions.apply_extraction` when asked to.
"""
