CREATE TABLE `owner_refs` (
	`owner_uid` text NOT NULL,
	`resource` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`owner_uid`, `resource`, `namespace`, `name`)
);
--> statement-breakpoint
CREATE INDEX `owner_refs_key` ON `owner_refs` (`resource`,`namespace`,`name`);--> statement-breakpoint
CREATE TABLE `timers` (
	`controller` text NOT NULL,
	`key` text NOT NULL,
	`due` integer NOT NULL,
	PRIMARY KEY(`controller`, `key`)
);
--> statement-breakpoint
CREATE INDEX `timers_due` ON `timers` (`due`);