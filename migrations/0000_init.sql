CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`detail` text NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE `clients` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`jwks` text NOT NULL,
	`number_prefixes` text DEFAULT '[]' NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_app` ON `events` (`app_id`,`id`);--> statement-breakpoint
CREATE TABLE `numbers` (
	`phone_hash` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`state_changed_at` integer NOT NULL,
	`last_reassigned_at` integer,
	`carrier_id` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `used_assertions` (
	`client_id` text NOT NULL,
	`jti` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `jti`)
);
--> statement-breakpoint
CREATE INDEX `used_assertions_expires` ON `used_assertions` (`expires_at`);