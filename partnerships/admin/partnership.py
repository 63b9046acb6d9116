"""The partnership's admin: its form, list, workflow actions, preview and translations."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import (
    Http404,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from modeltranslation.admin import TranslationAdmin

from cities.admin import OPEN_CITY_CHOOSERS
from cities.models import City, CityFigure
from cities.permissions import cities_in_scope
from core import translated
from core.choosers import OffersWhatTheFormAccepts
from core.edit_conflicts import GuardedAdmin, GuardedModelForm
from core.markdown import render_markdown
from core.translation_admin import StampTranslations
from history import compare
from history.admin import NOT_FOUND

from .. import dossier, pending, permissions, review, translation_report
from ..models import (
    PARTNERSHIP_PARTS,
    Activity,
    Contact,
    Milestone,
    Partnership,
    PartnershipFigure,
    PendingChange,
    Plan,
    ReviewNote,
    Source,
    WorkflowError,
)
from ..views.partnerships import PartnershipDetailView
from .base import MARKDOWN_HELP, ScopedAdmin, partnership_change_url
from .inlines import (
    ActivityInline,
    ContactInline,
    DocumentInline,
    MilestoneInline,
    PartnershipFigureInline,
    PictureInline,
    PlanInline,
    SourceInline,
)
from .schedule import KEPT_ON_REVERT, SCHEDULE_FIELDSET, ScheduleAdmin, ScheduleForm


class PartnershipCountryFilter(admin.SimpleListFilter):
    """Partnerships in which either city lies in the chosen country."""

    title = _("country (either city)")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        visible = model_admin.get_queryset(request).order_by()
        on_a = visible.values_list("city_a__country", flat=True)
        on_b = visible.values_list("city_b__country", flat=True)
        codes = set(on_a.union(on_b))
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        code = self.value()
        if code:
            return queryset.filter(Q(city_a__country=code) | Q(city_b__country=code))
        return queryset


# The moves that decide what the public sees: the publishers' (the others: anyone who may change).
PUBLISHERS_MOVES = ("publish", "schedule", "return")


class ReviewForm(forms.Form):
    """A move on the review desk, with the message or comment that goes with it."""

    MOVES = ["submit", "publish", "schedule", "return", "discard", "comment"]

    move = forms.ChoiceField(choices=[(move, move) for move in MOVES], widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Sent with the e-mail and kept in the review conversation."),
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For “Publish at this time”: the scheduler publishes within a minute of it."),
    )

    def clean(self):
        cleaned_data = super().clean()
        move, message = cleaned_data.get("move"), cleaned_data.get("message", "")
        if move == "schedule":
            at = cleaned_data.get("publish_at")
            if at is None and "publish_at" not in self.errors:
                self.add_error("publish_at", _("Give the date and time to publish at."))
            elif at is not None and at <= timezone.now():
                self.add_error("publish_at", _("This time has passed: choose one ahead."))
        if move in ("return", "comment") and not message.strip():
            self.add_error(
                "message",
                _("Say what needs changing: the comment is sent to the editor.")
                if move == "return"
                else _("Write a comment first."),
            )
        return cleaned_data


def pending_comparison(partnership, change):
    """Live against pending: the partnership's fields, then each kind of part (added, removed,
    changed), as the history's comparison shows two versions (history/compare.py)."""
    live = pending.field_dicts(pending.capture(partnership))
    proposed = pending.field_dicts(change.content)
    names = {}
    for version in (live, proposed):
        for model, by_pk in version.items():
            for pk, (name, _values) in by_pk.items():
                names[(model, pk)] = name
    relations = pending.part_relations()
    wanted = {}
    for model, by_pk in [*live.items(), *proposed.items()]:
        exclude = [key.name for part, key in relations if part is model]
        values = [stored for _name, stored in by_pk.values()]
        for related, pks in compare.related_keys(model, *values, exclude=exclude).items():
            wanted.setdefault(related, set()).update(pk for pk in pks if (related, pk) not in names)
    for related, pks in wanted.items():
        for pk, record in related._base_manager.in_bulk(pks).items():
            names[(related, pk)] = str(record)
    root_live = live[Partnership][partnership.pk][1]
    root_proposed = proposed[Partnership][partnership.pk][1]
    return {
        "changes": compare.field_changes(
            Partnership, root_live, root_proposed, names, exclude=pending.NOT_CONTENT
        ),
        "part_changes": [
            changes
            for model, key in relations
            if (
                changes := compare.part_changes(
                    model, live.get(model, {}), proposed.get(model, {}), names, exclude=[key.name]
                )
            )
        ],
    }


