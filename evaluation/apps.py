from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    """The rollout's waves, baselines, weekly adoption figures and the pilot report (public
    schema): the province decides whether to scale up from these."""

    name = "evaluation"
    label = "evaluation"
    verbose_name = "Đánh giá thí điểm và nhân rộng"
