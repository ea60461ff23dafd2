CREATE TABLE `dataset_fill` (
	`dataset_id` integer NOT NULL,
	`annotation_count` integer NOT NULL,
	`prompts` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `annotation_count`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
ALTER TABLE `prompts` ADD `annotation_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `prompts_queue` ON `prompts` (`dataset_id`,"annotation_count" desc,`id`);--> statement-breakpoint
CREATE INDEX `assignments_annotator` ON `assignments` (`annotator_id`,`skipped`,`leased_until`);--> statement-breakpoint
CREATE INDEX `assignments_live` ON `assignments` (`skipped`,`leased_until`);