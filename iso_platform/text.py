"""Vietnamese text folding: "Quy trình Đánh giá" and "quy trinh danh gia" compare equal.

The database side is `public.vn_unaccent(text)`, an IMMUTABLE SQL function
created by a migration (so it can be indexed). We do not rely on the `unaccent`
extension: the embedded PostgreSQL ships without contrib modules, and managed
databases do not always allow extensions.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Func, TextField

ACCENTED = (
    "ÀÁÂÃÈÉÊÌÍÎÒÓÔÕÙÚÛÝàáâãèéêìíîòóôõùúûýĂăĔĕĨĩĬĭŎŏŨũŬŭŶŷƠơƯưṌṍṸṹẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽ"
    "ẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹđĐ"
)
FOLDED = (
    "aaaaeeeiiioooouuuyaaaaeeeiiioooouuuyaaeeiiiioouuuuyyoouuoouuaaaaaaaaaaaaaaaaaaaaaaaaeeee"
    "eeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyydd"
)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ -> d; the Python twin of `vn_unaccent`."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


class Unaccent(Func):
    function = "vn_unaccent"
    output_field = TextField()
