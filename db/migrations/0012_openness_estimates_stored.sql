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
ALTER TABLE `dataset_stats` ADD `annotation_changes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
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
