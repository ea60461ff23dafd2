DROP INDEX `annotations_annotator`;--> statement-breakpoint
CREATE INDEX `annotations_annotator_recent` ON `annotations` (`annotator_id`,`updated_at`,`id`);