"""The one way an object of an Organization is looked up, by the API and the dashboard alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models

from .errors import NotFound

if TYPE_CHECKING:
    from apps.accounts.models import Organization


class OrgQuerySet[M: models.Model](models.QuerySet[M]):
    """Rows that belong to an Organization (an `organization` foreign key).

    `get_for_org_or_404` is every route's and every view's first line: the object of *this*
    Organization or NotFound (404; an object of another Organization is never revealed).
    """

    # Shown in the 404 message ("No such Brand Kit in this Organization.").
    object_name: ClassVar[str] = ""
    # What a looked-up object is used with, loaded with it (both faces render the same thing).
    lookup_select_related: ClassVar[tuple[str, ...]] = ()
    lookup_prefetch_related: ClassVar[tuple[str, ...]] = ()

    def for_org(self, organization: Organization) -> Self:
        return self.filter(organization=organization)

    def get_for_org_or_404(self, organization: Organization, pk: Any) -> M:
        rows = self.for_org(organization)
        if self.lookup_select_related:
            rows = rows.select_related(*self.lookup_select_related)
        if self.lookup_prefetch_related:
            rows = rows.prefetch_related(*self.lookup_prefetch_related)
        found = rows.filter(pk=pk).first()
        if found is None:
            raise NotFound(self.object_name or str(self.model._meta.verbose_name).capitalize())
        return found
