CREATE TABLE `host_device_auth` (
	`host_id` integer PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `host_device_auth_token_hash_unique` ON `host_device_auth` (`token_hash`);--> statement-breakpoint
CREATE TABLE `host_inventory` (
	`host_id` integer PRIMARY KEY NOT NULL,
	`users` text,
	`software` text,
	`batteries` text,
	`device_mapping` text,
	`munki` text,
	`mdm` text,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `policy_membership` (
	`policy_id` integer NOT NULL,
	`host_id` integer NOT NULL,
	`passes` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`policy_id`, `host_id`),
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `policy_membership_host` ON `policy_membership` (`host_id`);--> statement-breakpoint
ALTER TABLE `hosts` ADD `osquery_host_id` text;--> statement-breakpoint
ALTER TABLE `hosts` ADD `node_key_hash` text;--> statement-breakpoint
ALTER TABLE `hosts` ADD `uuid` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `computer_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `platform` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `platform_like` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `os_version` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `build` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `code_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `osquery_version` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `uptime` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `memory` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu_type` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu_subtype` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu_brand` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu_physical_cores` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu_logical_cores` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `hardware_vendor` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `hardware_model` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `hardware_version` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `hardware_serial` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `primary_ip` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `primary_mac` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `public_ip` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `distributed_interval` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `config_tls_refresh` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `logger_tls_period` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `gigs_disk_space_available` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `percent_disk_space_available` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `orbit_version` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `refetch_requested` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `detail_updated_at` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `label_updated_at` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `policy_updated_at` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `last_enrolled_at` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `seen_time` integer;--> statement-breakpoint
ALTER TABLE `hosts` ADD `updated_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_osquery_host_id_unique` ON `hosts` (`osquery_host_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_node_key_hash_unique` ON `hosts` (`node_key_hash`);--> statement-breakpoint
CREATE INDEX `hosts_team` ON `hosts` (`team_id`);--> statement-breakpoint
CREATE INDEX `hosts_seen` ON `hosts` (`seen_time`);