CREATE TABLE `annotation_agreement` (
	`annotation_id` integer PRIMARY KEY NOT NULL,
	`prompt_id` integer NOT NULL,
	`dataset_id` integer NOT NULL,
	`annotator_id` integer NOT NULL,
	`tau` real,
	`duration_ms` integer,
	FOREIGN KEY (`annotation_id`) REFERENCES `annotations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `annotation_agreement_dataset_annotator` ON `annotation_agreement` (`dataset_id`,`annotator_id`,`duration_ms`);--> statement-breakpoint
CREATE INDEX `annotation_agreement_prompt` ON `annotation_agreement` (`prompt_id`);--> statement-breakpoint
CREATE TABLE `annotation_reviews` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`annotation_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`decision` text NOT NULL,
	`comment` text,
	`version_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`annotation_id`) REFERENCES `annotations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `annotation_reviews_annotation` ON `annotation_reviews` (`annotation_id`,`id`);--> statement-breakpoint
CREATE INDEX `annotation_reviews_decision` ON `annotation_reviews` (`decision`);--> statement-breakpoint
CREATE TABLE `prompt_stats` (
	`prompt_id` integer PRIMARY KEY NOT NULL,
	`dataset_id` integer NOT NULL,
	`stale` integer DEFAULT true NOT NULL,
	`annotations` integer DEFAULT 0 NOT NULL,
	`rankings` integer DEFAULT 0 NOT NULL,
	`kendall_w` real,
	`mean_tau_b` real,
	`mean_openness` real,
	`not_rankable` integer DEFAULT 0 NOT NULL,
	`commented` integer DEFAULT 0 NOT NULL,
	`review_pending` integer DEFAULT 0 NOT NULL,
	`review_accepted` integer DEFAULT 0 NOT NULL,
	`review_rejected` integer DEFAULT 0 NOT NULL,
	`review_sent_back` integer DEFAULT 0 NOT NULL,
	`alpha_count` integer DEFAULT 0 NOT NULL,
	`alpha_sum` real DEFAULT 0 NOT NULL,
	`alpha_sum_squares` real DEFAULT 0 NOT NULL,
	`alpha_within` real DEFAULT 0 NOT NULL,
	FOREIGN KEY (`prompt_id`) REFERENCES `prompts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `prompt_stats_dataset_w` ON `prompt_stats` (`dataset_id`,`kendall_w`);--> statement-breakpoint
CREATE INDEX `prompt_stats_stale` ON `prompt_stats` (`dataset_id`) WHERE stale = 1;--> statement-breakpoint
CREATE INDEX `prompt_stats_review_pending` ON `prompt_stats` (`dataset_id`,`prompt_id`) WHERE review_pending > 0;--> statement-breakpoint
ALTER TABLE `datasets` ADD `ranking_mode` text DEFAULT 'ranking' NOT NULL;