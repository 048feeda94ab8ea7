CREATE TABLE `app_config` (
	`id` integer PRIMARY KEY NOT NULL,
	`json` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `enroll_secrets` (
	`secret` text PRIMARY KEY NOT NULL,
	`team_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `hosts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hostname` text DEFAULT '' NOT NULL,
	`team_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `hosts_hostname` ON `hosts` (`hostname`);--> statement-breakpoint
CREATE TABLE `label_membership` (
	`label_id` integer NOT NULL,
	`host_id` integer NOT NULL,
	PRIMARY KEY(`label_id`, `host_id`),
	FOREIGN KEY (`label_id`) REFERENCES `labels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `label_membership_host` ON `label_membership` (`host_id`);--> statement-breakpoint
CREATE TABLE `labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`query` text DEFAULT '' NOT NULL,
	`platform` text DEFAULT '' NOT NULL,
	`label_type` text DEFAULT 'regular' NOT NULL,
	`label_membership_type` text DEFAULT 'dynamic' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labels_name_unique` ON `labels` (`name`);--> statement-breakpoint
CREATE TABLE `pack_queries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pack_id` integer NOT NULL,
	`query_id` integer NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`interval` integer NOT NULL,
	`snapshot` integer,
	`removed` integer,
	`shard` integer,
	`platform` text,
	`version` text,
	`denylist` integer,
	FOREIGN KEY (`pack_id`) REFERENCES `packs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`query_id`) REFERENCES `saved_queries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pack_queries_pack_name` ON `pack_queries` (`pack_id`,`name`);--> statement-breakpoint
CREATE INDEX `pack_queries_query` ON `pack_queries` (`query_id`);--> statement-breakpoint
CREATE TABLE `pack_targets` (
	`pack_id` integer NOT NULL,
	`type` text NOT NULL,
	`target_id` integer NOT NULL,
	PRIMARY KEY(`pack_id`, `type`, `target_id`),
	FOREIGN KEY (`pack_id`) REFERENCES `packs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pack_targets_target` ON `pack_targets` (`type`,`target_id`);--> statement-breakpoint
CREATE TABLE `packs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`platform` text DEFAULT '' NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `packs_name_unique` ON `packs` (`name`);--> statement-breakpoint
CREATE TABLE `policies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`query` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`resolution` text DEFAULT '' NOT NULL,
	`team_id` integer,
	`platform` text DEFAULT '' NOT NULL,
	`author_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policies_name_unique` ON `policies` (`name`);--> statement-breakpoint
CREATE INDEX `policies_team` ON `policies` (`team_id`);--> statement-breakpoint
CREATE TABLE `saved_queries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`query` text NOT NULL,
	`author_id` integer,
	`observer_can_run` integer DEFAULT false NOT NULL,
	`platform` text DEFAULT '' NOT NULL,
	`min_osquery_version` text DEFAULT '' NOT NULL,
	`interval` integer DEFAULT 0 NOT NULL,
	`automations_enabled` integer DEFAULT false NOT NULL,
	`logging` text DEFAULT 'snapshot' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_queries_name_unique` ON `saved_queries` (`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_unique` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`agent_options` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_name_unique` ON `teams` (`name`);--> statement-breakpoint
CREATE TABLE `user_teams` (
	`user_id` integer NOT NULL,
	`team_id` integer NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `team_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`global_role` text,
	`api_only` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
INSERT INTO `labels` (`name`, `description`, `query`, `platform`, `label_type`, `label_membership_type`, `created_at`, `updated_at`) VALUES
  ('All Hosts', 'All hosts which have enrolled in Fleet', 'SELECT 1;', '', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('macOS', 'All macOS hosts', 'SELECT 1 FROM os_version WHERE platform = ''darwin'';', 'darwin', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('Ubuntu Linux', 'All Ubuntu hosts', 'SELECT 1 FROM os_version WHERE platform = ''ubuntu'';', 'ubuntu', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('CentOS Linux', 'All CentOS hosts', 'SELECT 1 FROM os_version WHERE platform = ''centos'' OR name LIKE ''%centos%''', '', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('MS Windows', 'All Windows hosts', 'SELECT 1 FROM os_version WHERE platform = ''windows'';', 'windows', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('Red Hat Linux', 'All Red Hat Enterprise Linux hosts', 'SELECT 1 FROM os_version WHERE name LIKE ''%red hat%''', '', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000),
  ('All Linux', 'All Linux distributions', 'SELECT 1 FROM osquery_info WHERE build_platform LIKE ''%ubuntu%'' OR build_distro LIKE ''%centos%'';', '', 'builtin', 'dynamic', unixepoch() * 1000, unixepoch() * 1000);
