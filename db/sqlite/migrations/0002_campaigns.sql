CREATE TABLE `campaign_hosts` (
	`campaign_id` integer NOT NULL,
	`host_id` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `host_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `campaign_results` (
	`campaign_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`host_id` integer NOT NULL,
	`hostname` text NOT NULL,
	`display_name` text NOT NULL,
	`rows` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `seq`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`query_id` integer NOT NULL,
	`user_id` integer,
	`status` integer DEFAULT 0 NOT NULL,
	`targets` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`query_id`) REFERENCES `saved_queries`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `saved_queries` ADD `saved` integer DEFAULT true NOT NULL;