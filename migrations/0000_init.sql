CREATE TABLE `allocations` (
	`pool` text NOT NULL,
	`value` text NOT NULL,
	`owner` text NOT NULL,
	PRIMARY KEY(`pool`, `value`)
);
--> statement-breakpoint
CREATE TABLE `changes` (
	`rv` integer PRIMARY KEY NOT NULL,
	`resource` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`prev` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `changes_resource` ON `changes` (`resource`,`rv`);--> statement-breakpoint
CREATE INDEX `changes_at` ON `changes` (`at`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `objects` (
	`resource` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`rv` integer NOT NULL,
	`node_name` text,
	`value` text NOT NULL,
	PRIMARY KEY(`resource`, `namespace`, `name`)
);
--> statement-breakpoint
CREATE INDEX `objects_node` ON `objects` (`resource`,`node_name`);