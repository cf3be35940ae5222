CREATE TABLE `cluster_pki` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `service_account_tokens` (
	`hash` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`service_account` text NOT NULL,
	`service_account_uid` text NOT NULL,
	`pod` text NOT NULL,
	`pod_uid` text NOT NULL,
	`audiences` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `service_account_tokens_expiry` ON `service_account_tokens` (`expires_at`);