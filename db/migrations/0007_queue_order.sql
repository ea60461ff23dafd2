ALTER TABLE `datasets` ADD `queue_order` text DEFAULT 'fill' NOT NULL;--> statement-breakpoint
ALTER TABLE `datasets` ADD `queue_priority_version` text;--> statement-breakpoint
ALTER TABLE `prompts` ADD `queue_priority` real;--> statement-breakpoint
CREATE INDEX `prompts_queue_least` ON `prompts` (`dataset_id`,`annotation_count`,`id`);--> statement-breakpoint
CREATE INDEX `prompts_queue_priority` ON `prompts` (`dataset_id`,`queue_priority`,`annotation_count`,`id`);