"""The tables already exist (created by `tenants` 0004 and moved here by `tenants` 0007): this
migration only tells Django's state that this app now owns them."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenants', '0007_onboarding_models_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AgencyOnboarding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('steps', models.JSONField(blank=True, default=dict, help_text='step key -> done (bool)')),
                        ('done', models.PositiveSmallIntegerField(default=0)),
                        ('total', models.PositiveSmallIntegerField(default=0)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('agency', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='onboarding', to='tenants.agency')),
                    ],
                    options={
                        'db_table': 'tenants_agencyonboarding',
                    },
                ),
                migrations.CreateModel(
                    name='RolloutBatch',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('file_name', models.CharField(max_length=255, verbose_name='tệp')),
                        ('file_sha256', models.CharField(blank=True, max_length=64)),
                        ('status', models.CharField(choices=[('refused', 'Tệp có lỗi, chưa tạo cơ quan nào'), ('validated', 'Đã kiểm tra, chờ khởi tạo'), ('queued', 'Đang chờ'), ('running', 'Đang khởi tạo'), ('succeeded', 'Hoàn tất'), ('failed', 'Hoàn tất, có dòng lỗi')], default='validated', max_length=16)),
                        ('create_valid_only', models.BooleanField(default=False, verbose_name='chỉ tạo các dòng hợp lệ')),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('valid_rows', models.PositiveIntegerField(default=0)),
                        ('done_rows', models.PositiveIntegerField(default=0)),
                        ('failed_rows', models.PositiveIntegerField(default=0)),
                        ('errors', models.JSONField(blank=True, default=list, help_text='File-level errors.')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'tenants_rolloutbatch',
                        'ordering': ['-created_at'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='PackRelease',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=60)),
                        ('version', models.PositiveIntegerField()),
                        ('title', models.CharField(max_length=255)),
                        ('kinds', models.JSONField(default=list, help_text='Agency kinds this pack is meant for.')),
                        ('content', models.JSONField(help_text='The pack itself (documents, record series).')),
                        ('notes', models.TextField(blank=True, verbose_name='ghi chú thay đổi')),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'tenants_packrelease',
                        'ordering': ['key', '-version'],
                        'constraints': [models.UniqueConstraint(fields=('key', 'version'), name='pack_release_once')],
                    },
                ),
                migrations.CreateModel(
                    name='RolloutRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveIntegerField(verbose_name='dòng')),
                        ('code', models.CharField(blank=True, max_length=40, verbose_name='mã')),
                        ('name', models.CharField(blank=True, max_length=255, verbose_name='tên cơ quan')),
                        ('kind', models.CharField(blank=True, max_length=32, verbose_name='loại')),
                        ('parent_code', models.CharField(blank=True, max_length=40, verbose_name='cơ quan cấp trên')),
                        ('admin_name', models.CharField(blank=True, max_length=150, verbose_name='họ tên quản trị viên')),
                        ('admin_email', models.CharField(blank=True, max_length=254, verbose_name='thư điện tử quản trị viên')),
                        ('plan_code', models.CharField(blank=True, max_length=40, verbose_name='gói dịch vụ')),
                        ('errors', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('invalid', 'Có lỗi'), ('skipped', 'Bỏ qua'), ('pending', 'Chờ khởi tạo'), ('running', 'Đang khởi tạo'), ('done', 'Đã tạo'), ('failed', 'Thất bại')], default='pending', max_length=16)),
                        ('method', models.CharField(blank=True, max_length=16)),
                        ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenants.agency')),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='onboarding_province.rolloutbatch')),
                    ],
                    options={
                        'db_table': 'tenants_rolloutrow',
                        'ordering': ['batch', 'line'],
                        'constraints': [models.UniqueConstraint(fields=('batch', 'line'), name='rollout_row_once')],
                    },
                ),
            ],
        ),
    ]
