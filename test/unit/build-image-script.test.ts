import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';

/**
 * The build-image action's script, run for real by /bin/sh with a PATH that holds only the
 * usual utilities plus, per case, stand-ins for docker, buildah and kaniko that record how they
 * were called and answer as the real ones do. Checkouts use real git against a bare repository,
 * or a real HTTP server that serves Gitea's archive endpoint.
 */

const SCRIPT = path.resolve(import.meta.dirname, '../../actions/build-image/build-image.sh');
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const REGISTRY_TOKEN = 'f0c1e9a7b3d42e8a6c5b4d3e2f1a0b9c8d7e6f5a';
const JOB_TOKEN = '8d1e0f6b2a9c47e5b3f19a7c2d4e6f8a0b1c3d5e';
const DIGEST = `sha256:${'4e'.repeat(32)}`;

/** The utilities the script and the stand-ins use: and nothing else, so no real docker leaks in. */
const TOOLS = [
  'sh',
  'grep',
  'sed',
  'tr',
  'cut',
  'base64',
  'mkdir',
  'mktemp',
  'rm',
  'cat',
  'ls',
  'tar',
  'gzip',
  'cp',
];

const RECORD = `{ for arg in "$@"; do printf '%s\\n' "$arg"; done; printf '%s\\n' '--end--'; }`;

const FAKE_DOCKER = `#!/bin/sh
# Stands in for the docker CLI: records each call and answers like the CLI and its daemon.
${RECORD} >> "$STUB_DIR/docker.calls"
case "$1" in
  info)
    if [ "\${FAKE_DAEMON:-up}" != up ]; then
      echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2
      exit 1
    fi ;;
  build)
    cp "$DOCKER_CONFIG/config.json" "$STUB_DIR/auth.json"
    printf '%s\\n' "$DOCKER_CONFIG/config.json" > "$STUB_DIR/auth.path" ;;
  push) printf '%s: digest: %s size: 1573\\n' "$2" "$FAKE_DIGEST" ;;
  image)
    for arg in "$@"; do ref=$arg; done
    [ -z "$FAKE_DIGEST" ] || printf '%s@%s\\n' "\${ref%:*}" "$FAKE_DIGEST" ;;
esac
`;

const FAKE_BUILDAH = `#!/bin/sh
# Stands in for buildah: records each call, keeps the auth file it was given, writes the digest.
${RECORD} >> "$STUB_DIR/buildah.calls"
prev=
for arg in "$@"; do
  case "$prev" in
    --authfile) cp "$arg" "$STUB_DIR/auth.json"; printf '%s\\n' "$arg" > "$STUB_DIR/auth.path" ;;
    --digestfile) printf '%s' "$FAKE_DIGEST" > "$arg" ;;
  esac
  prev=$arg
done
`;

const FAKE_KANIKO = `#!/bin/sh
# Stands in for kaniko's executor: records the call, keeps the auth it read, writes the digest.
${RECORD} >> "$STUB_DIR/kaniko.calls"
cp "$DOCKER_CONFIG/config.json" "$STUB_DIR/auth.json"
printf '%s\\n' "$DOCKER_CONFIG/config.json" > "$STUB_DIR/auth.path"
prev=
for arg in "$@"; do
  [ "$prev" != --digest-file ] || printf '%s' "$FAKE_DIGEST" > "$arg"
  prev=$arg
done
`;

const STUB_GIT = (git: string) => `#!/bin/sh
# Records each git call and the header config it got, then runs the real git; refuses to fetch a
# commit by sha when told to, as a Gitea with partial clones disabled does.
{
  printf 'ARGS %s\\n' "$*"
  printf 'HEADER %s=%s\\n' "\${GIT_CONFIG_KEY_0:-none}" "\${GIT_CONFIG_VALUE_0:-none}"
} >> "$STUB_DIR/git.log"
if [ -n "\${STUB_REFUSE_SHA:-}" ] && [ "$5" = fetch ]; then
  for arg in "$@"; do last=$arg; done
  case "$last" in
    ${'?'.repeat(40)}) echo "fatal: remote error: upload-pack: not our ref $last" >&2; exit 128 ;;
  esac
fi
exec ${git} "$@"
`;

