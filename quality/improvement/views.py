"""Pages: nonconformities with their workflow, actions of every loop."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.http import FileResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.forms import add_errors, error_text, form_errors
from quality.core.models import AuditEvent
from quality.core.permissions import can
from quality.core.reports import document_response
from quality.core.steps import Gate, Step
from quality.improvement import forms, selectors, services
from quality.improvement.forms import FISHBONE_LABELS
from quality.improvement.models import (
    OPEN_ACTION_STATUSES,
    Action,
    ActionEvidence,
    ActionStatus,
    NcSource,
    NcStatus,
    Nonconformity,
)
from quality.improvement.printing import nonconformity_form


class NcListView(Gate, TemplateView):
    capability = "improvement.view"
    template_name = "quality/improvement/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.NcFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        rows = selectors.with_open_actions(
            selectors.nc_register(data).select_related("owner")
        ).order_by("-detected_at", "-id")
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        counts = dict(Nonconformity.objects.values_list("status").annotate(n=Count("id")))
        can_manage = can(self.request.user, "improvement.manage")
        group = _chosen_group(data)
        context.update(
            form=form,
            page=page,
            query=query.urlencode(),
            counts=[(value, label, counts.get(value, 0)) for value, label in NcStatus.choices],
            groups=selectors.nc_groups(selectors.nc_register(data, grouped=False)),
            group=group,
            group_query=_without(query, "source", "procedure"),
            filters=[(name, data.get(name)) for name in forms.NcFilterForm.FILTERS],
            can_record=can(self.request.user, "improvement.record"),
            can_manage=can_manage,
        )
        if can_manage:
            context.update(
                bulk_form=forms.NcBulkForm(),
                group_open=(
                    selectors.nc_register(data).exclude(status=NcStatus.CLOSED).count()
                    if group
                    else 0
                ),
            )
        return context


def _chosen_group(data: dict) -> str:
    """The label of the group the register is narrowed to ("" if none)."""
    if data.get("procedure"):
        return str(data["procedure"])
    if data.get("source"):
        return str(NcSource(data["source"]).label)
    return ""


def _without(query, *names) -> str:
    query = query.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


class NcBulkView(Gate, View):
    """Triage of many records at once: assign, close with a reason, one shared action.

    Only who may manage nonconformities (the services check again); bad input comes back
    as a message on the register, with its filters kept."""

    capability = "improvement.manage"

    def post(self, request):
        form = forms.NcBulkForm(request.POST)
        back = self._back(request)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect(back)
        data = form.cleaned_data
        try:
            done = self.act(data, self._ids(request, data))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
        return redirect(back)

    def _ids(self, request, data) -> list[int]:
        if not data["all_matching"]:
            return data["ids"]
        filters = forms.NcFilterForm(request.POST)
        if not filters.is_valid():
            raise ValidationError(_("Bộ lọc của nhóm không hợp lệ."))
        rows = selectors.nc_register(filters.cleaned_data).exclude(status=NcStatus.CLOSED)
        return list(rows.values_list("pk", flat=True))

    def act(self, data, ids) -> str:
        actor = self.request.user
        if data["op"] == "assign":
            n = services.nc_bulk_assign(
                actor=actor, ids=ids, owner=data["owner"], unit=data["unit"]
            )
            return _("Đã giao %(n)s sự không phù hợp cho %(who)s.") % {
                "n": n,
                "who": data["owner"].full_name,
            }
        if data["op"] == "close":
            n = services.nc_bulk_close(actor=actor, ids=ids, reason=data["reason"])
            return _("Đã đóng %(n)s sự không phù hợp, lý do ghi vào lịch sử từng bản ghi.") % {
                "n": n
            }
        action = services.nc_bulk_action(
            actor=actor,
            ids=ids,
            title=data["title"],
            owner=data["action_owner"],
            due_on=data["due_on"],
            root_cause=data["root_cause"],
        )
        return _("Đã gắn hành động “%(t)s” cho %(n)s sự không phù hợp.") % {
            "t": action.title[:80],
            "n": len(ids),
        }

    def _back(self, request) -> str:
        query = QueryDict(mutable=True)
        for name in forms.NcFilterForm.FILTERS:
            if request.POST.get(name):
                query[name] = request.POST[name]
        return reverse("improvement:list") + (f"?{query.urlencode()}" if query else "")


class NcCreateView(Gate, View):
    capability = "improvement.record"
    template = "quality/improvement/create.html"

    def get(self, request):
        return render(request, self.template, {"form": forms.NcForm()})

    def post(self, request):
        form = forms.NcForm(request.POST)
        if form.is_valid():
            try:
                nc = services.nc_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã ghi nhận %(code)s.") % {"code": nc.code})
                return redirect(nc)
        return render(request, self.template, {"form": form}, status=400)


def trail(subject_type: str, pk):
    """Audit events of an object and of what hangs under it (its actions, findings...)."""
    return AuditEvent.objects.filter(
        Q(subject_type=subject_type, subject_id=str(pk))
        | Q(parent_type=subject_type, parent_id=str(pk))
    ).order_by("-at", "-id")[:100]


def actions_context(user, actions, capability: str, add_url: str | None):
    """What the shared actions panel needs (with each action's evidence files)."""
    today = timezone.localdate()
    actions = list(actions)
    prefetch_related_objects(actions, "evidence")
    return {
        "actions": actions,
        "today": today,
        "can_manage_actions": can(user, capability),
        "action_form": forms.ActionForm() if add_url else None,
        "action_add_url": add_url,
        "note_form": forms.NoteForm(),
        "verify_form": forms.VerifyForm(),
        "reason_form": forms.ReasonForm(),
    }


class NcDetailView(Gate, TemplateView):
    capability = "improvement.view"
    template_name = "quality/improvement/detail.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        nc = get_object_or_404(
            Nonconformity.objects.select_related("owner", "unit", "verified_by"), pk=pk
        )
        user = self.request.user
        actions = list(nc.all_actions().select_related("owner", "verified_by", "nonconformity"))
        pending = [a for a in actions if a.is_open]
        fishbone = [
            (FISHBONE_LABELS[g], causes)
            for g, causes in (nc.root_cause_detail.get("groups") or {}).items()
            if causes
        ]
        context.update(
            nc=nc,
            application=selectors.nc_application(nc),
            finding=getattr(nc, "finding", None) if nc.source == "audit" else None,
            fishbone=fishbone,
            closed_by_reason=nc.is_closed and bool(nc.close_reason),
            can_record=can(user, "improvement.record"),
            can_manage=can(user, "improvement.manage"),
            correction_form=forms.CorrectionForm(initial={"correction": nc.correction}),
            analysis_form=forms.AnalysisForm(
                initial={"method": nc.root_cause_method or "five_whys"}
            ),
            close_form=forms.CloseForm(),
            assign_form=forms.AssignForm(initial={"owner": nc.owner_id, "unit": nc.unit_id}),
            reopen_form=forms.ReasonForm(),
            pending=pending,
            audit=trail("nonconformity", nc.pk),
            **actions_context(
                user,
                actions,
                "improvement.manage",
                None if nc.is_closed else f"/improvement/{nc.pk}/actions/",
            ),
        )
        return context


