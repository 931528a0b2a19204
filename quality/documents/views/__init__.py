"""Pages of the documents area. Views are thin: forms validate, services decide.

Each part is a module of its own (`views.pages`, `views.steps`, ...); nothing is re-exported
here, so an importer names the module a view lives in.
"""