let work: string;
let sandbox: string;
/** The same utilities as busybox applets, as in kaniko's debug image; null without busybox. */
let busyboxSandbox: string | null = null;
let realGit: string;
let caseNo = 0;

const which = (tool: string) =>
  execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-build-image-'));
  sandbox = path.join(work, 'sandbox-bin');
  await mkdir(sandbox);
  for (const tool of TOOLS) await symlink(which(tool), path.join(sandbox, tool));
  const busybox = spawnSync('busybox', ['true']).error ? null : which('busybox');
  if (busybox) {
    busyboxSandbox = path.join(work, 'busybox-bin');
    await mkdir(busyboxSandbox);
    for (const tool of [...TOOLS, 'wget']) await symlink(busybox, path.join(busyboxSandbox, tool));
  }
  realGit = which('git');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

type Fake = 'docker' | 'buildah' | 'kaniko' | 'git' | 'curl' | 'wget';

interface Case {
  /** The directory of the utilities, and the shell that runs the script. */
  tools: string;
  dir: string;
  bin: string;
  stubs: string;
  workspace: string;
  tmp: string;
  kaniko: string;
  output: string;
}

async function newCase(fakes: Fake[] = [], tools = sandbox): Promise<Case> {
  const dir = path.join(work, `case-${++caseNo}`);
  const c: Case = {
    tools,
    dir,
    bin: path.join(dir, 'bin'),
    stubs: path.join(dir, 'stubs'),
    workspace: path.join(dir, 'workspace'),
    tmp: path.join(dir, 'tmp'),
    kaniko: path.join(dir, 'kaniko'),
    output: path.join(dir, 'github-output'),
  };
  for (const sub of [c.bin, c.stubs, c.workspace, c.tmp, c.kaniko]) await mkdir(sub, { recursive: true });
  const executable = async (file: string, text: string) => {
    await writeFile(file, text);
    await chmod(file, 0o755);
  };
  for (const fake of fakes) {
    if (fake === 'docker') await executable(path.join(c.bin, 'docker'), FAKE_DOCKER);
    if (fake === 'buildah') await executable(path.join(c.bin, 'buildah'), FAKE_BUILDAH);
    if (fake === 'kaniko') await executable(path.join(c.kaniko, 'executor'), FAKE_KANIKO);
    if (fake === 'git') await executable(path.join(c.bin, 'git'), STUB_GIT(realGit));
    if ((fake === 'curl' || fake === 'wget') && tools === sandbox)
      await symlink(which(fake), path.join(c.bin, fake));
  }
  return c;
}

function baseEnv(c: Case): Record<string, string> {
  return {
    PATH: `${c.bin}:${c.tools}`,
    HOME: c.dir,
    LANG: 'C.UTF-8',
    TMPDIR: c.tmp,
    RUNNER_TEMP: c.tmp,
    STUB_DIR: c.stubs,
    FAKE_DIGEST: DIGEST,
    KANIKO_DIR: c.kaniko,
    GITHUB_WORKSPACE: c.workspace,
    GITHUB_OUTPUT: c.output,
    GITHUB_ACTOR: 'alice',
    GITHUB_SERVER_URL: 'http://gitea:3000',
    GITHUB_REPOSITORY: 'Acme/Shop',
    BUILD_SHA: SHA,
    BUILD_REF_NAME: 'main',
    BUILD_REPOSITORY_URL: 'https://Gitea.Example.com/Acme/Shop',
    REGISTRY_PASSWORD: REGISTRY_TOKEN,
  };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(c: Case, command: string, env: Record<string, string | undefined> = {}): Promise<Result> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...baseEnv(c), ...env }))
    if (value !== undefined) merged[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(c.tools, 'sh'), [SCRIPT, command], { cwd: c.workspace, env: merged });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const keyValues = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

