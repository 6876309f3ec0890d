CREATE TABLE `agent_runs` (
	`id` int AUTO_INCREMENT NOT NULL,
	`task_id` int NOT NULL,
	`repo_id` int NOT NULL,
	`issue_number` int NOT NULL,
	`attempt` int NOT NULL,
	`runner` varchar(16) NOT NULL,
	`status` varchar(16) NOT NULL,
	`external_id` varchar(255),
	`branch` varchar(255) NOT NULL,
	`progress_comment_id` bigint,
	`pr_number` int,
	`exit_code` int,
	`result` text,
	`log_tail` mediumtext,
	`cost_usd` decimal(12,6),
	`deadline_at` datetime(3),
	`heartbeat_at` datetime(3),
	`started_at` datetime(3),
	`finished_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `agent_runs_id` PRIMARY KEY(`id`),
	CONSTRAINT `agent_runs_task_attempt` UNIQUE(`task_id`,`attempt`)
);
--> statement-breakpoint
CREATE TABLE `agent_tokens` (
	`id` int AUTO_INCREMENT NOT NULL,
	`run_id` int NOT NULL,
	`token_hash` varchar(64) NOT NULL,
	`repo_id` int NOT NULL,
	`issue_number` int NOT NULL,
	`scopes` json NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`revoked_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `agent_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `agent_tokens_hash` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` bigint AUTO_INCREMENT NOT NULL,
	`delivery_id` varchar(64),
	`repo_full_name` varchar(255),
	`issue_number` int,
	`actor` varchar(255),
	`command` varchar(64) NOT NULL,
	`args` text,
	`result` varchar(32) NOT NULL,
	`detail` text,
	`cause_key` varchar(191),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `audit_log_id` PRIMARY KEY(`id`),
	CONSTRAINT `audit_log_cause` UNIQUE(`cause_key`)
);
--> statement-breakpoint
CREATE TABLE `clarification_questions` (
	`id` int AUTO_INCREMENT NOT NULL,
	`task_id` int NOT NULL,
	`round` int NOT NULL,
	`ordinal` int NOT NULL,
	`question` text NOT NULL,
	`why` text NOT NULL,
	`options` json NOT NULL,
	`assumption` text,
	`answer` text,
	`answered_by` varchar(255),
	`answered_at` datetime(3),
	`answer_comment_id` bigint,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `clarification_questions_id` PRIMARY KEY(`id`),
	CONSTRAINT `clarification_questions_task_round_ordinal` UNIQUE(`task_id`,`round`,`ordinal`)
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` varchar(64) NOT NULL,
	`event` varchar(64) NOT NULL,
	`event_type` varchar(64) NOT NULL,
	`action` varchar(64),
	`repo_full_name` varchar(255),
	`issue_number` int,
	`sender` varchar(255),
	`outcome` varchar(32) NOT NULL DEFAULT 'received',
	`reason` text,
	`attempts` int NOT NULL DEFAULT 0,
	`received_at` datetime(3) NOT NULL,
	`processed_at` datetime(3),
	`duration_ms` int,
	CONSTRAINT `deliveries_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` int AUTO_INCREMENT NOT NULL,
	`repo_id` int NOT NULL,
	`pr_number` int NOT NULL,
	`environment` varchar(128) NOT NULL,
	`mode` varchar(16) NOT NULL,
	`image` varchar(512),
	`sha` varchar(64),
	`url` varchar(512),
	`status` varchar(32) NOT NULL,
	`comment_id` bigint,
	`expires_at` datetime(3),
	`torn_down_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `deployments_id` PRIMARY KEY(`id`),
	CONSTRAINT `deployments_repo_pr` UNIQUE(`repo_id`,`pr_number`)
);
--> statement-breakpoint
CREATE TABLE `llm_usage` (
	`id` int AUTO_INCREMENT NOT NULL,
	`repo_id` int,
	`task_id` int,
	`provider` varchar(32) NOT NULL,
	`model` varchar(128) NOT NULL,
	`purpose` varchar(32) NOT NULL,
	`input_tokens` int NOT NULL DEFAULT 0,
	`output_tokens` int NOT NULL DEFAULT 0,
	`cache_read_tokens` int NOT NULL DEFAULT 0,
	`cache_write_tokens` int NOT NULL DEFAULT 0,
	`cost_usd` decimal(12,6) NOT NULL DEFAULT '0',
	`latency_ms` int NOT NULL DEFAULT 0,
	`ok` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `llm_usage_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `promotions` (
	`id` int AUTO_INCREMENT NOT NULL,
	`repo_id` int NOT NULL,
	`environment` varchar(64) NOT NULL,
	`image` varchar(512) NOT NULL,
	`previous_image` varchar(512),
	`cause_key` varchar(191) NOT NULL,
	`kind` varchar(16) NOT NULL,
	`triggered_by` varchar(255),
	`gitops_commit` varchar(64),
	`status` varchar(32) NOT NULL,
	`sync_status` varchar(32),
	`health_status` varchar(32),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `promotions_id` PRIMARY KEY(`id`),
	CONSTRAINT `promotions_cause` UNIQUE(`repo_id`,`environment`,`cause_key`)
);
--> statement-breakpoint
CREATE TABLE `repos` (
	`id` int AUTO_INCREMENT NOT NULL,
	`gitea_id` bigint,
	`owner` varchar(255) NOT NULL,
	`name` varchar(255) NOT NULL,
	`full_name` varchar(255) NOT NULL,
	`default_branch` varchar(255) NOT NULL DEFAULT 'main',
	`config_sha` varchar(64),
	`config_error` text,
	`board_kind` varchar(16),
	`board_project_id` bigint,
	`board_columns` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `repos_id` PRIMARY KEY(`id`),
	CONSTRAINT `repos_full_name` UNIQUE(`full_name`)
);
--> statement-breakpoint
CREATE TABLE `subtasks` (
	`id` int AUTO_INCREMENT NOT NULL,
	`task_id` int NOT NULL,
	`spec_version` int NOT NULL,
	`plan` int NOT NULL DEFAULT 1,
	`key` varchar(64) NOT NULL,
	`title` varchar(512) NOT NULL,
	`description` mediumtext NOT NULL,
	`acceptance_criteria` json NOT NULL,
	`dependencies` json NOT NULL,
	`estimated_time` varchar(64) NOT NULL,
	`order` int NOT NULL,
	`wave` int NOT NULL DEFAULT 0,
	`status` varchar(32) NOT NULL DEFAULT 'pending',
	`issue_number` int,
	`issue_id` bigint,
	`subtask_task_id` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `subtasks_id` PRIMARY KEY(`id`),
	CONSTRAINT `subtasks_task_key` UNIQUE(`task_id`,`key`)
);
--> statement-breakpoint
CREATE TABLE `task_specifications` (
	`id` int AUTO_INCREMENT NOT NULL,
	`task_id` int NOT NULL,
	`version` int NOT NULL,
	`title` varchar(512) NOT NULL DEFAULT '',
	`summary` text,
	`goals` json NOT NULL,
	`context` mediumtext NOT NULL,
	`architecture` mediumtext NOT NULL,
	`edge_cases` json NOT NULL,
	`acceptance_criteria` json NOT NULL,
	`estimated_complexity` varchar(16) NOT NULL,
	`assumptions` json NOT NULL,
	`change_summary` text,
	`feedback` text,
	`provider` varchar(32) NOT NULL,
	`model` varchar(128),
	`approved_by` varchar(255),
	`approved_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `task_specifications_id` PRIMARY KEY(`id`),
	CONSTRAINT `task_specifications_task_version` UNIQUE(`task_id`,`version`)
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` int AUTO_INCREMENT NOT NULL,
	`repo_id` int NOT NULL,
	`issue_number` int NOT NULL,
	`issue_id` bigint,
	`kind` varchar(16) NOT NULL,
	`parent_task_id` int,
	`state` varchar(32) NOT NULL,
	`paused_state` varchar(32),
	`state_version` int NOT NULL DEFAULT 0,
	`trigger_label_present` boolean NOT NULL DEFAULT true,
	`title` varchar(512) NOT NULL DEFAULT '',
	`author` varchar(255),
	`feature_type` varchar(64),
	`stack_summary` varchar(512),
	`question_round` int NOT NULL DEFAULT 0,
	`pending_feedback` text,
	`spec_version` int NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `tasks_id` PRIMARY KEY(`id`),
	CONSTRAINT `tasks_repo_issue` UNIQUE(`repo_id`,`issue_number`)
);
--> statement-breakpoint
CREATE INDEX `agent_runs_status` ON `agent_runs` (`status`);--> statement-breakpoint
CREATE INDEX `agent_tokens_run` ON `agent_tokens` (`run_id`);--> statement-breakpoint
CREATE INDEX `audit_log_repo_issue` ON `audit_log` (`repo_full_name`,`issue_number`);--> statement-breakpoint
CREATE INDEX `deliveries_repo_issue` ON `deliveries` (`repo_full_name`,`issue_number`);--> statement-breakpoint
CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`);--> statement-breakpoint
CREATE INDEX `llm_usage_task` ON `llm_usage` (`task_id`);--> statement-breakpoint
CREATE INDEX `llm_usage_repo` ON `llm_usage` (`repo_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `subtasks_issue` ON `subtasks` (`issue_number`);--> statement-breakpoint
CREATE INDEX `tasks_parent` ON `tasks` (`parent_task_id`);--> statement-breakpoint
CREATE INDEX `tasks_state` ON `tasks` (`state`);