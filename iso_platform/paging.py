"""Pages of long lists whose total would cost more to count than to show.

Counting every match of a broad search on an agency's 200,000 applications takes longer than
finding the fifty shown; the total is counted up to `cap` rows and the page says "hơn …"
beyond that (narrowing the filter gives the exact figure).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    cap = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False
