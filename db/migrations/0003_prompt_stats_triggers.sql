-- Every prompt has a prompt_stats row, marked stale whenever its annotations or their reviews
-- change, by whichever writer (web, CLI import, seed): lib/datasets recomputes stale rows.
CREATE TRIGGER `prompt_stats_on_prompt_insert` AFTER INSERT ON `prompts` BEGIN
  INSERT OR IGNORE INTO `prompt_stats` (`prompt_id`, `dataset_id`, `stale`) VALUES (new.`id`, new.`dataset_id`, 1);
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_insert` AFTER INSERT ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1 WHERE `prompt_id` = new.`prompt_id` AND `stale` = 0;
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_update` AFTER UPDATE ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1 WHERE `prompt_id` IN (new.`prompt_id`, old.`prompt_id`) AND `stale` = 0;
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_annotation_delete` AFTER DELETE ON `annotations` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1 WHERE `prompt_id` = old.`prompt_id` AND `stale` = 0;
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_review_insert` AFTER INSERT ON `annotation_reviews` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1
  WHERE `prompt_id` = (SELECT `prompt_id` FROM `annotations` WHERE `id` = new.`annotation_id`) AND `stale` = 0;
END;
--> statement-breakpoint
-- Decisions are kept: the review log is append-only.
CREATE TRIGGER `annotation_reviews_no_update` BEFORE UPDATE ON `annotation_reviews` BEGIN
  SELECT RAISE(ABORT, 'annotation_reviews is append-only');
END;
--> statement-breakpoint
INSERT OR IGNORE INTO `prompt_stats` (`prompt_id`, `dataset_id`, `stale`) SELECT `id`, `dataset_id`, 1 FROM `prompts`;
