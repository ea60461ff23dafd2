-- Substring search over prompts (text and external id) through a trigram index, kept in step with
-- prompts by triggers whoever writes. A re-imported openness marks the prompt's stats stale.
CREATE VIRTUAL TABLE `prompts_fts` USING fts5(`text`, `external_id`, content='prompts', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `prompts_fts` (`prompts_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `prompts_fts_insert` AFTER INSERT ON `prompts` BEGIN
  INSERT INTO `prompts_fts` (`rowid`, `text`, `external_id`) VALUES (new.`id`, new.`text`, new.`external_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `prompts_fts_delete` AFTER DELETE ON `prompts` BEGIN
  INSERT INTO `prompts_fts` (`prompts_fts`, `rowid`, `text`, `external_id`) VALUES ('delete', old.`id`, old.`text`, old.`external_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `prompts_fts_update` AFTER UPDATE OF `text`, `external_id` ON `prompts` BEGIN
  INSERT INTO `prompts_fts` (`prompts_fts`, `rowid`, `text`, `external_id`) VALUES ('delete', old.`id`, old.`text`, old.`external_id`);
  INSERT INTO `prompts_fts` (`rowid`, `text`, `external_id`) VALUES (new.`id`, new.`text`, new.`external_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `prompt_stats_on_openness_update` AFTER UPDATE OF `openness` ON `prompts` BEGIN
  UPDATE `prompt_stats` SET `stale` = 1 WHERE `prompt_id` = new.`id` AND `stale` = 0;
END;
--> statement-breakpoint
UPDATE `prompt_stats` SET `stale` = 1;
