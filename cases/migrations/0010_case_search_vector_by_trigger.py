"""The case's tsvector is kept by a trigger that recomputes it only when the text changes.

As a generated column it was recomputed on every update of the row, and grouping updates a
case for every run that adds signals to it, mostly with text the case already holds. Parsing
up to 20,000 characters of text per update cost more than the rest of the update did.
"""

from django.db import migrations

from trustconsole.db import on_postgresql

TO_TRIGGER = """
ALTER TABLE cases_case ALTER COLUMN search_vector DROP EXPRESSION;
CREATE FUNCTION cases_case_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('english', NEW.search_text);
    RETURN NEW;
END
$$;
CREATE TRIGGER cases_case_search_vector_on_insert BEFORE INSERT ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_case_search_vector();
CREATE TRIGGER cases_case_search_vector_on_update BEFORE UPDATE OF search_text ON cases_case
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION cases_case_search_vector();
"""

TO_GENERATED = """
DROP TRIGGER cases_case_search_vector_on_update ON cases_case;
DROP TRIGGER cases_case_search_vector_on_insert ON cases_case;
DROP FUNCTION cases_case_search_vector();
ALTER TABLE cases_case DROP COLUMN search_vector;
ALTER TABLE cases_case ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED;
CREATE INDEX case_search_vector ON cases_case USING GIN (search_vector);
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_case_composite_indexes_cover_keys")]

    operations = [migrations.RunPython(on_postgresql(TO_TRIGGER), on_postgresql(TO_GENERATED))]