class NcStep(Step):
    model = Nonconformity


class NcAssignView(NcStep):
    form_class = forms.AssignForm
    success = gettext_lazy("Đã giao người chịu trách nhiệm xử lý.")

    def act(self, nc, data):
        return services.nc_assign(actor=self.request.user, nc=nc, **data)


class NcCorrectView(NcStep):
    form_class = forms.CorrectionForm
    success = gettext_lazy("Đã ghi nhận việc khắc phục tức thời.")

    def act(self, nc, data):
        return services.nc_correct(actor=self.request.user, nc=nc, correction=data["correction"])


class NcAnalyseView(NcStep):
    form_class = forms.AnalysisForm
    success = gettext_lazy("Đã ghi nguyên nhân gốc rễ. Tiếp theo: đặt hành động khắc phục.")

    def act(self, nc, data):
        return services.nc_analyse(
            actor=self.request.user,
            nc=nc,
            method=data["method"],
            detail=self.form.detail(),
            root_cause=data["root_cause"],
        )


class NcActionAddView(NcStep):
    form_class = forms.ActionForm
    success = gettext_lazy("Đã giao hành động khắc phục.")

    def act(self, nc, data):
        return services.action_add(actor=self.request.user, nc=nc, **data)


class NcCloseView(NcStep):
    form_class = forms.CloseForm
    success = gettext_lazy("Đã đóng sự không phù hợp.")

    def act(self, nc, data):
        return services.nc_close(
            actor=self.request.user, nc=nc, verification_note=data["verification_note"]
        )


