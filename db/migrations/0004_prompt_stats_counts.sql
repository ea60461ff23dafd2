-- prompt_stats.annotations is kept exact by the triggers themselves (not only at refresh), so
-- progress counts (complete prompts, annotations) are sums over prompt_stats, never a scan of annotations.
DROP TRIGGER IF EXISTS `prompt_stats_on_annotation_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `prompt_stats_on_annotation_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `prompt_stats_on_annotation_delete`;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_insert` AFTER INSERT ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1, `annotations` = `annotations` + 1 WHERE `prompt_id` = new.`prompt_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_update` AFTER UPDATE ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1,
    `annotations` = `annotations` + (`prompt_id` = new.`prompt_id`) - (`prompt_id` = old.`prompt_id`)
  WHERE `prompt_id` IN (new.`prompt_id`, old.`prompt_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_delete` AFTER DELETE ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1, `annotations` = `annotations` - 1 WHERE `prompt_id` = old.`prompt_id`;
END;
--> statement-breakpoint
UPDATE `prompt_stats` SET `annotations` = (SELECT count(*) FROM `annotations` a WHERE a.`prompt_id` = `prompt_stats`.`prompt_id`);
