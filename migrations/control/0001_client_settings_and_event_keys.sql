ALTER TABLE `clients` ADD `person_sign_in_url` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `reporting_since` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `rate_limit` text;--> statement-breakpoint
ALTER TABLE `events` ADD `event_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `events_key` ON `events` (`event_key`);