# The story's columns in every language (summary_en, summary_de, …): Markdown.
NARRATIVE_COLUMNS = {
    translated.column(name, language)
    for name in Partnership.NARRATIVE_FIELDS
    for language in translated.languages()
}
MARKDOWN_PREVIEW_LIMIT = 100_000  # characters; far more than any section of the story
# The form's tabs (static/js/admin_partnership_form.js): key, label, and what goes in each
# (fieldsets by their class "tab-<key>", inlines by model). Without the script they are the
# form's headed sections, all on one page.
FORM_TABS = [
    ("cities", _("Cities and dates")),
    ("story", _("Story")),
    ("milestones", _("Milestones")),
    ("activities", _("Activities")),
    ("plans", _("Plans")),
    ("sources", _("Sources and figures")),
    ("memory", _("Contacts and memory")),
    ("publishing", _("Publishing and schedule")),
]
INLINE_TABS = {
    Milestone: "milestones",
    Activity: "activities",
    Plan: "plans",
    Source: "sources",
    PartnershipFigure: "sources",
    Contact: "memory",
}


def form_layout(inline_admin_formsets, partnership=None):
    """What the form's script needs (as JSON in the page): the tabs with the inline groups in
    each, the languages with the column suffix of each (summary_<suffix>), and how far the
    story's translations are behind: per column "missing" or "outdated"."""
    inlines = {}
    for inline in inline_admin_formsets:
        key = INLINE_TABS.get(inline.opts.model, "publishing")
        inlines.setdefault(key, []).append(f"{inline.formset.prefix}-group")
    names = dict(settings.LANGUAGES)
    languages = []
    for language in translated.languages():
        states = {}
        if partnership is not None and language != translated.ORIGINAL:
            for field in Partnership.NARRATIVE_FIELDS:
                state = translated.state(partnership, field, language)
                if state in (translated.MISSING, translated.OUTDATED):
                    states[translated.column(field, language)] = state
        missing = sum(state == translated.MISSING for state in states.values())
        outdated = len(states) - missing
        mark = [
            ngettext("%(count)d missing", "%(count)d missing", count) % {"count": count}
            if kind == translated.MISSING
            else ngettext("%(count)d outdated", "%(count)d outdated", count) % {"count": count}
            for kind, count in ((translated.MISSING, missing), (translated.OUTDATED, outdated))
            if count
        ]
        languages.append(
            {
                "code": language,
                "name": str(names.get(language, language)),
                "suffix": translated.column("", language).lstrip("_"),
                "original": language == translated.ORIGINAL,
                "states": states,
                "mark": ", ".join(mark),
            }
        )
    return {
        "tabs": [
            {"key": key, "label": str(label), "inlines": inlines.get(key, [])}
            for key, label in FORM_TABS
        ],
        "languages": languages,
        "preview_url": reverse("admin:partnerships_partnership_markdown_preview"),
        "text": {
            "language": str(_("Language")),
            "sections": str(_("Parts of the form")),
            "missing": str(_("missing")),
            "outdated": str(_("outdated")),
            "preview": str(_("Preview")),
            "hide_preview": str(_("Hide preview")),
            "empty_preview": str(_("Nothing to preview yet.")),
            "preview_failed": str(_("The preview could not be made. The text is kept.")),
            "has_errors": str(_("has errors")),
            "show_fields": str(_("Show")),
            "hide_fields": str(_("Hide")),
            "add_section": str(_("Write “%(section)s”")),
        },
    }


