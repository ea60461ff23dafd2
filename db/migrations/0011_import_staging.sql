CREATE TABLE `dataset_imports` (
	`staging_dataset_id` integer PRIMARY KEY NOT NULL,
	`target_dataset_id` integer,
	`target_slug` text NOT NULL,
	`owner_pid` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`created_annotator_ids` text NOT NULL,
	`started_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`staging_dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `staged_annotations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`staging_dataset_id` integer NOT NULL,
	`prompt_id` integer NOT NULL,
	`annotator_id` integer NOT NULL,
	`version` text NOT NULL,
	FOREIGN KEY (`staging_dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`prompt_id`) REFERENCES `prompts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`annotator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staged_annotations_prompt_annotator` ON `staged_annotations` (`staging_dataset_id`,`prompt_id`,`annotator_id`);--> statement-breakpoint
ALTER TABLE `datasets` ADD `import_staging` integer DEFAULT false NOT NULL;