/** The argument lists a stand-in was called with, one array per call. */
async function calls(c: Case, tool: 'docker' | 'buildah' | 'kaniko'): Promise<string[][]> {
  const file = path.join(c.stubs, `${tool}.calls`);
  if (!existsSync(file)) return [];
  const text = await readFile(file, 'utf8');
  return text
    .split('--end--\n')
    .filter((chunk) => chunk !== '')
    .map((chunk) => chunk.replace(/\n$/, '').split('\n'));
}

const withDockerfile = async (c: Case, dir = '.') => {
  await mkdir(path.join(c.workspace, dir), { recursive: true });
  await writeFile(path.join(c.workspace, dir, 'Dockerfile'), 'FROM scratch\n');
};

/** The registry auth the builder read: the file, its mode, and whether it is gone after the run. */
async function registryAuth(c: Case) {
  const file = (await readFile(path.join(c.stubs, 'auth.path'), 'utf8')).trim();
  return { config: JSON.parse(await readFile(path.join(c.stubs, 'auth.json'), 'utf8')), file };
}

const basicOf = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

function requireBusybox(ctx: TestContext): string {
  if (!busyboxSandbox) {
    const note = 'busybox is not on the PATH: the script is not run under busybox here (CI installs busybox)';
    console.warn(`build-image-script: ${note}`);
    ctx.skip(note);
  }
  return busyboxSandbox!;
}

