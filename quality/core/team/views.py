"""The agency's people and invitations (agency portal, `/team/`).

Leaders, ISO secretaries and agency administrators see the page; only agency
administrators invite, resend, revoke, change roles and lock accounts (the services check).
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.accounts import invitations
from iso_platform.accounts.invitations import PersonState
from iso_platform.accounts.models import Invitation, User
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors
from quality.core.steps import Gate, Step
from quality.core.team import services as team
from quality.core.team.forms import ImportForm, InviteForm, PersonForm
from tenants.read_only import serving_read_only


class TeamGate(Gate):
    capability = "settings.manage"


def _people():
    return User.objects.prefetch_related(
        "units",
        Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at")),
    ).order_by("-is_active", "full_name", "email")


def _rows(people):
    now = timezone.now()
    rows = []
    for person in people:
        state, latest = invitations.person_state(person, list(person.invitations.all()), now)
        rows.append({"person": person, "state": state, "invitation": latest})
    return rows


class TeamListView(TeamGate, TemplateView):
    template_name = "accounts/team/list.html"
    read_only_page = True  # archived: the list stays readable, its forms hidden

    def get_context_data(self, invite_form=None, import_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = _rows(_people())
        wanted = self.request.GET.get("state", "")
        counts = Counter(row["state"] for row in rows)
        if wanted in PersonState.values:
            rows = [row for row in rows if row["state"] == wanted]
        context.update(
            rows=rows,
            counts=[(state, counts.get(state.value, 0)) for state in PersonState],
            wanted=wanted,
            total=sum(counts.values()),
            can_invite=self.request.user.is_agency_admin and not serving_read_only(),
            invite_form=invite_form or InviteForm(),
            import_form=import_form or ImportForm(),
            hours=invitations.ttl_hours(),
        )
        return context


def _list_page(request, **forms):
    """The list page again, with the form that was refused and its errors."""
    view = TeamListView(request=request, args=(), kwargs={})
    context = view.get_context_data(**forms)
    return render(request, TeamListView.template_name, context, status=400)


class InviteView(TeamGate, View):
    def post(self, request):
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                issued = team.person_invite(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã tạo tài khoản và gửi thư mời tới %(email)s.")
                    % {"email": issued.invitation.user.email},
                )
                return redirect("team:list")
        return _list_page(request, invite_form=form)


class ImportView(TeamGate, View):
    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return _list_page(request, import_form=form)
        report = team.staff_import(actor=request.user, data=form.cleaned_data["file"].read())
        return render(
            request,
            "accounts/team/import_report.html",
            {"report": report, "file_name": form.cleaned_data["file"].name},
            status=200 if report.ok else 400,
        )


class ImportTemplateView(TeamGate, View):
    """A sample file to fill in (UTF-8 with a byte-order mark, so Excel reads the accents)."""

    def get(self, request):
        rows = [
            ["Nguyễn Văn An", "an.nguyen@example.gov.vn", "VP", "Chuyên viên"],
            ["Trần Thị Bình", "binh.tran@example.gov.vn", "Văn phòng", "Trưởng đơn vị"],
            ["Lê Văn Cường", "cuong.le@example.gov.vn", "", "Đánh giá viên nội bộ"],
        ]
        body = spreadsheets.csv_bytes(rows, header=["họ tên", "email", "đơn vị", "vai trò"])
        return spreadsheets.download(body, fmt="csv", filename="moi-nguoi-dung")


class PersonView(TeamGate, View):
    template = "accounts/team/person.html"

    def get(self, request, pk):
        person = get_object_or_404(User, pk=pk)
        form = PersonForm(
            initial={
                "role": person.role,
                "is_agency_admin": person.is_agency_admin,
                "units": list(person.units.all()),
            }
        )
        return render(request, self.template, self._context(person, form))

    def post(self, request, pk):
        person = get_object_or_404(User, pk=pk)
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                team.person_update(
                    actor=request.user,
                    user=person,
                    role=form.cleaned_data["role"],
                    is_agency_admin=form.cleaned_data["is_agency_admin"],
                    units=list(form.cleaned_data["units"]),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu thông tin của %(name)s.") % {"name": person})
                return redirect("team:list")
        return render(request, self.template, self._context(person, form), status=400)

    def _context(self, person, form):
        history = list(person.invitations.order_by("-created_at")[:10])
        state, latest = invitations.person_state(person, history)
        return {
            "person": person,
            "form": form,
            "state": state,
            "invitation": latest,
            "history": history,
            "can_invite": self.request.user.is_agency_admin and not serving_read_only(),
        }


class PersonStep(Step):
    """POST-only actions on a person; the service decides who may (agency administrators)."""

    model = User

    def next_url(self, obj, result) -> str:
        return reverse("team:list")


class ResendView(PersonStep):
    def act(self, obj, data):
        issued = team.invitation_resend(actor=self.request.user, user=obj)
        messages.success(
            self.request,
            _("Đã gửi lại thư mời tới %(email)s; các liên kết gửi trước không còn dùng được.")
            % {"email": obj.email},
        )
        return issued


class RevokeView(ConfirmStepMixin, PersonStep):
    def confirmation(self, request, pk):
        person = self.get_object(pk)
        # the same rule as invitation_revoke: only the agency's administrators
        if not request.user.is_agency_admin:
            raise PermissionDenied("team.invite")
        return Confirmation(
            title=_("Thu hồi lời mời?"),
            text=_("Liên kết đặt mật khẩu đã gửi sẽ không còn dùng được."),
            button=_("Xác nhận thu hồi lời mời"),
            cancel_url=reverse("team:list"),
            items=[f"{person.full_name} <{person.email}>"],
            active="settings",
        )

    def act(self, obj, data):
        team.invitation_revoke(actor=self.request.user, user=obj)
        messages.success(
            self.request,
            _("Đã thu hồi lời mời của %(email)s: liên kết không còn dùng được.")
            % {"email": obj.email},
        )


class DeactivateView(PersonStep):
    def act(self, obj, data):
        team.person_deactivate(actor=self.request.user, user=obj)
        messages.success(self.request, _("Đã khoá tài khoản của %(name)s.") % {"name": obj})


class ActivateView(PersonStep):
    def act(self, obj, data):
        team.person_activate(actor=self.request.user, user=obj)
        messages.success(self.request, _("Đã mở khoá tài khoản của %(name)s.") % {"name": obj})
