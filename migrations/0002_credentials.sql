CREATE TABLE `credentials` (
	`hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`node` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `credentials_node` ON `credentials` (`node`);