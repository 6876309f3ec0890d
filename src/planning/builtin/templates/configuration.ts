import type { PlanContext, Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, testedBy } from './wording.ts';

const EXT: Record<string, string> = { yaml: 'yaml', toml: 'toml', json: 'json', ini: 'ini' };

function isCli(ctx: PlanContext): boolean {
  return ctx.stack.cli !== null && ctx.stack.backend === null;
}

function hasViper(ctx: PlanContext): boolean {
  return ctx.repo.dependencies.some((d) => /spf13\/viper/.test(d));
}

function parserFor(ctx: PlanContext, format: string): string {
  const lang = ctx.stack.language;
  const table: Record<string, Record<string, string>> = {
    go: {
      yaml: 'gopkg.in/yaml.v3',
      toml: 'github.com/BurntSushi/toml',
      json: 'encoding/json',
      ini: 'gopkg.in/ini.v1',
    },
    rust: { yaml: 'serde_yaml', toml: 'toml + serde', json: 'serde_json', ini: 'rust-ini' },
    python: { yaml: 'PyYAML', toml: 'tomllib (stdlib)', json: 'json (stdlib)', ini: 'configparser (stdlib)' },
    typescript: { yaml: 'the yaml package', toml: 'smol-toml', json: 'JSON.parse', ini: 'the ini package' },
    javascript: { yaml: 'the yaml package', toml: 'smol-toml', json: 'JSON.parse', ini: 'the ini package' },
  };
  return table[lang]?.[format] ?? `a ${format.toUpperCase()} parser`;
}

function fileName(format: string): string {
  return `config.${EXT[format] ?? format}`;
}

const format: Topic = {
  id: 'format',
  label: 'File format',
  key: true,
  choices: [
    {
      value: 'yaml',
      short: 'YAML',
      option: (ctx) => `YAML (${parserFor(ctx, 'yaml')})`,
      match: /\by(a)?ml\b/,
    },
    { value: 'toml', short: 'TOML', option: (ctx) => `TOML (${parserFor(ctx, 'toml')})`, match: /\btoml\b/ },
    {
      value: 'json',
      short: 'JSON',
      option: (ctx) => `JSON (${parserFor(ctx, 'json')}; no comments)`,
      match: /\bjson\b/,
    },
    { value: 'ini', short: 'INI', match: /\bini\b/, hidden: true },
  ],
  fallback: (ctx) => (ctx.stack.language === 'rust' || ctx.stack.language === 'python' ? ['toml'] : ['yaml']),
  question: () => 'Which format should the config file use?',
  why: (ctx) =>
    `It picks the parser dependency (${parserFor(ctx, 'yaml')}, ${parserFor(ctx, 'toml')} or ${parserFor(ctx, 'json')}) and what users can write: YAML and TOML allow comments, JSON does not.`,
  assumption: (ctx) => {
    const f = format.fallback(ctx)[0]!;
    return `${f.toUpperCase()}, parsed with ${parserFor(ctx, f)}`;
  },
};

const precedence: Topic = {
  id: 'precedence',
  label: 'Precedence',
  key: true,
  choices: [
    {
      value: 'flags-env-file',
      short: 'Flags > environment > file > defaults',
      option: (ctx) =>
        isCli(ctx)
          ? 'Flags > environment > file > defaults (the usual order)'
          : 'Environment > file > defaults (the usual order)',
      match:
        /flags?\s*(>|over|before|then)\s*env|env(ironment)?( variables?)?\s*(>|over|before)\s*(the )?(config )?file|usual order|standard precedence/,
    },
    {
      value: 'flags-file-env',
      short: 'Flags > file > environment > defaults',
      option: () => 'File > environment (the file wins over environment variables)',
      match: /(config )?file\s*(>|over|before|wins over)\s*env/,
    },
    {
      value: 'file-only',
      short: 'File and flags only, no environment overrides',
      option: () => 'No environment overrides (file and flags only)',
      match: /\bno env(ironment)?( variables?)?( overrides)?\b|\bfile only\b|\bwithout env/,
    },
  ],
  fallback: () => ['flags-env-file'],
  question: (ctx) =>
    isCli(ctx)
      ? 'When the same setting is given in several places, which wins: flags > environment variables > config file > defaults?'
      : 'When a setting is both in the environment and in the config file, which wins?',
  why: () =>
    'Users debug surprising settings by this order; it must be documented and tested. The usual order lets CI override a file without editing it.',
  assumption: (ctx) =>
    isCli(ctx)
      ? `flags > environment variables (\`${ctx.stack.appName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_*\`) > config file > built-in defaults`
      : 'environment variables > config file > built-in defaults',
};

