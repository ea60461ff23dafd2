-- A deleted prompt's annotations go by the foreign key's cascade, which runs after the prompt row
-- is gone, where dataset_annotators_on_annotation_delete no longer finds the prompt's dataset: so
-- the prompt takes its annotators' counts back before it goes. Counts a past deletion left behind
-- are recomputed.
CREATE TRIGGER `dataset_annotators_on_prompt_delete` BEFORE DELETE ON `prompts` BEGIN
  UPDATE `dataset_annotators` SET `annotations` = `annotations` - 1
    WHERE `dataset_id` = old.`dataset_id` AND `annotator_id` IN (SELECT `annotator_id` FROM `annotations` WHERE `prompt_id` = old.`id`);
END;
--> statement-breakpoint
UPDATE `dataset_annotators` SET `annotations` = (
  SELECT count(*) FROM `annotations` a JOIN `prompts` p ON p.`id` = a.`prompt_id`
  WHERE p.`dataset_id` = `dataset_annotators`.`dataset_id` AND a.`annotator_id` = `dataset_annotators`.`annotator_id`
);
