CREATE TABLE `annotator_pauses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`annotator_id` integer NOT NULL,
	`reason` text NOT NULL,
	`paused_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`resumed_at` integer,
	`resumed_by` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`annotator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`resumed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `annotator_pauses_dataset_annotator` ON `annotator_pauses` (`dataset_id`,`annotator_id`,`resumed_at`);--> statement-breakpoint
ALTER TABLE `datasets` ADD `quality` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `prompts` ADD `gold` text;