import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustconsole.settings")
# Only web processes pool database connections (see settings.WEB_PROCESS).
os.environ.setdefault("TRUSTCONSOLE_WEB_PROCESS", "1")

application = get_wsgi_application()
