-- Prompt search (SQLite's FTS5 trigram table prompts_fts) is ILIKE through pg_trgm GIN indexes.
-- pg_trgm is a trusted extension: the database's owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
