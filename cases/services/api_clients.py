from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import ApiClient, ApiScope
from trustconsole.models import AuditAction
from trustconsole.services import record


def create_api_client(*, actor, name, scopes, detector=None, rate_limit_per_minute=120):
    """Create a client and return (client, token). The token is shown once and never stored."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(ApiScope.values)
    if not scopes or unknown:
        raise ValidationError(
            f"Scopes must be chosen from {', '.join(ApiScope.values)}; got {', '.join(scopes) or 'none'}"
        )
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(f"An API client named {name!r} exists already")
    client = ApiClient(name=name, scopes=scopes, detector=detector, rate_limit_per_minute=rate_limit_per_minute)
    token = client.issue_token()
    with transaction.atomic():
        client.save()
        record(
            actor=actor,
            action=AuditAction.API_CLIENT_CREATED,
            target=client,
            changes={"name": [None, name], "scopes": [None, scopes], "detector": [None, detector and detector.slug]},
        )
    return client, token


def rotate_api_client_token(*, actor, client):
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not client.active:
            raise ValidationError("A revoked client cannot get a new token")
        token = client.issue_token()
        client.save(update_fields=["token_prefix", "token_hash"])
        record(actor=actor, action=AuditAction.API_CLIENT_ROTATED, target=client)
    return client, token


def revoke_api_client(*, actor, client, reason=""):
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not client.active:
            return client
        client.active, client.revoked_at = False, timezone.now()
        client.save(update_fields=["active", "revoked_at"])
        record(
            actor=actor,
            action=AuditAction.API_CLIENT_REVOKED,
            target=client,
            reason=reason,
            changes={"active": [True, False]},
        )
    return client


def authenticate_token(token):
    """The active client holding this bearer token, or None."""
    import hmac

    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "tc":
        return None
    client = ApiClient.objects.select_related("detector").filter(token_prefix=parts[1], active=True).first()
    if client is None or not hmac.compare_digest(client.token_hash, ApiClient.hash_token(token)):
        return None
    return client
