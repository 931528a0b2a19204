"""Bulk rollout: a CSV or XLSX file of agencies, validated first, then provisioned in order.

1. `rollout_upload` reads the file (CSV in UTF-8 with or without BOM, comma or semicolon;
   or XLSX; Vietnamese or English headers) and checks every row with the provisioning
   service's own rules plus the file's (e-mail, duplicates, parents defined in the file,
   plan code). It writes the batch and its rows, nothing else. Any wrong row refuses
   the whole file unless the administrator chose to create only the valid rows.
2. `rollout_start` queues a validated batch (the Celery task is sent on commit).
3. `rollout_run` provisions the rows, parents first, each with `agency_provision`.
   One runner per batch (a session advisory lock). Each row is marked RUNNING and
   committed first; then ONE transaction creates the agency, records a `rollout` event
   naming the batch and marks the row DONE, so an agency and its row's DONE commit
   together. Spares are built ahead of need by replaying the template
   (`pool.METHOD_REPLAY`, ~0.25 s each instead of a clone per agency).
4. `rollout_batches_resume` (beat) queues again batches left QUEUED or RUNNING without a
   live runner. A resumed run marks DONE every PENDING or RUNNING row whose agency this
   batch already created (never provisioned twice) and provisions the others.
"""
