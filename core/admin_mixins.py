"""Admin pieces shared by every app's admin module."""


class ReadOnlyAdminMixin:
    """An admin page (or inline) that staff with the view permission can read and
    nobody can add to, change or delete from: the rows it shows are written only
    by the services that own them (audit, bookings, payments, verification)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
