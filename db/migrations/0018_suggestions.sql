ALTER TABLE `annotations` ADD `suggestion_run_id` integer;--> statement-breakpoint
ALTER TABLE `annotations` ADD `suggested_ranking` text;--> statement-breakpoint
ALTER TABLE `annotations` ADD `suggestion_distance` real;--> statement-breakpoint
ALTER TABLE `datasets` ADD `suggestion_run_id` integer REFERENCES training_runs(id) ON DELETE set null;--> statement-breakpoint
CREATE INDEX `prompts_gold` ON `prompts` (`dataset_id`) WHERE "prompts"."gold" is not null;--> statement-breakpoint
-- Written by hand (drizzle-kit drops ON DELETE from an added column, and knows no data updates):
-- gold prompts leave the agreement statistics (lib/datasets/prompt-stats.ts), so recompute theirs.
UPDATE `prompt_stats` SET `stale` = 1 WHERE `stale` = 0 AND `prompt_id` IN (SELECT `id` FROM `prompts` WHERE `gold` IS NOT NULL);