const location: Topic = {
  id: 'location',
  label: 'File location',
  key: true,
  choices: [
    {
      value: 'both',
      short: 'User file + project file',
      option: (ctx) => `Both: \`./.${ctx.stack.appName}.yaml\` overrides the user file`,
      match: /\bboth\b|project[- ]local overrides?|\bmerge(d)?\b/,
    },
    {
      value: 'xdg',
      short: 'User config directory (XDG)',
      option: (ctx) => `\`$XDG_CONFIG_HOME/${ctx.stack.appName}/\` (usually ~/.config/${ctx.stack.appName}/)`,
      match: /\bxdg\b|~\/\.config|\bhome dir(ectory)?\b|\buser config\b/,
    },
    {
      value: 'cwd',
      short: 'Current directory',
      option: (ctx) => `\`./.${ctx.stack.appName}.yaml\` in the working directory`,
      match:
        /\bcurrent (working )?directory\b|\bworking directory\b|\bcwd\b|\.\/\.|\bproject root\b|\brepo root\b/,
    },
    {
      value: 'flag',
      short: 'Only the --config path',
      option: () => 'Only where `--config <path>` points',
      match: /\bonly (via |with |where )?--config\b|\bexplicit path only\b/,
    },
  ],
  fallback: () => ['xdg'],
  applies: (ctx) => isCli(ctx),
  question: (ctx) =>
    `Where should ${ctx.stack.appName} look for the file when no \`--config\` flag is given?`,
  why: () =>
    'Search paths decide what “it works on my machine” means: a user-level file follows the person, a project file follows the repository, and both need a merge rule.',
  assumption: (ctx) =>
    `\`$XDG_CONFIG_HOME/${ctx.stack.appName}/config.<ext>\` (falling back to ~/.config/…, %AppData% on Windows), or the path given with \`--config\``,
};

const loader: Topic = {
  id: 'loader',
  label: 'Loader',
  choices: [
    {
      value: 'own',
      short: 'Small loader of our own',
      option: () => 'A small loader of our own (one parser dependency)',
      match: /\b(own|small|custom|hand[- ]written) loader\b|\bno viper\b|\bwithout viper\b/,
    },
    {
      value: 'viper',
      short: 'spf13/viper',
      option: () => 'spf13/viper (binds flags, env and file; a large dependency tree)',
      match: /\bviper\b/,
    },
  ],
  fallback: () => ['own'],
  applies: (ctx) => ctx.stack.language === 'go' && ctx.stack.cli === 'cobra' && !hasViper(ctx),
  question: () => 'The CLI uses cobra without viper. Add viper for config binding, or write a small loader?',
  why: () =>
    'viper handles flag/env/file binding but pulls in many dependencies and lower-cases keys; a small loader is ~150 lines and fully under our control.',
  assumption: () => 'a small loader of our own on top of cobra’s flags; no viper',
};

