CREATE TABLE `webhook_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`endpoint_id` text NOT NULL,
	`event_id` integer,
	`webhook_id` text NOT NULL,
	`event_type` text NOT NULL,
	`attempted_at` integer NOT NULL,
	`succeeded` integer NOT NULL,
	`response_status` integer,
	`latency_ms` integer NOT NULL,
	`error` text,
	`response_body` text,
	`next_retry_at` integer,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_endpoint` ON `webhook_attempts` (`endpoint_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_attempts_at` ON `webhook_attempts` (`attempted_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`endpoint_id` text NOT NULL,
	`event_id` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`endpoint_id`, `event_id`),
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`url` text NOT NULL,
	`event_types` text,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_until` integer,
	`slot` integer NOT NULL,
	`due_at` integer,
	`leased_until` integer,
	`failing_since` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_app` ON `webhook_endpoints` (`app_id`);--> statement-breakpoint
CREATE INDEX `webhook_endpoints_due` ON `webhook_endpoints` (`due_at`);--> statement-breakpoint
-- The webhook outbox is written by the feed itself: every event the feed accepts queues one
-- delivery per enabled endpoint of its app that takes its type, in the same statement, so a crash
-- after the commit loses nothing, and a redelivered event the feed drops (ON CONFLICT DO NOTHING
-- inserts no row, so no trigger fires) queues nothing twice. due_at 0: send at once.
CREATE TRIGGER `events_queue_webhooks` AFTER INSERT ON `events` BEGIN
	INSERT INTO `webhook_deliveries` (`endpoint_id`, `event_id`)
		SELECT `id`, NEW.`id` FROM `webhook_endpoints`
		WHERE `app_id` = NEW.`app_id` AND `enabled` = 1
			AND (`event_types` IS NULL OR EXISTS (SELECT 1 FROM json_each(`event_types`) WHERE `value` = NEW.`type`));
	UPDATE `webhook_endpoints` SET `due_at` = 0
		WHERE `app_id` = NEW.`app_id` AND `enabled` = 1 AND `due_at` IS NULL
			AND (`event_types` IS NULL OR EXISTS (SELECT 1 FROM json_each(`event_types`) WHERE `value` = NEW.`type`));
END;
