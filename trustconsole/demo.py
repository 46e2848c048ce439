"""The demo's staff logins. Other apps add their demo data through settings.DEMO_LOADERS."""

from django.contrib.auth import get_user_model

from trustconsole import services
from trustconsole.roles import ADMIN, ANALYST, AUDITOR, LEAD

DEMO_PASSWORD = "trustconsole-demo"  # noqa: S105 - the documented demo password; the loader refuses production
DEMO_USERS = [
    ("analyst", ANALYST, "Works the case queues"),
    ("analyst2", ANALYST, "A second analyst, who gives blind QA reviews of the first one's decisions"),
    ("lead", LEAD, "Approves, reassigns, decides appeals, reads the audit log"),
    ("admin", ADMIN, "Edits reference data, rules, staff and roles in Django admin"),
    ("admin2", ADMIN, "A second admin, who approves badge overrides above Top Rated"),
    ("auditor", AUDITOR, "Reads everything, changes nothing"),
]


def load_staff(actor):
    User = get_user_model()
    created = 0
    for username, role, _ in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            services.create_staff_user(
                actor=actor,
                username=username,
                password=DEMO_PASSWORD,
                roles=[role],
                email=f"{username}@trustconsole.example",
                reason="demo data",
            )
            created += 1
        else:
            services.set_roles(actor=actor, user=user, roles=[role], reason="demo data")
    return created
