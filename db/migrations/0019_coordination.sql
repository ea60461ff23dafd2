CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`holder` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`released_at` integer
);
--> statement-breakpoint
CREATE INDEX `leases_holder` ON `leases` (`holder`);--> statement-breakpoint
CREATE INDEX `leases_kind_expires` ON `leases` (`kind`,`expires_at`);--> statement-breakpoint
CREATE TABLE `login_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`failed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_failures_key` ON `login_failures` (`key`,`failed_at`);--> statement-breakpoint
CREATE INDEX `login_failures_time` ON `login_failures` (`failed_at`);--> statement-breakpoint
CREATE TABLE `login_known_addresses` (
	`account` text NOT NULL,
	`address` text NOT NULL,
	`signed_in_at` integer NOT NULL,
	PRIMARY KEY(`account`, `address`)
);
--> statement-breakpoint
ALTER TABLE `dataset_imports` ADD `owner` text;--> statement-breakpoint
ALTER TABLE `training_runs` ADD `cancel_requested_at` integer;