"""Full-text search over a case's content on PostgreSQL: a generated tsvector with a GIN index.

The column is not on the model (Django never writes it); cases.filters searches it on PostgreSQL
and falls back to a plain contains on SQLite, which skips this migration's SQL.
"""

from django.db import migrations

from trustconsole.db import on_postgresql

CREATE = """
ALTER TABLE cases_case ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED;
CREATE INDEX case_search_vector ON cases_case USING GIN (search_vector);
"""
DROP = "ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector;"


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