describe('tags', () => {
  it('tags a push with the full sha and the branch, under <repository host>/<owner>/<repo> in lower case', async () => {
    const c = await newCase();
    const result = await run(c, 'tags');
    expect(result.code, result.stderr).toBe(0);
    expect(keyValues(result.stdout)).toEqual({
      image: 'gitea.example.com/acme/shop',
      registry: 'gitea.example.com',
      'sha-tag': SHA,
      'moving-tag': 'main',
    });
  });

  it('tags a pull request pr-<N>', async () => {
    const c = await newCase();
    const result = await run(c, 'tags', { BUILD_PR_NUMBER: '17', BUILD_REF_NAME: '17/head' });
    expect(keyValues(result.stdout)['moving-tag']).toBe('pr-17');
  });

  it.each([
    ['feature/Login', 'feature-Login'],
    ['release/v1.2', 'release-v1.2'],
    ['.hidden--x', 'hidden-x'],
    ['ünïcode', 'n-code'],
    ['a'.repeat(200), 'a'.repeat(128)],
    ['...', ''],
  ])('turns the branch %j into the tag %j', async (branch, tag) => {
    const c = await newCase();
    const result = await run(c, 'tags', { BUILD_REF_NAME: branch });
    expect(result.code, result.stderr).toBe(0);
    expect(keyValues(result.stdout)['moving-tag']).toBe(tag);
  });

  it("takes the registry host from the repository's URL, keeping the port and dropping a sub-path", async () => {
    const c = await newCase();
    const result = await run(c, 'tags', { BUILD_REPOSITORY_URL: 'http://Git.Internal:3000/gitea/Acme/Shop' });
    expect(keyValues(result.stdout).image).toBe('git.internal:3000/acme/shop');
  });

  it("falls back on the runner's server URL when the event has no repository URL", async () => {
    const c = await newCase();
    const result = await run(c, 'tags', { BUILD_REPOSITORY_URL: '' });
    expect(keyValues(result.stdout).image).toBe('gitea:3000/acme/shop');
  });

  it("makes owner and repository names ones Gitea's registry accepts", async () => {
    const c = await newCase();
    const result = await run(c, 'tags', { GITHUB_REPOSITORY: 'My_Org/Shop..Web--App_' });
    expect(keyValues(result.stdout).image).toBe('gitea.example.com/my_org/shop-web-app');
  });

  it('uses an image given explicitly as it is', async () => {
    const c = await newCase();
    const result = await run(c, 'tags', { BUILD_IMAGE: 'registry.example.com:5000/team/shop/api' });
    expect(keyValues(result.stdout)).toMatchObject({
      image: 'registry.example.com:5000/team/shop/api',
      registry: 'registry.example.com:5000',
    });
  });

  it.each([
    [{ BUILD_IMAGE: 'gitea.example.com/Acme/shop' }, /'Acme\/shop' is no name Gitea's registry accepts/],
    [{ BUILD_IMAGE: 'gitea.example.com/acme/shop:1.0' }, /no name Gitea's registry accepts .*no tag/],
    [{ BUILD_IMAGE: 'acme/shop' }, /must start with the registry host/],
    [{ BUILD_IMAGE: 'gitea.example.com/shop' }, /keeps images under an owner/],
    [{ BUILD_SHA: '3f78685' }, /not a full commit sha: '3f78685'/],
    [{ BUILD_PR_NUMBER: '7; rm -rf /' }, /pull request number is not a number/],
    [{ BUILD_PR_NUMBER: '7\nlatest' }, /pull request number is not a number/],
  ])('refuses %j', async (env, message) => {
    const c = await newCase();
    const result = await run(c, 'tags', env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('builder', () => {
  it('takes docker when its daemon answers', async () => {
    const c = await newCase(['docker', 'buildah', 'kaniko']);
    const result = await run(c, 'builder');
    expect(result.stdout.trim()).toBe('docker');
  });

  it('takes buildah when the docker CLI has no daemon, and says why', async () => {
    const c = await newCase(['docker', 'buildah']);
    const result = await run(c, 'builder', { FAKE_DAEMON: 'down' });
    expect(result.stdout.trim()).toBe('buildah');
    expect(result.stderr).toContain('no daemon answers at unix:///var/run/docker.sock');
  });

  it("takes kaniko in kaniko's image", async () => {
    const c = await newCase(['kaniko']);
    const result = await run(c, 'builder');
    expect(result.stdout.trim()).toBe('kaniko');
  });

  it('names what is missing for each builder when none can run', async () => {
    const c = await newCase(['docker']);
    const result = await run(c, 'builder', { FAKE_DAEMON: 'down', DOCKER_HOST: 'tcp://docker:2376' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no image builder in this job. docker: the docker CLI is here but no daemon answers at tcp://docker:2376',
    );
    expect(result.stderr).toContain('buildah: no buildah on PATH.');
    expect(result.stderr).toContain(`kaniko: no kaniko executor at ${c.kaniko}/executor`);
  });

  it('insists on the builder it is told to use', async () => {
    const c = await newCase(['buildah']);
    const result = await run(c, 'builder', { BUILD_BUILDER: 'docker' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('builder docker cannot run here: no docker CLI on PATH');
  });

  it('refuses a builder it does not know', async () => {
    const c = await newCase(['docker']);
    const result = await run(c, 'builder', { BUILD_BUILDER: 'podman' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("builder must be auto, docker, buildah or kaniko, not 'podman'");
  });
});

describe('build', () => {
  it('builds with docker, pushes both tags and reports the pushed digest', async () => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', {
      BUILD_PR_NUMBER: '17',
      BUILD_ARGS: 'NODE_ENV=production\n\nAPI=a=b',
    });
    expect(result.code, result.stderr).toBe(0);

    const image = 'gitea.example.com/acme/shop';
    const [info, build, pushSha, pushPr, inspect, ...rest] = await calls(c, 'docker');
    expect(info).toEqual(['info']);
    expect(build).toEqual([
      'build',
      '--file',
      `${c.workspace}/Dockerfile`,
      '--tag',
      `${image}:${SHA}`,
      '--tag',
      `${image}:pr-17`,
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.source=https://Gitea.Example.com/Acme/Shop',
      c.workspace,
      '--build-arg',
      'NODE_ENV=production',
      '--build-arg',
      'API=a=b',
    ]);
    expect(pushSha).toEqual(['push', `${image}:${SHA}`]);
    expect(pushPr).toEqual(['push', `${image}:pr-17`]);
    expect(inspect?.slice(0, 2)).toEqual(['image', 'inspect']);
    expect(rest).toEqual([]);

    const outputs = { image: `${image}:${SHA}`, digest: DIGEST, 'moving-tag': 'pr-17' };
    expect(keyValues(await readFile(c.output, 'utf8'))).toEqual(outputs);
    expect(keyValues(result.stdout)).toEqual(outputs);
    expect(result.stderr).toContain(`building ${image}:${SHA} and ${image}:pr-17 with docker`);
  });

  it('hands the registry token to the builder in a private auth file only, and removes it', async () => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', { REGISTRY_USERNAME: 'ci-bot' });
    expect(result.code, result.stderr).toBe(0);
    const { config, file } = await registryAuth(c);
    expect(config).toEqual({ auths: { 'gitea.example.com': { auth: basicOf('ci-bot', REGISTRY_TOKEN) } } });
    expect(file.startsWith(`${c.tmp}/`)).toBe(true);
    expect(existsSync(file)).toBe(false);
    const everyArgument = (await calls(c, 'docker')).flat().join(' ');
    expect(everyArgument).not.toContain(REGISTRY_TOKEN);
    expect(everyArgument).not.toContain(basicOf('ci-bot', REGISTRY_TOKEN));
  });

  it('builds with buildah in chroot isolation on vfs, and pushes both tags from its storage', async () => {
    const c = await newCase(['buildah']);
    await withDockerfile(c, 'web');
    const result = await run(c, 'build', {
      BUILD_CONTEXT: 'web',
      BUILD_REF_NAME: 'feature/Login',
      BUILD_INSECURE_REGISTRY: 'true',
    });
    expect(result.code, result.stderr).toBe(0);

    const image = 'gitea.example.com/acme/shop';
    const { config, file } = await registryAuth(c);
    expect(config.auths['gitea.example.com'].auth).toBe(basicOf('alice', REGISTRY_TOKEN));
    const [build, pushSha, pushBranch, ...rest] = await calls(c, 'buildah');
    expect(build).toEqual([
      '--storage-driver',
      'vfs',
      'build',
      '--isolation',
      'chroot',
      '--authfile',
      file,
      '--file',
      `${c.workspace}/web/Dockerfile`,
      '--tag',
      `${image}:${SHA}`,
      '--tag',
      `${image}:feature-Login`,
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.source=https://Gitea.Example.com/Acme/Shop',
      `${c.workspace}/web`,
    ]);
    const push = ['--storage-driver', 'vfs', 'push', '--authfile', file, '--tls-verify=false'];
    expect(pushSha).toEqual([
      ...push,
      '--digestfile',
      expect.stringMatching(/\/digest$/),
      `${image}:${SHA}`,
      `docker://${image}:${SHA}`,
    ]);
    expect(pushBranch).toEqual([...push, `${image}:${SHA}`, `docker://${image}:feature-Login`]);
    expect(rest).toEqual([]);
    expect(keyValues(result.stdout)).toEqual({
      image: `${image}:${SHA}`,
      digest: DIGEST,
      'moving-tag': 'feature-Login',
    });
  });

  it("builds with kaniko, keeping its files in kaniko's own directory", async () => {
    const c = await newCase(['kaniko']);
    await withDockerfile(c);
    const result = await run(c, 'build', {
      BUILD_DOCKERFILE: 'Dockerfile',
      BUILD_ARGS: 'VERSION=1.2',
      BUILD_INSECURE_REGISTRY: 'true',
    });
    expect(result.code, result.stderr).toBe(0);

    const image = 'gitea.example.com/acme/shop';
    const { file } = await registryAuth(c);
    expect(file.startsWith(`${c.kaniko}/aiworker-build.`)).toBe(true);
    expect(await calls(c, 'kaniko')).toEqual([
      [
        '--context',
        `dir://${c.workspace}`,
        '--dockerfile',
        `${c.workspace}/Dockerfile`,
        '--destination',
        `${image}:${SHA}`,
        '--destination',
        `${image}:main`,
        '--insecure-registry',
        'gitea.example.com',
        '--skip-tls-verify-registry',
        'gitea.example.com',
        '--digest-file',
        expect.stringMatching(/\/digest$/),
        '--label',
        `org.opencontainers.image.revision=${SHA}`,
        '--label',
        'org.opencontainers.image.source=https://Gitea.Example.com/Acme/Shop',
        '--build-arg',
        'VERSION=1.2',
      ],
    ]);
    expect(keyValues(result.stdout).digest).toBe(DIGEST);
  });

  it('pushes the sha tag alone when the ref gives no moving tag', async () => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', { BUILD_REF_NAME: '...' });
    expect(result.code, result.stderr).toBe(0);
    const pushes = (await calls(c, 'docker')).filter((call) => call[0] === 'push');
    expect(pushes).toEqual([['push', `gitea.example.com/acme/shop:${SHA}`]]);
    expect(keyValues(result.stdout)['moving-tag']).toBe('');
  });

  it('stops before building when there is no registry token, and says which secret to create', async () => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', { REGISTRY_PASSWORD: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/registry-password is empty\. Gitea's automatic Actions token cannot push/);
    expect(result.stderr).toMatch(/write:package scope .* REGISTRY_TOKEN/);
    expect((await calls(c, 'docker')).map((call) => call[0])).toEqual(['info']);
    expect(existsSync(c.output)).toBe(false);
  });

  it.each([
    [
      { BUILD_ARGS: 'NODE_ENV=production\nnot an argument' },
      /build-args line 2 is not KEY=VALUE: 'not an argument'/,
    ],
    [
      { BUILD_DOCKERFILE: 'docker/Dockerfile.prod' },
      /no Dockerfile at .*\/docker\/Dockerfile\.prod \(set the dockerfile input\)/,
    ],
    [{ BUILD_CONTEXT: 'missing' }, /the build context .*\/missing is not a directory/],
    [{ BUILD_INSECURE_REGISTRY: 'yes' }, /insecure-registry must be true or false, not 'yes'/],
  ])('refuses %j and builds nothing', async (env, message) => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect((await calls(c, 'docker')).filter((call) => call[0] === 'push')).toEqual([]);
  });

  it('fails when the builder reports no digest for what it pushed', async () => {
    const c = await newCase(['docker']);
    await withDockerfile(c);
    const result = await run(c, 'build', { FAKE_DIGEST: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `pushed gitea.example.com/acme/shop:${SHA}, but docker reported no digest`,
    );
    expect(existsSync(c.output)).toBe(false);
  });
});

describe("under busybox, the only shell and utilities in kaniko's debug image", () => {
  it.for<Record<string, string>>([
    { BUILD_REF_NAME: 'feature/Ünï..x', GITHUB_REPOSITORY: 'My_Org/Shop..Web--App_' },
    { BUILD_PR_NUMBER: '17', BUILD_REPOSITORY_URL: 'http://Git.Internal:3000/gitea/Acme/Shop' },
    { BUILD_REF_NAME: '.' + 'b'.repeat(140) },
  ])('tags %j as the host shell does', async (env, ctx) => {
    const busybox = await run(await newCase([], requireBusybox(ctx)), 'tags', env);
    const host = await run(await newCase(), 'tags', env);
    expect(busybox.code, busybox.stderr).toBe(0);
    expect(busybox.stdout).toBe(host.stdout);
  });

  it('builds with kaniko and reports what it pushed', async (ctx) => {
    const c = await newCase(['kaniko'], requireBusybox(ctx));
    await withDockerfile(c);
    const result = await run(c, 'build', { BUILD_ARGS: 'A=1\nB=2' });
    expect(result.code, result.stderr).toBe(0);
    expect(keyValues(await readFile(c.output, 'utf8'))).toEqual({
      image: `gitea.example.com/acme/shop:${SHA}`,
      digest: DIGEST,
      'moving-tag': 'main',
    });
    expect((await registryAuth(c)).config.auths['gitea.example.com'].auth).toBe(
      basicOf('alice', REGISTRY_TOKEN),
    );
    expect((await calls(c, 'kaniko'))[0]).toEqual(expect.arrayContaining(['--build-arg', 'A=1', 'B=2']));
  });
});

describe('checkout', () => {
  /** A bare repository at <dir>/gitea/acme/shop.git with main and a pull request head. */
  async function origin(c: Case): Promise<{ serverUrl: string; main: string; pull: string; bare: string }> {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync(realGit, args, {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      }).trim();
    const bare = path.join(c.dir, 'gitea/acme/shop.git');
    const seed = path.join(c.dir, 'seed');
    await mkdir(bare, { recursive: true });
    git(bare, 'init', '--quiet', '--bare', '--initial-branch', 'main');
    git(c.dir, 'init', '--quiet', '--initial-branch', 'main', seed);
    await writeFile(path.join(seed, 'Dockerfile'), 'FROM scratch\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'first');
    const main = git(seed, 'rev-parse', 'HEAD');
    await writeFile(path.join(seed, 'README.md'), 'Shop\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'second');
    const pull = git(seed, 'rev-parse', 'HEAD');
    git(seed, 'push', '--quiet', bare, `${main}:refs/heads/main`, `${pull}:refs/pull/7/head`);
    return { serverUrl: `file://${path.join(c.dir, 'gitea')}`, main, pull, bare };
  }

  const headOf = (dir: string) =>
    execFileSync(realGit, ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const gitLog = async (c: Case) =>
    existsSync(path.join(c.stubs, 'git.log')) ? await readFile(path.join(c.stubs, 'git.log'), 'utf8') : '';

  it('fetches the commit with git, the job token in a header of its environment only', async () => {
    const c = await newCase(['git']);
    const repo = await origin(c);
    const result = await run(c, 'checkout', {
      GITHUB_SERVER_URL: repo.serverUrl,
      GITHUB_REPOSITORY: 'acme/shop',
      BUILD_SHA: repo.pull,
      BUILD_GIT_TOKEN: JOB_TOKEN,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(headOf(c.workspace)).toBe(repo.pull);
    expect(existsSync(path.join(c.workspace, 'README.md'))).toBe(true);

    const log = await gitLog(c);
    const fetch = log.split('\n').findIndex((line) => line.startsWith('ARGS') && line.includes(' fetch '));
    expect(log.split('\n')[fetch]).toContain(`${repo.serverUrl}/acme/shop.git ${repo.pull}`);
    expect(log.split('\n')[fetch + 1]).toBe(
      `HEADER http.${repo.serverUrl}/.extraHeader=Authorization: Basic ${basicOf('aiworker', JOB_TOKEN)}`,
    );
    const argv = log
      .split('\n')
      .filter((line) => line.startsWith('ARGS'))
      .join('\n');
    expect(argv).not.toContain(JOB_TOKEN);
    expect(argv).not.toContain(basicOf('aiworker', JOB_TOKEN));
    expect(await readFile(path.join(c.workspace, '.git/config'), 'utf8')).not.toContain(JOB_TOKEN);
  });

  it('leaves a workspace that is at the commit already', async () => {
    const c = await newCase(['git']);
    const repo = await origin(c);
    execFileSync(realGit, ['clone', '--quiet', repo.bare, c.workspace]);
    const result = await run(c, 'checkout', { BUILD_SHA: repo.main });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`the workspace is at ${repo.main} already`);
    expect(await gitLog(c)).not.toContain(' fetch ');
  });

  it('fetches the ref of the run when the server will not send a commit by sha', async () => {
    const c = await newCase(['git']);
    const repo = await origin(c);
    const result = await run(c, 'checkout', {
      GITHUB_SERVER_URL: repo.serverUrl,
      GITHUB_REPOSITORY: 'acme/shop',
      BUILD_SHA: repo.pull,
      BUILD_REF: 'refs/pull/7/head',
      STUB_REFUSE_SHA: '1',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('the server sent no commit by sha; fetching refs/pull/7/head');
    expect(headOf(c.workspace)).toBe(repo.pull);
  });

  describe('without git, from the archive endpoint', () => {
    let server: Server;
    let serverUrl: string;
    let archive: Buffer;
    let pull: string;
    const requests: Array<{ url?: string; authorization?: string }> = [];

    beforeAll(async () => {
      const c = await newCase();
      const repo = await origin(c);
      pull = repo.pull;
      archive = execFileSync(realGit, [
        '-C',
        repo.bare,
        'archive',
        '--format=tar.gz',
        '--prefix=shop/',
        pull,
      ]);
      server = createServer((req, res) => {
        requests.push({ url: req.url, authorization: req.headers.authorization });
        // routers/api/v1/repo/file.go: GET /repos/{owner}/{repo}/archive/{ref}.tar.gz, private: token needed.
        if (req.url !== `/api/v1/repos/acme/shop/archive/${pull}.tar.gz`)
          return void res.writeHead(404).end();
        if (req.headers.authorization !== `token ${JOB_TOKEN}`) return void res.writeHead(401).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(archive);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    async function checkoutFromArchive(c: Case) {
      requests.length = 0;
      const result = await run(c, 'checkout', {
        GITHUB_SERVER_URL: serverUrl,
        GITHUB_REPOSITORY: 'acme/shop',
        BUILD_SHA: pull,
        BUILD_GIT_TOKEN: JOB_TOKEN,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`no git in this job's image: downloading the archive of ${pull}`);
      expect(requests).toEqual([
        { url: `/api/v1/repos/acme/shop/archive/${pull}.tar.gz`, authorization: `token ${JOB_TOKEN}` },
      ]);
      expect(await readFile(path.join(c.workspace, 'README.md'), 'utf8')).toBe('Shop\n');
      expect(existsSync(path.join(c.workspace, 'Dockerfile'))).toBe(true);
    }

    it.each(['curl', 'wget'] as const)('downloads and unpacks it with %s', async (tool) => {
      await checkoutFromArchive(await newCase([tool]));
    });

    it("downloads and unpacks it with busybox alone, as in kaniko's debug image", async (ctx) => {
      await checkoutFromArchive(await newCase([], requireBusybox(ctx)));
    });

    it('says so when the download is refused', async () => {
      const c = await newCase(['curl']);
      const result = await run(c, 'checkout', {
        GITHUB_SERVER_URL: serverUrl,
        GITHUB_REPOSITORY: 'acme/shop',
        BUILD_SHA: pull,
        BUILD_GIT_TOKEN: 'wrong',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `cannot download ${serverUrl}/api/v1/repos/acme/shop/archive/${pull}.tar.gz`,
      );
      // The scratch directory held the token header: it is gone after a failure too.
      expect(await readdir(c.tmp)).toEqual([]);
    });
  });

  it('names what is missing when the image has neither git nor curl nor wget', async () => {
    const c = await newCase();
    const result = await run(c, 'checkout');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot check out ${SHA}: this job's image has neither git nor curl nor wget`,
    );
  });

  it('refuses to mix the commit into a workspace that holds something else', async () => {
    const c = await newCase(['git']);
    await writeFile(path.join(c.workspace, 'leftover.txt'), 'x');
    const result = await run(c, 'checkout');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is neither empty nor a git checkout: set checkout to false');
  });

  it('builds the workspace as it is with checkout false', async () => {
    const c = await newCase(['git']);
    await writeFile(path.join(c.workspace, 'prepared.txt'), 'x');
    const result = await run(c, 'checkout', { BUILD_CHECKOUT: 'false' });
    expect(result.code, result.stderr).toBe(0);
    expect(await gitLog(c)).toBe('');
  });
});
