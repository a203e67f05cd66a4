"""Open Badges: signed 3.0 credentials, 2.0 export, status lists, pages.

The signing core (``documents``, ``canonical``, ``multikey``, ``proof``,
``ob3``, ``status_list``, ``ob2``, ``baking``, ``recipient``) imports
nothing from Flask or the database; ``issuance`` records awards and
``views`` turns HTTP into calls.
"""