const unknownKeys: Topic = {
  id: 'unknown-keys',
  label: 'Unknown keys',
  choices: [
    {
      value: 'error',
      short: 'Error on unknown keys',
      option: () => 'Error (catches typos like `timout:`)',
      match: /\b(strict|error on unknown|reject unknown|fail on unknown)\b/,
    },
    {
      value: 'warn',
      short: 'Warn and ignore unknown keys',
      option: () => 'Warn and ignore (forward compatible)',
      match: /\b(warn|ignore) (on )?unknown\b|\blenient\b/,
    },
  ],
  fallback: () => ['error'],
  question: () => 'What should happen with unknown keys in the file?',
  why: () =>
    'Strict parsing turns typos into clear errors; lenient parsing lets an older binary read a newer file.',
  assumption: () => 'unknown keys are an error that names the key and the file',
};

const initCommand: Topic = {
  id: 'init',
  label: 'Starter file',
  subject: /\bconfig init\b|\binit command\b/,
  choices: [
    {
      value: 'yes',
      short: 'A `config init` command',
      option: () => 'Yes: `config init` writes a commented default file',
      match: /\bconfig init\b|\binit command\b|\bgenerate (a )?(default|sample) (config|file)\b/,
    },
    {
      value: 'no',
      short: 'No init command',
      option: () => 'No: the README shows an example file',
      match: /\bno init\b/,
      off: true,
    },
  ],
  fallback: () => ['no'],
  applies: (ctx) => isCli(ctx),
  question: (ctx) => `Should \`${ctx.stack.appName} config init\` write a commented default file?`,
  why: () => 'A generated file documents every key with its default; without it the README must.',
  assumption: () => 'no init command; the README shows a complete example file',
};

function envPrefix(ctx: PlanContext): string {
  return `${ctx.stack.appName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

function formatOf(ctx: SpecContext): string {
  return ctx.d.value('format') ?? 'yaml';
}

function searchPaths(ctx: SpecContext): string {
  const app = ctx.stack.appName;
  const file = fileName(formatOf(ctx));
  const ext = EXT[formatOf(ctx)] ?? 'yaml';
  switch (ctx.d.value('location')) {
    case 'cwd':
      return `\`./.${app}.${ext}\``;
    case 'both':
      return `\`$XDG_CONFIG_HOME/${app}/${file}\`, then \`./.${app}.${ext}\` (the project file overrides the user file key by key)`;
    case 'flag':
      return 'only the path given with `--config`';
    default:
      return `\`$XDG_CONFIG_HOME/${app}/${file}\` (default \`~/.config/${app}/${file}\`)`;
  }
}

function precedenceText(ctx: SpecContext): string {
  const cli = isCli(ctx);
  switch (ctx.d.value('precedence')) {
    case 'flags-file-env':
      return cli ? 'flags > config file > environment > defaults' : 'config file > environment > defaults';
    case 'file-only':
      return cli
        ? 'flags > config file > defaults (environment variables are not read)'
        : 'config file > defaults';
    default:
      return cli
        ? `flags > environment (\`${envPrefix(ctx)}*\`) > config file > defaults`
        : `environment (\`${envPrefix(ctx)}*\`) > config file > defaults`;
  }
}

