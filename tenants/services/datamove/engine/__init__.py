"""Moving rows between two agency schemas of the same database, set-based.

`plan_build` reads both schemas and decides, table by table (parents first):

- which source rows become one with an existing target row (`mapped`: the same
  person by e-mail, the same reference row, a singleton, a colliding year...);
- which colliding codes are renamed, and to what (`renames`, by the confirmed rule);

`plan_apply` then, inside the caller's transaction:

1. builds one temporary map table per moved table, `old id -> new id`, the new ids
   drawn from the target's own sequence (mapped rows point at the existing row);
2. copies every table with one `INSERT ... SELECT` from the source schema, foreign
   keys rewritten by joining the maps, soft references (audit subjects, action
   sources...) by joining a typed map, renamed codes by joining the renames, stored
   file paths re-rooted under the target (the files are copied by `datamove/files.py`);
3. writes a provenance row per moved object of the main kinds;
4. never carries a credential (credentials.py): credential tables and the tables that stay
   behind are not moved (references to them become NULL), secret columns arrive blank,
   people arrive without the old agency's privileges, and active only when chosen
   (`Plan.people`);
5. leaves the source alone; the caller empties it (merge) or deletes the moved rows
   (split) in the same transaction.

Django creates foreign keys `DEFERRABLE INITIALLY DEFERRED`, so the order of the
inserts does not matter: every reference is checked at commit.

The modules: `common` (the plan, identifier quoting, the rename suffix), `counting`,
`planning` (`plan_build`) and `applying` (`plan_apply`, `plan_cleanup`). Nothing is
re-exported here: an importer names the module.
"""
