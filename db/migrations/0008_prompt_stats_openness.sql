CREATE TABLE `stats_versions` (
	`dataset_id` integer PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `prompt_stats` ADD `openness` real;--> statement-breakpoint
CREATE INDEX `prompt_stats_dataset` ON `prompt_stats` (`dataset_id`);