export const configurationTemplate: FeatureTemplate = {
  id: 'configuration',
  featureType: 'general',
  label: 'Configuration',
  defaultSubject: 'config',
  subject: () => 'config',
  topics: [format, precedence, location, loader, unknownKeys, initCommand],
  coreStep: 'config-loader',
  docsStep: 'config-docs',
  complexity: (ctx) => {
    let level = 0;
    if (ctx.d.has('location', 'both')) level += 1;
    if (!ctx.d.has('precedence', 'file-only')) level += 1;
    if (ctx.stack.fileCount > 1500) level += 1;
    return level;
  },
  goals: (ctx) => {
    const f = formatOf(ctx).toUpperCase();
    const goals = [
      `${isCli(ctx) ? 'Users' : 'Operators'} can put settings in a ${f} file instead of repeating ${isCli(ctx) ? 'flags' : 'environment variables'}.`,
      `Settings resolve in one documented order: ${precedenceText(ctx)}.`,
      'A broken or invalid file fails fast with the file, line and key in the message.',
    ];
    if (isCli(ctx)) goals.push(`The file is found at ${searchPaths(ctx)}; \`--config <path>\` always wins.`);
    if (ctx.d.on('init'))
      goals.push(`\`${ctx.stack.appName} config init\` writes a commented file with every default.`);
    return goals;
  },
  architecture: (ctx) => {
    const f = formatOf(ctx);
    const lines = [
      `${code(ctx.layout.configModule)}: one typed settings structure with defaults, a \`Load(path)\` that reads the ${f.toUpperCase()} file with ${ctx.d.has('loader', 'viper') ? 'spf13/viper' : parserFor(ctx, f)}, overlays ${ctx.d.has('precedence', 'file-only') ? 'nothing else' : `environment variables (\`${envPrefix(ctx)}SECTION_KEY\`)`}${isCli(ctx) ? ' and explicitly set flags' : ''}, then validates.`,
    ];
    if (isCli(ctx)) {
      lines.push(
        ctx.stack.cli === 'cobra'
          ? `${code('cmd/root.go')}: a persistent \`--config\` flag; \`PersistentPreRunE\` loads the config once and only flags the user actually set (\`cmd.Flags().Changed\`) override it.`
          : `The CLI entry point (${ctx.stack.cliName}): a global \`--config\` flag; only flags the user actually set override the file.`,
        `File discovery: ${searchPaths(ctx)}. A missing file at a default location is fine (defaults apply); a missing file named by \`--config\` is an error.`,
      );
    } else {
      lines.push(
        'The service reads the file once at start-up; the path comes from an environment variable with a sensible default.',
      );
    }
    lines.push(
      `Tests in ${code(ctx.layout.test({ ...ctx.names, snake: 'config', slug: 'config' }))} with fixture files under \`testdata/\`.`,
    );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'No file anywhere: the program behaves exactly as today (defaults), with no warning.',
      'Malformed file: the error names the file and line; the program exits non-zero before doing any work.',
      ctx.d.has('unknown-keys', 'warn')
        ? 'Unknown keys are reported once as a warning and otherwise ignored.'
        : 'Unknown keys are an error naming the key (catches typos such as `timout`).',
      'An empty value in the file (`key: ""`) is different from an absent key and must not be replaced by the default silently.',
      'Relative paths inside the file are resolved against the file’s directory, not the working directory.',
      'Secrets (tokens, passwords) in the file: warn when the file is readable by other users.',
    ];
    if (!ctx.d.has('precedence', 'file-only')) {
      cases.push(
        `Environment variables are strings: \`${envPrefix(ctx)}TIMEOUT=5s\` and booleans like \`false\`/\`0\` need explicit parsing.`,
      );
    }
    if (isCli(ctx)) cases.push('A flag left at its default value must not override a value from the file.');
    if (ctx.d.has('location', 'both'))
      cases.push('Merging user and project files is per key; lists are replaced, not concatenated.');
    return cases;
  },
  acceptance: (ctx) => {
    const app = ctx.stack.appName;
    const criteria = [
      gwt(
        `a ${formatOf(ctx).toUpperCase()} file that sets \`timeout\``,
        `${app} runs without flags`,
        'the value from the file is used',
      ),
    ];
    if (!ctx.d.has('precedence', 'file-only')) {
      criteria.push(
        gwt(
          `the file and \`${envPrefix(ctx)}TIMEOUT\` both set a value`,
          `${app} runs`,
          `the ${ctx.d.has('precedence', 'flags-file-env') ? 'file' : 'environment'} value wins`,
        ),
      );
    }
    if (isCli(ctx)) {
      criteria.push(
        gwt('a value in the file and the same flag on the command line', `${app} runs`, 'the flag wins'),
        gwt(
          '`--config missing.yaml`',
          `${app} runs`,
          'it exits non-zero with “config file not found: missing.yaml”',
        ),
      );
    }
    criteria.push(
      gwt(
        'a file with a syntax error on line 3',
        `${app} starts`,
        'the error message contains the path and “line 3”',
      ),
      testedBy(ctx, 'defaults, each precedence level and every error message, with fixture files'),
    );
    return criteria;
  },
  steps: (ctx) => {
    const f = formatOf(ctx).toUpperCase();
    const steps: Step[] = [
      {
        key: 'config-schema',
        title: 'Settings structure with defaults and validation',
        description: `Define every setting once in ${code(ctx.layout.configModule)} with its default and validation rules; the program reads settings only through it.`,
        acceptance: [
          'Running with no file and no flags behaves exactly as before.',
          testedBy(ctx, 'defaults and each validation error'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
      {
        key: 'config-loader',
        title: `Read the ${f} config file`,
        description: `Find the file (${isCli(ctx) ? `search order: ${searchPaths(ctx)}` : 'path from the environment'}) and parse it with ${ctx.d.has('loader', 'viper') ? 'viper' : parserFor(ctx, formatOf(ctx))}; ${ctx.d.has('unknown-keys', 'warn') ? 'warn on' : 'reject'} unknown keys; errors carry file and line.`,
        acceptance: [
          gwt('a valid file', 'it is loaded', 'every key lands in the settings structure'),
          gwt(
            'a file with an unknown key',
            'it is loaded',
            ctx.d.has('unknown-keys', 'warn') ? 'a warning names the key' : 'loading fails and names the key',
          ),
          testedBy(ctx, 'discovery order and parse errors with fixture files'),
        ],
        size: 'M',
        dependsOn: ['config-schema'],
        priority: 1,
      },
    ];
    steps.push({
      key: 'config-precedence',
      title: `Apply precedence: ${precedenceText(ctx)}`,
      description: `Overlay ${ctx.d.has('precedence', 'file-only') ? '' : `environment variables (\`${envPrefix(ctx)}*\`) and `}explicitly set flags on top of the file, in the agreed order.`,
      acceptance: [
        `Every pair of sources has a test showing which wins (${precedenceText(ctx)}).`,
        testedBy(ctx, 'that default-valued flags never override the file'),
      ],
      size: 'M',
      dependsOn: ['config-loader'],
      priority: 1,
    });
    if (isCli(ctx)) {
      steps.push({
        key: 'cli-config-flag',
        title: 'Wire `--config` into the CLI',
        description: `${ctx.stack.cli === 'cobra' ? 'Persistent `--config` flag on the root command, loaded in `PersistentPreRunE`' : `Global \`--config\` flag in the ${ctx.stack.cliName} entry point`}; every command reads settings from the loaded config.`,
        acceptance: [
          gwt('`--config ./custom.yaml`', 'any command runs', 'that file is used and no other is read'),
          testedBy(ctx, 'the flag on two different commands'),
        ],
        size: 'S',
        dependsOn: ['config-precedence'],
        priority: 1,
      });
    }
    if (ctx.d.on('init')) {
      steps.push({
        key: 'config-init',
        title: '`config init` writes a commented default file',
        description: `New command that writes every key with its default and a comment to the default location, refusing to overwrite an existing file without \`--force\`.`,
        acceptance: [
          gwt(
            'an existing config file',
            '`config init` runs without --force',
            'the file is unchanged and the command exits non-zero',
          ),
          testedBy(ctx, 'that the generated file loads back to the defaults'),
        ],
        size: 'S',
        dependsOn: ['cli-config-flag'],
        priority: 3,
      });
    }
    steps.push({
      key: 'config-docs',
      title: 'Document the config file',
      description: `In ${code(ctx.layout.docs)}: an example ${f} file with every key, where it is looked for, and the precedence order.`,
      acceptance: ['The README example file loads without errors (checked by a test).'],
      size: 'S',
      dependsOn: ['cli-config-flag', 'config-precedence'],
      priority: 3,
    });
    return steps;
  },
};
