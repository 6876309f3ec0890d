ALTER TABLE `repos` ADD `config_error_issue` int;--> statement-breakpoint
ALTER TABLE `repos` ADD `config_error_url` varchar(1024);