class PartnershipAdminForm(ScheduleForm, GuardedModelForm):
    class Meta:
        model = Partnership
        fields = [
            "city_a",
            "city_b",
            "kind",
            "status",
            "established",
            "founding_milestone",
            "focus_areas",
            "is_featured",
            "slug",
            *Partnership.NARRATIVE_FIELDS,
        ]
        help_texts = {
            "summary": _("Markdown. A short introduction: who, since when, what about."),
            "character": _(
                "Markdown. What kind of partnership this is, how it started and how long it "
                "has lasted."
            ),
            "funding": _("Markdown. Who pays for what."),
            "key_achievements": _("Markdown. What the partnership has achieved so far."),
            "future_expectations": _("Markdown. What both sides expect or plan next."),
            "obstacles_and_needs": _("Markdown. What stands in the way and what help is needed."),
        }
        # The narrative's form fields are per language (summary_en, summary_de, …).
        help_texts |= translated.per_language(help_texts, Partnership.NARRATIVE_FIELDS)

    # Set by PartnershipAdmin.get_form: the staff member filling in the form.
    user = None

    def clean(self):
        cleaned_data = super().clean()
        cities = [cleaned_data.get("city_a"), cleaned_data.get("city_b")]
        if (
            self.user is not None
            and all(cities)
            and not permissions.involves_own_city(self.user, *cities)
        ):
            self.add_error(
                "city_a", _("You can only record partnerships that involve one of your cities.")
            )
        return cleaned_data


# Shown instead of the established date while the founding milestone sets it.
FOUNDED = "established_display"  # PartnershipAdmin.established_display


def replaced(fields, old, new):
    """A fieldset's fields (names and tuples of names) with `old` replaced by `new`."""
    return [
        tuple(new if name == old else name for name in item)
        if isinstance(item, tuple | list)
        else (new if item == old else item)
        for item in fields
    ]


# A partner city can be anywhere: the partnership form's city choosers offer every city, not
# only the staff member's own.
OPEN_CITY_CHOOSERS.update(
    {("partnerships.partnership", "city_a"), ("partnerships.partnership", "city_b")}
)


