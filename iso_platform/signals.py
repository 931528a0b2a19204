"""What the lower layers announce about data, for the layers above to react to.

Receivers run synchronously in the sender's transaction; a receiver that raises stops the
sender's work (and its transaction), so receivers that only follow (statistics) catch their
own errors.
"""

from __future__ import annotations

from django.dispatch import Signal

# Rows of the agency schema in use were written with bulk statements, which send no model
# signals (applications, nonconformities opened in bulk). No arguments. The statistics
# (insights) recount the agency after commit.
bulk_written = Signal()
