from trustconsole.roles import roles_of


def navigation(request):
    """What the signed-in person may open; the views check again on the server."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_roles": []}
    items = [("home", "Home")]
    if user.has_perm("trustconsole.view_cases"):
        items.append(("cases:queue", "Queue"))
    if user.has_perm("trustconsole.work_cases"):
        items.append(("cases:qa", "QA review"))
    if user.has_perm("trustconsole.approve_actions"):
        items.append(("cases:approvals", "Approvals"))
    if user.has_perm("trustconsole.decide_appeals"):
        items.append(("cases:appeals", "Appeals"))
    if user.has_perm("trustconsole.view_dashboards"):
        items.append(("dashboards:operations", "Dashboards"))
        items.append(("standards:list", "Client standards"))
    if user.has_perm("trustconsole.view_auditevent"):
        items.append(("audit_log", "Audit log"))
    items.append(("api:openapi-view", "API docs"))
    if user.is_staff:
        items.append(("reputation:drafts", "Rule drafts"))
        items.append(("admin:index", "Django admin"))
    return {"nav_items": items, "nav_roles": roles_of(user)}
