-- The derived tables, kept by triggers whoever writes, exactly as SQLite's migrations keep them
-- (db/migrations 0003, 0005, 0009, 0012 and 0017; db/pg/postgres.test.ts replays the same writes on
-- both and compares). One function per rule; the triggers below only say when each runs.
-- Where SQLite's dialect differs: booleans are cast to 0/1 where they count; conflict targets are
-- spelled out; a decrement is an UPDATE (never an insert, which a cascade from a deleted dataset
-- would refuse); histogram bins truncate toward zero as SQLite's CAST does (::integer rounds).
-- SQLite's AFTER row triggers run as each row changes, PostgreSQL's when the statement ends: every
-- rule below adds and subtracts, so the order does not change the sums, and none reads a row its
-- own statement changes.

-- The histogram bin of a prompt_stats value, as statsBin in lib/datasets/prompt-stats.ts defines it
-- (ten bins, kendall_w over [0, 1], mean_tau_b over [-1, 1]; the top edge and anything outside in
-- the end bins); db/pg/postgres.test.ts holds this to statsBin on the edges.
CREATE FUNCTION stats_bin(metric text, value double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT least(9, greatest(0, trunc(CASE metric
    WHEN 'kendall_w' THEN (value - 0) / 0.1::double precision
    WHEN 'mean_tau_b' THEN (value + 1) / 0.2::double precision
  END)))::integer
$$;
--> statement-breakpoint

-- Every prompt has a prompt_stats row (lib/datasets recomputes the stale ones).
CREATE FUNCTION prompt_stats_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO prompt_stats (prompt_id, dataset_id, stale) VALUES (NEW.id, NEW.dataset_id, true) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER prompt_stats_on_prompt_insert AFTER INSERT ON prompts FOR EACH ROW EXECUTE FUNCTION prompt_stats_row();
--> statement-breakpoint

-- A prompt's stats go stale when its annotations, their reviews or its imported openness change.
CREATE FUNCTION prompt_stats_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
BEGIN
  IF TG_TABLE_NAME = 'annotations' THEN
    ids := CASE TG_OP
      WHEN 'INSERT' THEN ARRAY[NEW.prompt_id]
      WHEN 'DELETE' THEN ARRAY[OLD.prompt_id]
      ELSE ARRAY[NEW.prompt_id, OLD.prompt_id]
    END;
  ELSIF TG_TABLE_NAME = 'annotation_reviews' THEN
    ids := ARRAY(SELECT prompt_id FROM annotations WHERE id = NEW.annotation_id);
  ELSE
    ids := ARRAY[NEW.id];
  END IF;
  UPDATE prompt_stats SET stale = true WHERE prompt_id = ANY (ids) AND NOT stale;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER prompt_stats_on_annotation_change AFTER INSERT OR UPDATE OR DELETE ON annotations
  FOR EACH ROW EXECUTE FUNCTION prompt_stats_stale();
--> statement-breakpoint
CREATE TRIGGER prompt_stats_on_review_insert AFTER INSERT ON annotation_reviews
  FOR EACH ROW EXECUTE FUNCTION prompt_stats_stale();
--> statement-breakpoint
CREATE TRIGGER prompt_stats_on_openness_update AFTER UPDATE OF openness ON prompts
  FOR EACH ROW EXECUTE FUNCTION prompt_stats_stale();
--> statement-breakpoint

-- Decisions are kept: the review log is append-only.
CREATE FUNCTION annotation_reviews_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'annotation_reviews is append-only';
END $$;
--> statement-breakpoint
CREATE TRIGGER annotation_reviews_no_update BEFORE UPDATE ON annotation_reviews
  FOR EACH ROW EXECUTE FUNCTION annotation_reviews_append_only();
--> statement-breakpoint

-- prompts.annotation_count: how many annotations the prompt has (the queue's order).
CREATE FUNCTION prompts_annotation_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE prompts SET annotation_count = annotation_count - 1 WHERE id = OLD.prompt_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE prompts SET annotation_count = annotation_count + 1 WHERE id = NEW.prompt_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER annotations_count_insert_delete AFTER INSERT OR DELETE ON annotations
  FOR EACH ROW EXECUTE FUNCTION prompts_annotation_count();
--> statement-breakpoint
CREATE TRIGGER annotations_count_move AFTER UPDATE OF prompt_id ON annotations
  FOR EACH ROW WHEN (OLD.prompt_id <> NEW.prompt_id) EXECUTE FUNCTION prompts_annotation_count();
--> statement-breakpoint

-- dataset_fill: how many of a dataset's prompts have each annotation count.
CREATE FUNCTION dataset_fill_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE dataset_fill SET prompts = prompts - 1
      WHERE dataset_id = OLD.dataset_id AND annotation_count = OLD.annotation_count;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO dataset_fill AS f (dataset_id, annotation_count, prompts) VALUES (NEW.dataset_id, NEW.annotation_count, 1)
      ON CONFLICT (dataset_id, annotation_count) DO UPDATE SET prompts = f.prompts + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER prompts_fill_insert_delete AFTER INSERT OR DELETE ON prompts
  FOR EACH ROW EXECUTE FUNCTION dataset_fill_count();
--> statement-breakpoint
CREATE TRIGGER prompts_fill_update AFTER UPDATE OF annotation_count, dataset_id ON prompts
  FOR EACH ROW EXECUTE FUNCTION dataset_fill_count();
--> statement-breakpoint

-- dataset_stats and stats_bins: a dataset's sums and histograms over its prompt_stats rows. A row's
-- share is added (sign 1) or taken back (sign -1); an update takes back the old row's, adds the new's.
CREATE FUNCTION dataset_stats_add(r prompt_stats, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sign > 0 THEN
    INSERT INTO dataset_stats (dataset_id) VALUES (r.dataset_id) ON CONFLICT DO NOTHING;
  END IF;
  UPDATE dataset_stats SET
    prompts = prompts + sign,
    stale = stale + sign * r.stale::integer,
    w_count = w_count + sign * (r.kendall_w IS NOT NULL)::integer,
    w_sum = w_sum + sign * coalesce(r.kendall_w, 0),
    alpha_count = alpha_count + sign * r.alpha_count,
    alpha_sum = alpha_sum + sign * r.alpha_sum,
    alpha_sum_squares = alpha_sum_squares + sign * r.alpha_sum_squares,
    alpha_within = alpha_within + sign * r.alpha_within,
    alpha_units = alpha_units + sign * (r.alpha_count > 0)::integer,
    review_pending = review_pending + sign * r.review_pending,
    review_accepted = review_accepted + sign * r.review_accepted,
    review_rejected = review_rejected + sign * r.review_rejected,
    review_sent_back = review_sent_back + sign * r.review_sent_back
  WHERE dataset_id = r.dataset_id;
  PERFORM stats_bins_add(r.dataset_id, m.metric, m.value, sign)
    FROM (VALUES ('kendall_w', r.kendall_w), ('mean_tau_b', r.mean_tau_b)) AS m (metric, value)
    WHERE m.value IS NOT NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION stats_bins_add(dataset integer, metric_name text, value double precision, sign integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sign > 0 THEN
    INSERT INTO stats_bins AS b (dataset_id, metric, bin, prompts) VALUES (dataset, metric_name, stats_bin(metric_name, value), sign)
      ON CONFLICT (dataset_id, metric, bin) DO UPDATE SET prompts = b.prompts + excluded.prompts;
  ELSE
    UPDATE stats_bins SET prompts = prompts + sign
      WHERE dataset_id = dataset AND metric = metric_name AND bin = stats_bin(metric_name, value);
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION dataset_stats_sums() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM dataset_stats_add(OLD, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM dataset_stats_add(NEW, 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER dataset_stats_on_prompt_stats AFTER INSERT OR UPDATE OR DELETE ON prompt_stats
  FOR EACH ROW EXECUTE FUNCTION dataset_stats_sums();
--> statement-breakpoint

-- dataset_annotators.annotations: each annotator's annotations per dataset, following an
-- annotation to another prompt or annotator and a prompt to another dataset (a staged import's
-- swap, moveStagedPrompts in lib/datasets/writer.ts) or out of the database.
CREATE FUNCTION dataset_annotators_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'prompts' THEN
    UPDATE dataset_annotators SET annotations = annotations - 1
      WHERE dataset_id = OLD.dataset_id AND annotator_id IN (SELECT annotator_id FROM annotations WHERE prompt_id = OLD.id);
    IF TG_OP = 'UPDATE' THEN
      INSERT INTO dataset_annotators AS d (dataset_id, annotator_id, annotations)
        SELECT NEW.dataset_id, annotator_id, 1 FROM annotations WHERE prompt_id = NEW.id
        ON CONFLICT (dataset_id, annotator_id) DO UPDATE SET annotations = d.annotations + 1;
    END IF;
    -- Lets the delete go ahead (a BEFORE trigger); an AFTER trigger's result is ignored.
    RETURN OLD;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE dataset_annotators SET annotations = annotations - 1
      WHERE annotator_id = OLD.annotator_id AND dataset_id = (SELECT dataset_id FROM prompts WHERE id = OLD.prompt_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO dataset_annotators AS d (dataset_id, annotator_id, annotations)
      SELECT dataset_id, NEW.annotator_id, 1 FROM prompts WHERE id = NEW.prompt_id
      ON CONFLICT (dataset_id, annotator_id) DO UPDATE SET annotations = d.annotations + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER dataset_annotators_on_annotation_insert_delete AFTER INSERT OR DELETE ON annotations
  FOR EACH ROW EXECUTE FUNCTION dataset_annotators_count();
--> statement-breakpoint
CREATE TRIGGER dataset_annotators_on_annotation_move AFTER UPDATE OF prompt_id, annotator_id ON annotations
  FOR EACH ROW WHEN (OLD.prompt_id <> NEW.prompt_id OR OLD.annotator_id <> NEW.annotator_id)
  EXECUTE FUNCTION dataset_annotators_count();
--> statement-breakpoint
CREATE TRIGGER prompt_moves_dataset AFTER UPDATE OF dataset_id ON prompts
  FOR EACH ROW WHEN (OLD.dataset_id <> NEW.dataset_id) EXECUTE FUNCTION dataset_annotators_count();
--> statement-breakpoint
-- A deleted prompt's annotations go by the cascade, after the prompt row, when their own trigger no
-- longer finds its dataset: the prompt takes its annotators' counts back first (as SQLite's 0017).
CREATE TRIGGER dataset_annotators_on_prompt_delete BEFORE DELETE ON prompts
  FOR EACH ROW EXECUTE FUNCTION dataset_annotators_count();
--> statement-breakpoint

-- dataset_annotators' agreement sums, over annotation_agreement (written and deleted, never updated).
CREATE FUNCTION dataset_annotators_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO dataset_annotators (dataset_id, annotator_id) VALUES (NEW.dataset_id, NEW.annotator_id) ON CONFLICT DO NOTHING;
    UPDATE dataset_annotators SET compared = compared + (NEW.tau IS NOT NULL)::integer, tau_sum = tau_sum + coalesce(NEW.tau, 0),
      durations = durations + (NEW.duration_ms IS NOT NULL)::integer
    WHERE dataset_id = NEW.dataset_id AND annotator_id = NEW.annotator_id;
  ELSE
    UPDATE dataset_annotators SET compared = compared - (OLD.tau IS NOT NULL)::integer, tau_sum = tau_sum - coalesce(OLD.tau, 0),
      durations = durations - (OLD.duration_ms IS NOT NULL)::integer
    WHERE dataset_id = OLD.dataset_id AND annotator_id = OLD.annotator_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER dataset_annotators_on_agreement AFTER INSERT OR DELETE ON annotation_agreement
  FOR EACH ROW EXECUTE FUNCTION dataset_annotators_agreement();
--> statement-breakpoint

-- dataset_stats.annotation_changes: bumped by every change to a dataset's annotations, what caches
-- of them (openness estimates, lib/openness/estimates.ts) key on.
CREATE FUNCTION dataset_stats_annotation_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE dataset_stats SET annotation_changes = annotation_changes + 1
    WHERE dataset_id IN (SELECT dataset_id FROM prompts WHERE id IN (
      CASE WHEN TG_OP <> 'DELETE' THEN NEW.prompt_id END,
      CASE WHEN TG_OP <> 'INSERT' THEN OLD.prompt_id END));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER annotation_changes AFTER INSERT OR UPDATE OR DELETE ON annotations
  FOR EACH ROW EXECUTE FUNCTION dataset_stats_annotation_changes();
