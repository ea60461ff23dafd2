CREATE TABLE `dataset_annotators` (
	`dataset_id` integer NOT NULL,
	`annotator_id` integer NOT NULL,
	`annotations` integer DEFAULT 0 NOT NULL,
	`compared` integer DEFAULT 0 NOT NULL,
	`tau_sum` real DEFAULT 0 NOT NULL,
	`durations` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`dataset_id`, `annotator_id`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`annotator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_stats` (
	`dataset_id` integer PRIMARY KEY NOT NULL,
	`prompts` integer DEFAULT 0 NOT NULL,
	`stale` integer DEFAULT 0 NOT NULL,
	`w_count` integer DEFAULT 0 NOT NULL,
	`w_sum` real DEFAULT 0 NOT NULL,
	`alpha_count` integer DEFAULT 0 NOT NULL,
	`alpha_sum` real DEFAULT 0 NOT NULL,
	`alpha_sum_squares` real DEFAULT 0 NOT NULL,
	`alpha_within` real DEFAULT 0 NOT NULL,
	`alpha_units` integer DEFAULT 0 NOT NULL,
	`review_pending` integer DEFAULT 0 NOT NULL,
	`review_accepted` integer DEFAULT 0 NOT NULL,
	`review_rejected` integer DEFAULT 0 NOT NULL,
	`review_sent_back` integer DEFAULT 0 NOT NULL,
	`annotation_changes` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `openness_estimate_summaries` (
	`dataset_id` integer PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`tagged_prompts` integer NOT NULL,
	`tag_sd` real NOT NULL,
	`unavailable` text,
	`evaluation` text,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `openness_estimates` (
	`prompt_id` integer PRIMARY KEY NOT NULL,
	`dataset_id` integer NOT NULL,
	`estimate` real NOT NULL,
	`sd` real NOT NULL,
	FOREIGN KEY (`prompt_id`) REFERENCES `prompts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `openness_estimates_dataset` ON `openness_estimates` (`dataset_id`);--> statement-breakpoint
CREATE TABLE `stats_bins` (
	`dataset_id` integer NOT NULL,
	`metric` text NOT NULL,
	`bin` integer NOT NULL,
	`prompts` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`dataset_id`, `metric`, `bin`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `prompt_stats_sort_w` ON `prompt_stats` (`dataset_id`,"kendall_w" is null,`kendall_w`,`prompt_id`);--> statement-breakpoint
CREATE INDEX `prompt_stats_sort_w_desc` ON `prompt_stats` (`dataset_id`,"kendall_w" is null,"kendall_w" desc,`prompt_id`);--> statement-breakpoint
CREATE INDEX `prompt_stats_sort_rankings` ON `prompt_stats` (`dataset_id`,"rankings" desc,`prompt_id`);

--> statement-breakpoint
-- Dataset-wide aggregates of prompt_stats and per-annotator counts, kept by triggers whoever
-- writes, so the dataset page and the datasets list read a row per dataset (and per annotator)
-- instead of scanning 200,000 prompts. The histogram bins mirror STATS_HISTOGRAMS in
-- lib/datasets/prompt-stats.ts: 10 bins, kendall_w over [0, 1], mean_tau_b over [-1, 1].
CREATE TRIGGER `dataset_stats_on_insert` AFTER INSERT ON `prompt_stats` BEGIN
  INSERT INTO `dataset_stats` (`dataset_id`) VALUES (new.`dataset_id`) ON CONFLICT DO NOTHING;
  UPDATE `dataset_stats` SET `prompts` = `prompts` + 1, `stale` = `stale` + new.`stale`,
    `w_count` = `w_count` + (new.`kendall_w` IS NOT NULL), `w_sum` = `w_sum` + coalesce(new.`kendall_w`, 0),
    `alpha_count` = `alpha_count` + new.`alpha_count`, `alpha_sum` = `alpha_sum` + new.`alpha_sum`,
    `alpha_sum_squares` = `alpha_sum_squares` + new.`alpha_sum_squares`, `alpha_within` = `alpha_within` + new.`alpha_within`,
    `alpha_units` = `alpha_units` + (new.`alpha_count` > 0),
    `review_pending` = `review_pending` + new.`review_pending`, `review_accepted` = `review_accepted` + new.`review_accepted`,
    `review_rejected` = `review_rejected` + new.`review_rejected`, `review_sent_back` = `review_sent_back` + new.`review_sent_back`
  WHERE `dataset_id` = new.`dataset_id`;
  INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
    SELECT new.`dataset_id`, 'kendall_w', min(9, max(0, cast((new.`kendall_w` - 0) / 0.1 AS integer))), 1 WHERE new.`kendall_w` IS NOT NULL
    ON CONFLICT DO UPDATE SET `prompts` = `prompts` + 1;
  INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
    SELECT new.`dataset_id`, 'mean_tau_b', min(9, max(0, cast((new.`mean_tau_b` + 1) / 0.2 AS integer))), 1 WHERE new.`mean_tau_b` IS NOT NULL
    ON CONFLICT DO UPDATE SET `prompts` = `prompts` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_stats_on_delete` AFTER DELETE ON `prompt_stats` BEGIN
  UPDATE `dataset_stats` SET `prompts` = `prompts` - 1, `stale` = `stale` - old.`stale`,
    `w_count` = `w_count` - (old.`kendall_w` IS NOT NULL), `w_sum` = `w_sum` - coalesce(old.`kendall_w`, 0),
    `alpha_count` = `alpha_count` - old.`alpha_count`, `alpha_sum` = `alpha_sum` - old.`alpha_sum`,
    `alpha_sum_squares` = `alpha_sum_squares` - old.`alpha_sum_squares`, `alpha_within` = `alpha_within` - old.`alpha_within`,
    `alpha_units` = `alpha_units` - (old.`alpha_count` > 0),
    `review_pending` = `review_pending` - old.`review_pending`, `review_accepted` = `review_accepted` - old.`review_accepted`,
    `review_rejected` = `review_rejected` - old.`review_rejected`, `review_sent_back` = `review_sent_back` - old.`review_sent_back`
  WHERE `dataset_id` = old.`dataset_id`;
  UPDATE `stats_bins` SET `prompts` = `prompts` - 1 WHERE `dataset_id` = old.`dataset_id` AND `metric` = 'kendall_w'
    AND `bin` = min(9, max(0, cast((old.`kendall_w` - 0) / 0.1 AS integer))) AND old.`kendall_w` IS NOT NULL;
  UPDATE `stats_bins` SET `prompts` = `prompts` - 1 WHERE `dataset_id` = old.`dataset_id` AND `metric` = 'mean_tau_b'
    AND `bin` = min(9, max(0, cast((old.`mean_tau_b` + 1) / 0.2 AS integer))) AND old.`mean_tau_b` IS NOT NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_stats_on_update` AFTER UPDATE ON `prompt_stats` BEGIN
  UPDATE `dataset_stats` SET `prompts` = `prompts` - 1, `stale` = `stale` - old.`stale`,
    `w_count` = `w_count` - (old.`kendall_w` IS NOT NULL), `w_sum` = `w_sum` - coalesce(old.`kendall_w`, 0),
    `alpha_count` = `alpha_count` - old.`alpha_count`, `alpha_sum` = `alpha_sum` - old.`alpha_sum`,
    `alpha_sum_squares` = `alpha_sum_squares` - old.`alpha_sum_squares`, `alpha_within` = `alpha_within` - old.`alpha_within`,
    `alpha_units` = `alpha_units` - (old.`alpha_count` > 0),
    `review_pending` = `review_pending` - old.`review_pending`, `review_accepted` = `review_accepted` - old.`review_accepted`,
    `review_rejected` = `review_rejected` - old.`review_rejected`, `review_sent_back` = `review_sent_back` - old.`review_sent_back`
  WHERE `dataset_id` = old.`dataset_id`;
  UPDATE `stats_bins` SET `prompts` = `prompts` - 1 WHERE `dataset_id` = old.`dataset_id` AND `metric` = 'kendall_w'
    AND `bin` = min(9, max(0, cast((old.`kendall_w` - 0) / 0.1 AS integer))) AND old.`kendall_w` IS NOT NULL;
  UPDATE `stats_bins` SET `prompts` = `prompts` - 1 WHERE `dataset_id` = old.`dataset_id` AND `metric` = 'mean_tau_b'
    AND `bin` = min(9, max(0, cast((old.`mean_tau_b` + 1) / 0.2 AS integer))) AND old.`mean_tau_b` IS NOT NULL;
  INSERT INTO `dataset_stats` (`dataset_id`) VALUES (new.`dataset_id`) ON CONFLICT DO NOTHING;
  UPDATE `dataset_stats` SET `prompts` = `prompts` + 1, `stale` = `stale` + new.`stale`,
    `w_count` = `w_count` + (new.`kendall_w` IS NOT NULL), `w_sum` = `w_sum` + coalesce(new.`kendall_w`, 0),
    `alpha_count` = `alpha_count` + new.`alpha_count`, `alpha_sum` = `alpha_sum` + new.`alpha_sum`,
    `alpha_sum_squares` = `alpha_sum_squares` + new.`alpha_sum_squares`, `alpha_within` = `alpha_within` + new.`alpha_within`,
    `alpha_units` = `alpha_units` + (new.`alpha_count` > 0),
    `review_pending` = `review_pending` + new.`review_pending`, `review_accepted` = `review_accepted` + new.`review_accepted`,
    `review_rejected` = `review_rejected` + new.`review_rejected`, `review_sent_back` = `review_sent_back` + new.`review_sent_back`
  WHERE `dataset_id` = new.`dataset_id`;
  INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
    SELECT new.`dataset_id`, 'kendall_w', min(9, max(0, cast((new.`kendall_w` - 0) / 0.1 AS integer))), 1 WHERE new.`kendall_w` IS NOT NULL
    ON CONFLICT DO UPDATE SET `prompts` = `prompts` + 1;
  INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
    SELECT new.`dataset_id`, 'mean_tau_b', min(9, max(0, cast((new.`mean_tau_b` + 1) / 0.2 AS integer))), 1 WHERE new.`mean_tau_b` IS NOT NULL
    ON CONFLICT DO UPDATE SET `prompts` = `prompts` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_annotators_on_annotation_insert` AFTER INSERT ON `annotations` BEGIN
  INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`, `annotations`)
    SELECT p.`dataset_id`, new.`annotator_id`, 1 FROM `prompts` p WHERE p.`id` = new.`prompt_id`
    ON CONFLICT DO UPDATE SET `annotations` = `annotations` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_annotators_on_annotation_delete` AFTER DELETE ON `annotations` BEGIN
  UPDATE `dataset_annotators` SET `annotations` = `annotations` - 1
    WHERE `annotator_id` = old.`annotator_id` AND `dataset_id` = (SELECT p.`dataset_id` FROM `prompts` p WHERE p.`id` = old.`prompt_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_annotators_on_annotation_move` AFTER UPDATE OF `prompt_id`, `annotator_id` ON `annotations`
  WHEN old.`prompt_id` != new.`prompt_id` OR old.`annotator_id` != new.`annotator_id` BEGIN
  UPDATE `dataset_annotators` SET `annotations` = `annotations` - 1
    WHERE `annotator_id` = old.`annotator_id` AND `dataset_id` = (SELECT p.`dataset_id` FROM `prompts` p WHERE p.`id` = old.`prompt_id`);
  INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`, `annotations`)
    SELECT p.`dataset_id`, new.`annotator_id`, 1 FROM `prompts` p WHERE p.`id` = new.`prompt_id`
    ON CONFLICT DO UPDATE SET `annotations` = `annotations` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_annotators_on_agreement_insert` AFTER INSERT ON `annotation_agreement` BEGIN
  INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`) VALUES (new.`dataset_id`, new.`annotator_id`) ON CONFLICT DO NOTHING;
  UPDATE `dataset_annotators` SET `compared` = `compared` + (new.`tau` IS NOT NULL), `tau_sum` = `tau_sum` + coalesce(new.`tau`, 0),
    `durations` = `durations` + (new.`duration_ms` IS NOT NULL)
  WHERE `dataset_id` = new.`dataset_id` AND `annotator_id` = new.`annotator_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_annotators_on_agreement_delete` AFTER DELETE ON `annotation_agreement` BEGIN
  UPDATE `dataset_annotators` SET `compared` = `compared` - (old.`tau` IS NOT NULL), `tau_sum` = `tau_sum` - coalesce(old.`tau`, 0),
    `durations` = `durations` - (old.`duration_ms` IS NOT NULL)
  WHERE `dataset_id` = old.`dataset_id` AND `annotator_id` = old.`annotator_id`;
END;
--> statement-breakpoint
INSERT INTO `dataset_stats` (`dataset_id`, `prompts`, `stale`, `w_count`, `w_sum`, `alpha_count`, `alpha_sum`, `alpha_sum_squares`,
    `alpha_within`, `alpha_units`, `review_pending`, `review_accepted`, `review_rejected`, `review_sent_back`)
  SELECT `dataset_id`, count(*), sum(`stale`), count(`kendall_w`), total(`kendall_w`), sum(`alpha_count`), total(`alpha_sum`),
    total(`alpha_sum_squares`), total(`alpha_within`), sum(`alpha_count` > 0), sum(`review_pending`), sum(`review_accepted`),
    sum(`review_rejected`), sum(`review_sent_back`)
  FROM `prompt_stats` GROUP BY `dataset_id`;
--> statement-breakpoint
INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
  SELECT `dataset_id`, 'kendall_w', min(9, max(0, cast((`kendall_w` - 0) / 0.1 AS integer))) AS b, count(*)
  FROM `prompt_stats` WHERE `kendall_w` IS NOT NULL GROUP BY `dataset_id`, b;
--> statement-breakpoint
INSERT INTO `stats_bins` (`dataset_id`, `metric`, `bin`, `prompts`)
  SELECT `dataset_id`, 'mean_tau_b', min(9, max(0, cast((`mean_tau_b` + 1) / 0.2 AS integer))) AS b, count(*)
  FROM `prompt_stats` WHERE `mean_tau_b` IS NOT NULL GROUP BY `dataset_id`, b;
--> statement-breakpoint
INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`, `annotations`)
  SELECT p.`dataset_id`, a.`annotator_id`, count(*) FROM `annotations` a JOIN `prompts` p ON p.`id` = a.`prompt_id`
  GROUP BY p.`dataset_id`, a.`annotator_id`;
--> statement-breakpoint
INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`, `compared`, `tau_sum`, `durations`)
  SELECT `dataset_id`, `annotator_id`, count(`tau`), total(`tau`), count(`duration_ms`) FROM `annotation_agreement` WHERE true
  GROUP BY `dataset_id`, `annotator_id`
  ON CONFLICT DO UPDATE SET `compared` = excluded.`compared`, `tau_sum` = excluded.`tau_sum`, `durations` = excluded.`durations`;
--> statement-breakpoint
-- A prompt moved to another dataset (a staged import's swap, moveStagedPrompts in
-- lib/datasets/writer.ts, which re-keys prompt_stats itself) takes its annotators' counts along.
CREATE TRIGGER `prompt_moves_dataset` AFTER UPDATE OF `dataset_id` ON `prompts`
  WHEN old.`dataset_id` != new.`dataset_id` BEGIN
  UPDATE `dataset_annotators` SET `annotations` = `annotations` - 1
    WHERE `dataset_id` = old.`dataset_id` AND `annotator_id` IN (SELECT `annotator_id` FROM `annotations` WHERE `prompt_id` = new.`id`);
  INSERT INTO `dataset_annotators` (`dataset_id`, `annotator_id`, `annotations`)
    SELECT new.`dataset_id`, `annotator_id`, 1 FROM `annotations` WHERE `prompt_id` = new.`id`
    ON CONFLICT DO UPDATE SET `annotations` = `annotations` + 1;
END;
--> statement-breakpoint
-- Every change to a dataset's annotations bumps its counter, whoever writes: caches of what the
-- annotations imply (openness estimates, lib/openness/estimates.ts) key on it without a scan.
CREATE TRIGGER `annotation_changes_on_insert` AFTER INSERT ON `annotations` BEGIN
  UPDATE `dataset_stats` SET `annotation_changes` = `annotation_changes` + 1
    WHERE `dataset_id` = (SELECT `dataset_id` FROM `prompts` WHERE `id` = new.`prompt_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `annotation_changes_on_update` AFTER UPDATE ON `annotations` BEGIN
  UPDATE `dataset_stats` SET `annotation_changes` = `annotation_changes` + 1
    WHERE `dataset_id` IN (SELECT `dataset_id` FROM `prompts` WHERE `id` IN (new.`prompt_id`, old.`prompt_id`));
END;
--> statement-breakpoint
CREATE TRIGGER `annotation_changes_on_delete` AFTER DELETE ON `annotations` BEGIN
  UPDATE `dataset_stats` SET `annotation_changes` = `annotation_changes` + 1
    WHERE `dataset_id` = (SELECT `dataset_id` FROM `prompts` WHERE `id` = old.`prompt_id`);
END;
