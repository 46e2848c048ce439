from django.contrib.auth.forms import PasswordChangeForm


class ConsolePasswordChangeForm(PasswordChangeForm):
    """Validates only; the change itself is trustconsole.services.change_password."""

    def save(self, commit=True):
        raise NotImplementedError("Use trustconsole.services.change_password")
