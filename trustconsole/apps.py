from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConsoleAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "trustconsole.admin_site.ConsoleAdminSite"


class TrustConsoleConfig(AppConfig):
    default = True
    name = "trustconsole"
    verbose_name = "Trust Console"

    def ready(self):
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from trustconsole import db, receivers, roles  # noqa: F401 - db registers the any_of lookup
        from trustconsole.admin_audit import audit_every_model_admin

        receivers.connect()
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="trustconsole-sync-roles")
        audit_every_model_admin(admin.site)
