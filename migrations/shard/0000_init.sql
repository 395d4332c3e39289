CREATE TABLE `bindings` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`phone_hash` text NOT NULL,
	`phone_hint` text NOT NULL,
	`account_ref` text NOT NULL,
	`status` text NOT NULL,
	`bound_at` integer NOT NULL,
	`verified_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`ended_at` integer,
	`end_reason` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bindings_identity` ON `bindings` (`app_id`,`phone_hash`,`account_ref`);--> statement-breakpoint
CREATE INDEX `bindings_app_list` ON `bindings` (`app_id`,`id`);--> statement-breakpoint
CREATE INDEX `bindings_number` ON `bindings` (`phone_hash`);--> statement-breakpoint
CREATE INDEX `bindings_sweep` ON `bindings` (`last_seen_at`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `carrier_events` (
	`carrier_id` text NOT NULL,
	`event_id` text NOT NULL,
	`phone_hash` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`to_carrier` text,
	`recorded_at` integer NOT NULL,
	`apply_token` text NOT NULL,
	PRIMARY KEY(`carrier_id`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `numbers` (
	`phone_hash` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`state_changed_at` integer NOT NULL,
	`last_reassigned_at` integer,
	`carrier_id` text,
	`updated_at` integer NOT NULL
);
