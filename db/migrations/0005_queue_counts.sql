-- Maintained counts for the queue (lib/queue.ts): prompts.annotation_count and dataset_fill are
-- kept by these triggers, whoever writes (the app, the importer, the CLI, a SQL shell).
UPDATE `prompts` SET `annotation_count` = (SELECT count(*) FROM `annotations` a WHERE a.`prompt_id` = `prompts`.`id`);
--> statement-breakpoint
INSERT INTO `dataset_fill` (`dataset_id`, `annotation_count`, `prompts`)
  SELECT `dataset_id`, `annotation_count`, count(*) FROM `prompts` GROUP BY `dataset_id`, `annotation_count`;
--> statement-breakpoint
CREATE TRIGGER `annotations_count_insert` AFTER INSERT ON `annotations` BEGIN
  UPDATE `prompts` SET `annotation_count` = `annotation_count` + 1 WHERE `id` = new.`prompt_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `annotations_count_delete` AFTER DELETE ON `annotations` BEGIN
  UPDATE `prompts` SET `annotation_count` = `annotation_count` - 1 WHERE `id` = old.`prompt_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `annotations_count_move` AFTER UPDATE OF `prompt_id` ON `annotations`
  WHEN old.`prompt_id` != new.`prompt_id` BEGIN
  UPDATE `prompts` SET `annotation_count` = `annotation_count` - 1 WHERE `id` = old.`prompt_id`;
  UPDATE `prompts` SET `annotation_count` = `annotation_count` + 1 WHERE `id` = new.`prompt_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `prompts_fill_insert` AFTER INSERT ON `prompts` BEGIN
  INSERT INTO `dataset_fill` (`dataset_id`, `annotation_count`, `prompts`) VALUES (new.`dataset_id`, new.`annotation_count`, 1)
    ON CONFLICT (`dataset_id`, `annotation_count`) DO UPDATE SET `prompts` = `prompts` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `prompts_fill_delete` AFTER DELETE ON `prompts` BEGIN
  UPDATE `dataset_fill` SET `prompts` = `prompts` - 1
    WHERE `dataset_id` = old.`dataset_id` AND `annotation_count` = old.`annotation_count`;
END;
--> statement-breakpoint
CREATE TRIGGER `prompts_fill_update` AFTER UPDATE OF `annotation_count`, `dataset_id` ON `prompts` BEGIN
  UPDATE `dataset_fill` SET `prompts` = `prompts` - 1
    WHERE `dataset_id` = old.`dataset_id` AND `annotation_count` = old.`annotation_count`;
  INSERT INTO `dataset_fill` (`dataset_id`, `annotation_count`, `prompts`) VALUES (new.`dataset_id`, new.`annotation_count`, 1)
    ON CONFLICT (`dataset_id`, `annotation_count`) DO UPDATE SET `prompts` = `prompts` + 1;
END;
