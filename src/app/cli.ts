import { ConfigError, loadEnv, loadEnvSubset, secretValues } from '../config/env.ts';
import { createLogger, type Logger } from '../config/logger.ts';
import { runMigrations } from '../db/migrate.ts';
import { createBoard } from '../gitea/board/index.ts';
import { createGiteaClient } from '../gitea/client.ts';
import { parseRepoSlug } from '../gitea/repo-slug.ts';
import { formatSetupReport, setupRepo } from '../gitea/setup.ts';
import { handleShutdownSignals } from '../server/shutdown.ts';
import { runDoctor } from './doctor.ts';
import { startRuntime } from './runtime.ts';

const USAGE = `Usage: aiworker <command>

Commands:
  start                    webhook server and workers in one process (the default)
  serve                    only the webhook server (scale it separately from workers)
  worker                   only the workers
  migrate                  apply database migrations and exit
  setup --repo OWNER/NAME  create the labels and the webhook in a repository (safe to repeat)
  doctor [--repo OWNER/NAME]
                           check every configured dependency and say how to fix what is wrong

Configuration comes from the environment (and a .env file in the working directory);
see README.md for every variable.`;

/** Runs one CLI command; resolves with the exit code (long-running commands resolve when stopped). */
export async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  const code = await run(command, rest).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`aiworker ${command} failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  });
  if (code !== null) process.exitCode = code;
}

async function run(command: string, args: string[]): Promise<number | null> {
  switch (command) {
    case 'start':
    case 'serve':
    case 'worker':
      return runProcess(command);
    case 'migrate': {
      const env = loadEnvSubset(['DATABASE_URL']);
      const { applied } = await runMigrations(env.DATABASE_URL);
      process.stdout.write(
        applied > 0 ? `Applied ${applied} migration(s).\n` : 'The database is up to date.\n',
      );
      return 0;
    }
    case 'setup': {
      const repo = flag(args, '--repo');
      if (!repo) return usageError('setup needs --repo OWNER/NAME');
      const { owner, repo: name } = parseRepoSlug(repo);
      const env = loadEnvSubset([
        'GITEA_URL',
        'GITEA_TOKEN',
        'WEBHOOK_SECRET',
        'PUBLIC_URL',
        'PORT',
        'GITEA_BOT_PASSWORD',
      ]);
      const publicUrl = (env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, '');
      const giteaUrl = env.GITEA_URL.replace(/\/+$/, '');
      const client = createGiteaClient({ baseUrl: giteaUrl, token: env.GITEA_TOKEN });
      const report = await setupRepo(client, {
        owner,
        repo: name,
        publicUrl,
        webhookSecret: env.WEBHOOK_SECRET,
      });
      process.stdout.write(`${formatSetupReport(report)}\n`);
      if (env.GITEA_BOT_PASSWORD) {
        const bot = await client.users.current();
        const board = createBoard({
          giteaUrl,
          client,
          botLogin: bot.login,
          botPassword: env.GITEA_BOT_PASSWORD,
        });
        const prepared = await board.prepare({ owner, name }, { projectName: 'AiWorker' });
        const notes = prepared.notes.length > 0 ? prepared.notes.join('; ') : 'unchanged';
        process.stdout.write(`  project board ${prepared.board.projectId ?? ''}: ${notes}\n`);
      } else {
        process.stdout.write(
          '  project board: not used (set GITEA_BOT_PASSWORD to use a Gitea Project board)\n',
        );
      }
      return 0;
    }
    case 'doctor': {
      const result = await runDoctor(process.env, { repo: flag(args, '--repo') });
      process.stdout.write(`${result.report}\n`);
      return result.ok ? 0 : 1;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      return usageError(`unknown command "${command}"`);
  }
}

async function runProcess(command: 'start' | 'serve' | 'worker'): Promise<null> {
  const env = loadEnv();
  const logger: Logger = createLogger({ level: env.LOG_LEVEL, secrets: secretValues(env) });
  const roles = { http: command !== 'worker', workers: command !== 'serve' };
  const runtime = await startRuntime({ env, logger, roles });
  logger.info({ command, roles }, 'aiworker started');
  handleShutdownSignals([{ name: 'runtime', close: () => runtime.close() }], { logger });
  return null;
}

function flag(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

function usageError(message: string): number {
  process.stderr.write(`aiworker: ${message}\n\n${USAGE}\n`);
  return 2;
}
