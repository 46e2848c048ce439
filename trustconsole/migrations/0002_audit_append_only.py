"""On PostgreSQL the database itself refuses to change or remove an audit row.

SQLite has no such trigger; there the model and its QuerySet refuse in Python.
"""

from django.db import migrations

from trustconsole.db import on_postgresql

CREATE = """
CREATE OR REPLACE FUNCTION trustconsole_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'trustconsole_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trustconsole_auditevent_append_only
    BEFORE UPDATE OR DELETE ON trustconsole_auditevent
    FOR EACH ROW EXECUTE FUNCTION trustconsole_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS trustconsole_auditevent_append_only ON trustconsole_auditevent;
DROP FUNCTION IF EXISTS trustconsole_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("trustconsole", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
