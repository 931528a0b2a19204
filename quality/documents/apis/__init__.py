"""REST API of the documents area (`/api/v1/` on the agency's host).

One view per operation; small input serializers validate shape, services decide and write.
The same rules hold as on the pages: a reader cannot approve, nothing issued is deleted.

Each part is a module of its own (`apis.documents`, `apis.revisions`, ...); nothing is
re-exported here, so an importer names the module a view lives in.
"""
