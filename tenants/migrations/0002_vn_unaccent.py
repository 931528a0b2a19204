"""public.vn_unaccent(text): Vietnamese-insensitive, case-insensitive text for search.

IMMUTABLE so it can back expression indexes. Kept in step with iso_platform.text.fold.
No dependency on the unaccent extension (absent from the embedded PostgreSQL).
"""

from django.db import migrations

ACCENTED = "ÀÁÂÃÈÉÊÌÍÎÒÓÔÕÙÚÛÝàáâãèéêìíîòóôõùúûýĂăĔĕĨĩĬĭŎŏŨũŬŭŶŷƠơƯưṌṍṸṹẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹđĐ"
FOLDED = "aaaaeeeiiioooouuuyaaaaeeeiiioooouuuyaaeeiiiioouuuuyyoouuoouuaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyydd"

CREATE = (
    "CREATE OR REPLACE FUNCTION public.vn_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    f"RETURN translate(lower($1), '{ACCENTED}', '{FOLDED}')"
)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS public.vn_unaccent(text)"),
    ]
