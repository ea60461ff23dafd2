ALTER TABLE "annotations" ADD COLUMN "suggestion_run_id" integer;--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "suggested_ranking" json;--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "suggestion_distance" double precision;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "suggestion_run_id" integer;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_suggestion_run_id_training_runs_id_fk" FOREIGN KEY ("suggestion_run_id") REFERENCES "public"."training_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prompts_gold" ON "prompts" USING btree ("dataset_id") WHERE "prompts"."gold" is not null;