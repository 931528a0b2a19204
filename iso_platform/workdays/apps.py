from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "iso_platform.workdays"
    label = "workdays"
    verbose_name = "Lịch làm việc"
