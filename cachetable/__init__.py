"""The database cache's table, made by `manage.py migrate` (a migration runs Django's
createcachetable), so that a deployment that ran only `migrate` serves every page."""
