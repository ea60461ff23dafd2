-- Prompt search (SQLite's FTS5 trigram table prompts_fts) is ILIKE through pg_trgm GIN indexes:
-- the same case-insensitive substring match, with case folded by the database's ctype (a UTF-8
-- locale such as C.UTF-8; under "C" only ASCII letters fold) rather than FTS5's own folding, which
-- differ on a few letters (Greek final sigma, Turkish dotted I, letters newer than FTS5's tables).
-- pg_trgm is a trusted extension: the database's owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