class NcReopenView(NcStep):
    form_class = forms.ReasonForm
    success = gettext_lazy("Đã mở lại; lịch sử xử lý trước được giữ nguyên.")

    def act(self, nc, data):
        return services.nc_reopen(actor=self.request.user, nc=nc, reason=data["reason"])


# --------------------------------------------------------------------------- actions


class ActionListView(Gate, TemplateView):
    capability = "improvement.view"
    template_name = "quality/improvement/actions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ActionFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        today = timezone.localdate()
        rows = Action.objects.select_related("owner", "nonconformity").prefetch_related("evidence")
        status = data.get("status", "")
        if status == "":
            rows = rows.filter(status__in=OPEN_ACTION_STATUSES)
        elif status != "all":
            rows = rows.filter(status=status)
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("overdue"):
            rows = rows.filter(
                status__in=[ActionStatus.OPEN, ActionStatus.INEFFECTIVE], due_on__lt=today
            )
        if data.get("mine"):
            rows = rows.filter(owner=self.request.user)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page=page, query=query.urlencode(), today=today)
        return context


class ActionStep(Step):
    model = Action

    def get_object(self, pk):
        return get_object_or_404(Action.objects.select_related("nonconformity"), pk=pk)

    def next_url(self, action, result):
        back = self.request.POST.get("next", "")
        if back.startswith("/") and not back.startswith("//"):
            return back
        return services.action_url(action)


class ActionCompleteView(ActionStep):
    form_class = forms.NoteForm
    success = gettext_lazy("Đã báo hoàn thành; chờ xác nhận hiệu lực.")

    def act(self, action, data):
        return services.action_complete(
            actor=self.request.user, action=action, note=data["note"], files=data["files"]
        )


class EvidenceDownloadView(Gate, View):
    """An action's evidence file, for the agency's own people only (its schema, signed in)."""

    capability = "improvement.view"

    def get(self, request, pk, file):
        record = get_object_or_404(ActionEvidence, pk=file, action_id=pk)
        response = FileResponse(
            record.file.open("rb"),
            as_attachment=True,
            filename=record.name,
            content_type=record.content_type,
        )
        response["X-Content-SHA256"] = record.sha256
        return response


class ActionVerifyView(ActionStep):
    form_class = forms.VerifyForm
    success = gettext_lazy("Đã ghi kết quả xác nhận hiệu lực.")

    def act(self, action, data):
        return services.action_verify(
            actor=self.request.user, action=action, effective=data["effective"], note=data["note"]
        )


class ActionCancelView(ActionStep):
    form_class = forms.ReasonForm
    success = gettext_lazy("Đã huỷ hành động.")

    def act(self, action, data):
        return services.action_cancel(actor=self.request.user, action=action, reason=data["reason"])


class SourceActionAddView(Step):
    """Add an action to a risk, an objective or a review (`kind`, `source_type`, `model`)."""

    form_class = forms.ActionForm
    kind = ""
    source_type = ""
    success = gettext_lazy("Đã giao việc.")

    def act(self, obj, data):
        return services.action_add(
            actor=self.request.user,
            kind=self.kind,
            source_type=self.source_type,
            source_id=str(obj.pk),
            **data,
        )


class NcFormFileView(Gate, View):
    """The record's nonconformity and corrective action form, PDF or DOCX."""

    capability = "improvement.view"
    fmt = "pdf"

    def get(self, request, pk):
        nc = get_object_or_404(
            Nonconformity.objects.select_related("owner", "unit", "verified_by", "created_by"),
            pk=pk,
        )
        name = f"phieu-khong-phu-hop-{nc.code.lower()}"
        return document_response(nonconformity_form(nc), self.fmt, name, request=request)