@admin.register(Partnership)
class PartnershipAdmin(
    ScheduleAdmin,
    GuardedAdmin,
    OffersWhatTheFormAccepts,
    StampTranslations,
    TranslationAdmin,
    ScopedAdmin,
):
    scope_prefix = ""
    form = PartnershipAdminForm
    list_display = [
        "title",
        "kind",
        "status",
        "established_display",
        "state",
        "is_featured",
    ]
    list_filter = [
        "state",
        "is_featured",
        "kind",
        "status",
        "focus_areas",
        PartnershipCountryFilter,
    ]
    search_fields = [
        *translated.columns("city_a__name"),
        *translated.columns("city_b__name"),
        *translated.columns("summary"),
        "slug",
    ]
    date_hierarchy = "established"
    list_select_related = ["city_a", "city_b"]
    autocomplete_fields = ["city_a", "city_b"]
    filter_horizontal = ["focus_areas"]
    workflow_fields = ["state", "submitted_at", "submitted_by", "published_at", "published_by"]
    history_parts = PARTNERSHIP_PARTS
    readonly_fields = [*workflow_fields, "created_at", "updated_at"]
    actions = ["submit_for_review", "publish", "return_to_draft", "unpublish", "mark_reviewed"]
    save_on_top = True
    inlines = [
        MilestoneInline,
        ActivityInline,
        PlanInline,
        SourceInline,
        PartnershipFigureInline,
        PictureInline,
        DocumentInline,
        ContactInline,
    ]
    fieldsets = [
        (
            _("Cities and dates"),
            {
                "fields": [
                    ("city_a", "city_b"),
                    ("kind", "status"),
                    ("established", "founding_milestone"),
                ],
                "classes": ["tab-cities"],
            },
        ),
        (_("Topics"), {"fields": ["focus_areas"], "classes": ["tab-cities"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "state",
                    ("submitted_at", "submitted_by"),
                    ("published_at", "published_by"),
                    "is_featured",
                    "slug",
                ],
                "description": _(
                    "A partnership goes from draft to review to published: editors submit it "
                    "for review with the action “Submit for review” in the list; a publisher "
                    "publishes it. Only published partnerships appear on the public site; "
                    "“Preview” shows the page before that. A published partnership is changed "
                    "by publishers only. The page address (slug) is made from the two city "
                    "names when left empty."
                ),
                "classes": ["tab-publishing"],
            },
        ),
        (
            SCHEDULE_FIELDSET[0],
            {**SCHEDULE_FIELDSET[1], "classes": ["tab-publishing"]},
        ),
        (
            _("Story"),
            {
                "fields": Partnership.NARRATIVE_FIELDS,
                "description": MARKDOWN_HELP,
                "classes": ["tab-story"],
            },
        ),
        (
            _("Record"),
            {"fields": ["created_at", "updated_at"], "classes": ["collapse", "tab-publishing"]},
        ),
    ]

    class Media:
        css = {"all": ["css/admin_partnership_form.css"]}
        js = ["js/admin_partnership_form.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in NARRATIVE_COLUMNS:
            # Markdown: the form's script offers a preview (markdown_preview_view).
            formfield.widget.attrs.update({"data-markdown": "", "rows": 6})
        return formfield

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["form_layout"] = form_layout(context.get("inline_admin_formsets", []), obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request):
        # Also used by the change form and the partnership autocomplete: str() needs both cities.
        return super().get_queryset(request).select_related("city_a", "city_b")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        founding = form.base_fields.get("founding_milestone")
        if founding is not None:  # only this partnership's milestones (none before it exists)
            founding.queryset = Milestone.objects.filter(partnership=obj).order_by("date", "id")
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Once more, now that the inlines are saved too (also after a revert or a recovery).
        form.instance.refresh_search_document()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.can_publish(request.user):
            readonly.append("is_featured")  # the home page is the publishers' to choose
        if obj is not None and obj.founding_milestone_id:
            # The founding milestone's date is the established date: edit it there.
            readonly.append(FOUNDED)
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.founding_milestone_id:
            return fieldsets
        # Read-only, the date is shown at its precision ("April 1994"), not as a made-up day.
        return [
            (name, {**options, "fields": replaced(options["fields"], "established", FOUNDED)})
            for name, options in fieldsets
        ]

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def kept_on_revert(self, request, current):
        """A revert restores content, never a publishing decision.

        Reverting keeps the partnership's publication state, who submitted and published it
        and whether it is featured, so no version can publish (or unpublish) it. A deleted
        partnership is recovered as it was only by someone who may publish; anyone else gets
        it back as a draft.
        """
        kept = [*self.workflow_fields, "is_featured", *KEPT_ON_REVERT]
        if current is not None:
            return {
                field.attname: getattr(current, field.attname)
                for field in map(Partnership._meta.get_field, kept)
            }
        if permissions.can_publish(request.user):
            return {}
        return {
            "state": Partnership.State.DRAFT,
            "is_featured": False,
            **Partnership._cleared_workflow_marks(),
        }

    def get_urls(self):
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="partnerships_partnership_preview",
        )
        translations = path(
            "<path:object_id>/translations/",
            self.admin_site.admin_view(self.translations_view),
            name="partnerships_partnership_translations",
        )
        review_desk = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(self.review_view),
            name="partnerships_partnership_review",
        )
        dossier_page = path(
            "<path:object_id>/dossier/",
            self.admin_site.admin_view(self.dossier_view),
            name="partnerships_partnership_dossier",
        )
        markdown_preview = path(
            "markdown-preview/",
            self.admin_site.admin_view(self.markdown_preview_view),
            name="partnerships_partnership_markdown_preview",
        )
        return [
            markdown_preview,
            preview,
            translations,
            review_desk,
            dossier_page,
            *super().get_urls(),
        ]

    def dossier_view(self, request, object_id):
        """The printable handover dossier (partnerships/dossier.py), for staff who may see
        the partnership: its private contacts and staff notes included."""
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if not self.has_view_or_change_permission(request, partnership):
            raise Http404(NOT_FOUND)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": partnership,
            "title": _("Handover dossier: %(partnership)s") % {"partnership": partnership},
            "dossier": dossier.dossier(partnership.pk),
        }
        return TemplateResponse(request, "admin/partnerships/partnership/dossier.html", context)

    def markdown_preview_view(self, request):
        """POST `text`: the HTML visitors would get from it (sanitised), for the form's
        "Preview" buttons. Any staff member who may add or change partnerships may ask."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "")
        if len(text) > MARKDOWN_PREVIEW_LIMIT:
            return JsonResponse({"error": str(_("The text is too long to preview."))}, status=400)
        return JsonResponse({"html": str(render_markdown(text))})

    def translations_view(self, request, object_id):
        """Which translations of the partnership's content are missing or outdated; staff
        who may change it confirm outdated ones as still right without editing them."""
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if not self.has_view_or_change_permission(request, partnership):
            raise Http404(NOT_FOUND)
        may_confirm = self.has_change_permission(request, partnership)
        if request.method == "POST":
            if not may_confirm:
                raise PermissionDenied
            count = self.confirm_translations(request, partnership, request.POST.getlist("key"))
            self.message_user(
                request,
                ngettext(
                    "%(count)d translation confirmed as still right.",
                    "%(count)d translations confirmed as still right.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        records = translation_report.report(partnership)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": partnership,
            "title": _("Translations of %(partnership)s")
            % {"partnership": translation_report.partnership_name(partnership)},
            "records": records,
            "may_confirm": may_confirm,
            "languages": [name for code, name in settings.LANGUAGES if code != translated.ORIGINAL],
        }
        template = "admin/partnerships/partnership/translations.html"
        return TemplateResponse(request, template, context)

    def confirm_translations(self, request, partnership, keys):
        """Stamp the chosen translations as made from the current original; how many."""
        wanted = {}
        for key in keys:
            parsed = translation_report.parse_key(key)
            if parsed is not None:
                model, pk, field, language = parsed
                wanted.setdefault(model, {}).setdefault(pk, []).append((field, language))
        user = request.user
        reachable = {
            Partnership: Partnership.objects.filter(pk=partnership.pk),
            City: cities_in_scope(
                user, City.objects.filter(pk__in=[partnership.city_a_id, partnership.city_b_id])
            ),
            **translation_report.parts_of(partnership),
        }
        # A city's key figures only where the user may edit the city.
        reachable[CityFigure] = reachable[CityFigure].filter(city__in=reachable[City])
        count = 0
        for model, by_pk in wanted.items():
            opts = model._meta
            if not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
                continue
            for obj in reachable[model].filter(pk__in=by_pk):
                for field, language in by_pk[obj.pk]:
                    if translated.state(obj, field, language) == translated.OUTDATED:
                        translated.stamp(obj, [field], [language])
                        count += 1
                model._base_manager.filter(pk=obj.pk).update(
                    **{translated.STAMPS: getattr(obj, translated.STAMPS)}
                )
        return count

    def preview_view(self, request, object_id):
        """The public page exactly as visitors will see it, published or not."""
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if not self.has_view_or_change_permission(request, partnership):
            raise Http404(NOT_FOUND)
        change = self.open_change(request, partnership)
        view = PartnershipDetailView.as_view(preview=True, pending_change=change)
        if change is None:
            return view(request, pk=partnership.pk)
        # The pending version, written into the database only while the page is drawn.
        response, _content = pending.try_out(
            partnership, change.content, lambda: view(request, pk=partnership.pk).render()
        )
        return response

    # --- The review desk on the partnership's own pages ---------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        extra_context = {**(extra_context or {}), **self.review_context(request, partnership)}
        if not self.keeps_pending(request, partnership):
            return super().changeform_view(request, object_id, form_url, extra_context)
        return self.on_pending(
            request,
            partnership,
            lambda: super(PartnershipAdmin, self).changeform_view(
                request, object_id, form_url, extra_context
            ),
        )

    def review_context(self, request, partnership):
        """What the review panel shows: the pending changes, the conversation, and the moves
        this staff member may make now."""
        change = self.open_change(request, partnership)
        may_change = self.has_change_permission(request)  # the model permission: scope is checked
        may_publish = permissions.can_publish(request.user)
        state = partnership.state
        if change is not None:
            may_submit = may_change and change.state == PendingChange.State.DRAFT
            may_return = may_publish and change.state == PendingChange.State.IN_REVIEW
            may_publish_now = may_publish
        else:
            may_submit = may_change and state == Partnership.State.DRAFT
            may_return = may_publish and state == Partnership.State.IN_REVIEW
            may_publish_now = may_publish and state != Partnership.State.PUBLISHED
        return {
            "pending_change": change,
            "review_notes": ReviewNote.objects.filter(partnership=partnership).with_people(),
            "review_url": reverse("admin:partnerships_partnership_review", args=[partnership.pk]),
            "preview_url": reverse("admin:partnerships_partnership_preview", args=[partnership.pk]),
            "review_moves": {
                "submit": may_submit,
                "publish": may_publish_now,
                "schedule": may_publish_now,
                "return": may_return,
                "discard": may_change and change is not None,
                "comment": may_change or may_publish,
            },
            "review_form": ReviewForm(),
        }

    def review_view(self, request, object_id):
        """What the pending changes change (live against pending, field by field, the parts
        included), the conversation, and the moves: submit, publish, return, discard."""
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if not self.has_view_or_change_permission(request, partnership):
            raise Http404(NOT_FOUND)
        context = self.review_context(request, partnership)
        if request.method == "POST":
            form = ReviewForm(request.POST)
            if form.is_valid():
                move = form.cleaned_data["move"]
                # Who may make the move; whether it fits the state now (another publisher may
                # have been first) the move itself says, with a message.
                may_publish = permissions.can_publish(request.user)
                if move in PUBLISHERS_MOVES:
                    allowed = may_publish
                else:
                    allowed = may_publish or self.has_change_permission(request)
                if not allowed:
                    raise PermissionDenied
                return self.make_review_move(request, partnership, move, form.cleaned_data)
            context["review_form"] = form
        change = context["pending_change"]
        context.update(
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": partnership,
                "title": _("Review: %(partnership)s") % {"partnership": partnership},
                "comparison": pending_comparison(partnership, change) if change else None,
                "change_url": partnership_change_url(partnership),
            }
        )
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/partnerships/partnership/review.html", context, status=status
        )

    def make_review_move(self, request, partnership, move, data):
        message = data["message"]
        done = {
            "submit": _("Submitted for review."),
            "publish": _("Published."),
            "schedule": _("Scheduled."),
            "return": _("Returned with a comment."),
            "discard": _("Pending changes discarded."),
            "comment": _("Comment added."),
        }[move]
        try:
            if move == "submit":
                review.submit(partnership, request.user, message)
            elif move == "publish":
                review.publish(partnership, request.user, message)
            elif move == "schedule":
                review.schedule(partnership, request.user, data["publish_at"], message)
            elif move == "return":
                review.return_for_changes(partnership, request.user, message)
            elif move == "discard":
                review.discard(partnership, request.user)
            else:
                review.comment(partnership, request.user, message)
        except WorkflowError as error:
            self.message_user(request, str(error), messages.WARNING)
        else:
            if move != "comment":
                self.log_change(request, partnership, str(done))
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(partnership_change_url(partnership))

    def view_on_site(self, partnership):
        if partnership.is_published:
            return partnership.get_absolute_url()
        return reverse("admin:partnerships_partnership_preview", args=[partnership.pk])

    @admin.display(description=_("partnership"), ordering="city_a__name_en")
    def title(self, partnership):
        return partnership.title

    @admin.display(description=_("established"), ordering="established")
    def established_display(self, partnership):
        return partnership.established_display

    def _move(self, request, queryset, move, done):
        """Apply a workflow move to each selected partnership; report what happened."""
        moved, refused = [], []
        for partnership in queryset:  # get_queryset already joins both cities
            self.record_baseline(partnership)
            try:
                with self.record(request, done):  # each move is a revision of its own
                    # Submitting and publishing as the review panel does: pending changes
                    # included, a note in the conversation, the e-mails.
                    if move == "submit_for_review":
                        review.submit(partnership, request.user)
                    elif move == "publish":
                        review.publish(partnership, request.user)
                    else:
                        getattr(partnership, move)(request.user)
            except WorkflowError as error:
                refused.append(str(error))
            else:
                moved.append(partnership)
        if moved:
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=moved, action_flag=CHANGE, change_message=done
            )
            self.message_user(
                request,
                ngettext(
                    "%(count)d partnership: %(done)s",
                    "%(count)d partnerships: %(done)s",
                    len(moved),
                )
                % {"count": len(moved), "done": done},
                messages.SUCCESS,
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._move(request, queryset, "submit_for_review", _("Submitted for review."))

    @admin.action(description=_("Publish"), permissions=["publish"])
    def publish(self, request, queryset):
        self._move(request, queryset, "publish", _("Published."))

    @admin.action(description=_("Return to draft (not approved)"), permissions=["publish"])
    def return_to_draft(self, request, queryset):
        self._move(request, queryset, "return_to_draft", _("Returned to draft."))

    @admin.action(description=_("Unpublish (back to draft)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._move(request, queryset, "unpublish", _("Unpublished: back to draft."))


# --- Focus areas ----------------------------------------------------------------------------
