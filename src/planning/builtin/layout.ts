import type { StackProfile } from './stack.ts';
import { camelCase, pascalCase, plural, singular, slugify, snakeCase } from './text.ts';

/**
 * Where new code goes in a repository of a given stack: the conventions of each framework
 * (Express routes, Django apps, Spring packages, Go internal packages, Next.js app router…),
 * so the spec and subtasks name real paths instead of "the backend".
 */

export interface Names {
  /** kebab-case, e.g. "order-item" */
  slug: string;
  /** human, singular, e.g. "order item" */
  one: string;
  /** human, plural, e.g. "order items" */
  many: string;
  pascal: string;
  camel: string;
  snake: string;
}

export function namesFor(subject: string): Names {
  const words = subject.toLowerCase().trim().split(/\s+/).filter(Boolean);
  const last = words.pop() ?? 'item';
  const one = [...words, singular(last)].join(' ');
  const many = [...words, plural(singular(last))].join(' ');
  return {
    slug: slugify(one),
    one,
    many,
    pascal: pascalCase(one),
    camel: camelCase(one),
    snake: snakeCase(one),
  };
}

export interface Layout {
  /** HTTP entry point for the feature (route/controller/handler file). Null when the repo serves no HTTP. */
  httpEntry(n: Names): string | null;
  /** Where HTTP routes are registered, when that is a separate file. */
  routeRegistry: string | null;
  /** Business logic module. */
  service(n: Names): string;
  /** Another file inside the feature's module, e.g. part(payment, 'stripe') → src/payment/stripe.ts. */
  part(n: Names, part: string): string;
  /** Where the data model is declared. */
  model(n: Names): string | null;
  /** The migration artifact, with the command that creates it. */
  migration(n: Names): string | null;
  /** Test file for a module. */
  test(n: Names): string;
  /** The page/screen, when the repo has a UI. */
  uiPage(n: Names): string | null;
  /** A reusable UI component directory/file. */
  uiComponent(n: Names, role: string): string | null;
  /** The client-side API wrapper, for SPAs that call the backend. */
  apiClient(n: Names): string | null;
  /** A CLI command file, for CLI tools. */
  cliCommand(n: Names): string | null;
  /** Configuration module. */
  configModule: string;
  /** Background job/worker module. */
  job(n: Names): string;
  /** User-facing documentation to update. */
  docs: string;
}

function tsLayout(stack: StackProfile): Layout {
  const root = stack.serverRoot;
  const ext = stack.ext;
  const ui = uiLayout(stack);
  const model = (n: Names): string | null => {
    switch (stack.orm) {
      case 'prisma':
        return `${root}prisma/schema.prisma (model ${n.pascal})`;
      case 'drizzle':
        return `${root}src/db/schema.${ext} (table ${n.camel}s)`;
      case 'typeorm':
        return `${root}src/entities/${n.pascal}.${ext}`;
      case 'sequelize':
      case 'mongoose':
        return `${root}src/models/${n.camel}.${ext}`;
      case 'knex':
        return `${root}src/db/${n.camel}Repository.${ext}`;
      default:
        return stack.hasDatabase ? `${root}src/db/${n.camel}.${ext}` : null;
    }
  };
  const migration = (n: Names): string | null => {
    switch (stack.orm) {
      case 'prisma':
        return `a Prisma migration (\`npx prisma migrate dev --name add_${n.snake}\`)`;
      case 'drizzle':
        return `a drizzle-kit migration (\`npx drizzle-kit generate\`) under ${root}drizzle/`;
      case 'typeorm':
        return `a TypeORM migration in ${root}src/migrations/`;
      case 'sequelize':
        return `a sequelize-cli migration in ${root}migrations/`;
      case 'knex':
        return `a Knex migration (\`npx knex migrate:make add_${n.snake}\`)`;
      case 'mongoose':
        return `a one-off backfill script in ${root}scripts/ (MongoDB has no schema migration)`;
      default:
        return stack.hasDatabase ? `a SQL migration in ${root}migrations/` : null;
    }
  };
  if (stack.backend === 'nextjs') {
    const app = ui.appDir;
    // Next.js projects keep shared server code in lib/ (or src/lib/ with a src/ directory).
    const lib =
      app.startsWith('src/') || stack.featureDirs.some((d) => d.startsWith('src/')) ? 'src/lib/' : 'lib/';
    return {
      httpEntry: (n) => `${app}api/${n.slug}/route.${ext}`,
      routeRegistry: null,
      service: (n) => `${stack.clientRoot}${lib}${n.slug}/service.${ext}`,
      part: (n, part) => `${stack.clientRoot}${lib}${n.slug}/${slugify(part)}.${ext}`,
      model,
      migration,
      test: (n) => `${stack.clientRoot}${lib}${n.slug}/service.test.${ext}`,
      uiPage: (n) => `${app}${n.slug}/page.${ext}x`,
      uiComponent: (n, role) => ui.component(n, role),
      apiClient: () => null,
      cliCommand: () => null,
      configModule: `${stack.clientRoot}${lib}config.${ext}`,
      job: (n) => `${stack.clientRoot}${lib}jobs/${n.camel}.${ext}`,
      docs: 'README.md',
    };
  }
  if (stack.backend === 'nestjs') {
    return {
      httpEntry: (n) => `${root}src/${n.slug}/${n.slug}.controller.${ext}`,
      routeRegistry: `${root}src/app.module.${ext}`,
      service: (n) => `${root}src/${n.slug}/${n.slug}.service.${ext}`,
      part: (n, part) => `${root}src/${n.slug}/${slugify(part)}.${ext}`,
      model: (n) => model(n) ?? `${root}src/${n.slug}/${n.slug}.entity.${ext}`,
      migration,
      test: (n) => `${root}src/${n.slug}/${n.slug}.service.spec.${ext}`,
      uiPage: (n) => ui.page(n),
      uiComponent: (n, role) => ui.component(n, role),
      apiClient: (n) => ui.client(n),
      cliCommand: () => null,
      configModule: `${root}src/config/configuration.${ext}`,
      job: (n) => `${root}src/${n.slug}/${n.slug}.processor.${ext}`,
      docs: 'README.md',
    };
  }
  const cli = stack.cli && !stack.backend;
  const folders = stack.featureFolders;
  return {
    httpEntry: (n) =>
      stack.backend
        ? folders
          ? `${root}src/${n.slug}/${n.slug}.routes.${ext}`
          : `${root}src/routes/${stack.layered ? slugify(n.many) : n.slug}.${ext}`
        : null,
    routeRegistry: stack.backend ? `${root}src/app.${ext}` : null,
    service: (n) =>
      folders
        ? `${root}src/${n.slug}/${n.slug}.service.${ext}`
        : stack.layered
          ? `${root}src/services/${n.slug}.${ext}`
          : `${root}src/${n.slug}/service.${ext}`,
    part: (n, part) =>
      stack.layered && !folders
        ? `${root}src/services/${n.slug}-${slugify(part)}.${ext}`
        : `${root}src/${n.slug}/${slugify(part)}.${ext}`,
    model,
    migration,
    test: (n) =>
      stack.testDir ? `${root}${stack.testDir}${n.slug}.test.${ext}` : `${root}src/${n.slug}.test.${ext}`,
    uiPage: (n) => ui.page(n),
    uiComponent: (n, role) => ui.component(n, role),
    apiClient: (n) => ui.client(n),
    cliCommand: (n) => (cli ? `src/commands/${n.slug}.${ext}` : null),
    configModule: `${root}src/config.${ext}`,
    job: (n) => `${root}src/jobs/${n.slug}.${ext}`,
    docs: 'README.md',
  };
}

interface UiPaths {
  appDir: string;
  page(n: Names): string | null;
  component(n: Names, role: string): string | null;
  client(n: Names): string | null;
}

function uiLayout(stack: StackProfile): UiPaths {
  const base = stack.uiBase;
  const ext = stack.language === 'javascript' ? 'js' : 'ts';
  switch (stack.frontend) {
    case 'nextjs': {
      const app = stack.nextAppDir;
      return {
        appDir: app,
        page: (n) => `${app}${n.slug}/page.${ext}x`,
        component: (n, role) =>
          `${stack.clientRoot}${app.startsWith('src/') ? 'src/' : ''}components/${n.pascal}${pascalCase(role)}.${ext}x`,
        client: () => null,
      };
    }
    case 'react':
      return {
        appDir: base,
        page: (n) => `${base}pages/${n.pascal}Page.${ext}x`,
        component: (n, role) => `${base}components/${n.pascal}${pascalCase(role)}.${ext}x`,
        client: (n) => `${base}api/${n.camel}.${ext}`,
      };
    case 'vue':
      return {
        appDir: base,
        page: (n) => `${base}views/${n.pascal}View.vue`,
        component: (n, role) => `${base}components/${n.pascal}${pascalCase(role)}.vue`,
        client: (n) => `${base}api/${n.camel}.${ext}`,
      };
    case 'svelte':
      return {
        appDir: base,
        page: (n) => `${base}routes/${n.slug}/+page.svelte`,
        component: (n, role) => `${base}lib/components/${n.pascal}${pascalCase(role)}.svelte`,
        client: (n) => `${base}lib/api/${n.camel}.${ext}`,
      };
    case 'angular':
      return {
        appDir: `${base}app/`,
        page: (n) => `${base}app/${n.slug}/${n.slug}.component.ts`,
        component: (n, role) => `${base}app/${n.slug}/${slugify(role)}/${slugify(role)}.component.ts`,
        client: (n) => `${base}app/${n.slug}/${n.slug}.service.ts`,
      };
    default:
      return { appDir: '', page: () => null, component: () => null, client: () => null };
  }
}

function djangoLayout(stack: StackProfile): Layout {
  // Reuse an existing Django app when the relevant files point at one; otherwise a new app.
  const app = (n: Names) => {
    const existing = stack.featureDirs.find(
      (d) => d.replace(/\/$/, '') === n.snake || d.startsWith(`${n.snake}`),
    );
    return existing ? existing.replace(/\/$/, '') : plural(n.snake);
  };
  return {
    httpEntry: (n) => `${app(n)}/views.py (+ ${app(n)}/urls.py)`,
    routeRegistry: `${stack.appName}/urls.py`,
    service: (n) => `${app(n)}/services.py`,
    part: (n, part) => `${app(n)}/${snakeCase(part)}.py`,
    model: (n) => `${app(n)}/models.py (class ${n.pascal})`,
    migration: (n) => `a Django migration (\`python manage.py makemigrations ${app(n)}\`)`,
    test: (n) => `${app(n)}/tests/test_${n.snake}.py`,
    uiPage: (n) => `${app(n)}/templates/${app(n)}/${n.snake}_list.html`,
    uiComponent: (n, role) => `${app(n)}/templates/${app(n)}/_${n.snake}_${snakeCase(role)}.html`,
    apiClient: () => null,
    cliCommand: (n) => `${app(n)}/management/commands/${n.snake}.py`,
    configModule: `${stack.appName}/settings.py`,
    job: (n) =>
      stack.jobRunner === 'Celery' ? `${app(n)}/tasks.py` : `${app(n)}/management/commands/${n.snake}.py`,
    docs: 'README.md',
  };
}

function pythonLayout(stack: StackProfile): Layout {
  const pkg = 'app';
  const fastapi = stack.backend === 'fastapi';
  return {
    httpEntry: (n) =>
      stack.backend ? (fastapi ? `${pkg}/routers/${n.snake}.py` : `${pkg}/blueprints/${n.snake}.py`) : null,
    routeRegistry: stack.backend ? `${pkg}/main.py` : null,
    service: (n) => `${stack.backend ? pkg : snakeCase(stack.appName)}/${n.snake}/service.py`,
    part: (n, part) => `${stack.backend ? pkg : snakeCase(stack.appName)}/${n.snake}/${snakeCase(part)}.py`,
    model: (n) => (stack.hasDatabase ? `${pkg}/models/${n.snake}.py (SQLAlchemy model ${n.pascal})` : null),
    migration: (n) =>
      stack.hasDatabase
        ? `an Alembic revision (\`alembic revision --autogenerate -m "add ${n.snake}"\`)`
        : null,
    test: (n) => `tests/test_${n.snake}.py`,
    uiPage: (n) => (stack.frontend ? `${pkg}/templates/${n.snake}.html` : null),
    uiComponent: () => null,
    apiClient: () => null,
    cliCommand: (n) => (stack.cli ? `${snakeCase(stack.appName)}/cli/${n.snake}.py` : null),
    configModule: stack.backend ? `${pkg}/config.py` : `${snakeCase(stack.appName)}/config.py`,
    job: (n) => (stack.jobRunner === 'Celery' ? `${pkg}/tasks/${n.snake}.py` : `${pkg}/jobs/${n.snake}.py`),
    docs: 'README.md',
  };
}

function goLayout(stack: StackProfile): Layout {
  const pkg = (n: Names) => `internal/${n.snake.replace(/_/g, '')}`;
  return {
    httpEntry: (n) => (stack.backend ? `${pkg(n)}/handler.go` : null),
    routeRegistry: stack.backend ? 'internal/server/routes.go' : null,
    service: (n) => `${pkg(n)}/${n.snake}.go`,
    part: (n, part) => `${pkg(n)}/${snakeCase(part)}.go`,
    model: (n) => (stack.hasDatabase ? `${pkg(n)}/store.go (${n.pascal} repository)` : null),
    migration: (n) =>
      stack.hasDatabase
        ? `a ${stack.migrationTool ?? 'goose/migrate'} migration in migrations/ (\`NNNN_add_${n.snake}.sql\`)`
        : null,
    test: (n) => `${pkg(n)}/${n.snake}_test.go`,
    uiPage: () => null,
    uiComponent: () => null,
    apiClient: () => null,
    cliCommand: (n) => (stack.cli ? `cmd/${n.slug}.go` : null),
    configModule: 'internal/config/config.go',
    job: (n) => `${pkg(n)}/worker.go`,
    docs: 'README.md',
  };
}

function rustLayout(stack: StackProfile): Layout {
  return {
    httpEntry: (n) => (stack.backend ? `src/routes/${n.snake}.rs` : null),
    routeRegistry: stack.backend ? 'src/routes/mod.rs' : null,
    service: (n) => `src/${n.snake}/mod.rs`,
    part: (n, part) => `src/${n.snake}/${snakeCase(part)}.rs`,
    model: (n) => (stack.hasDatabase ? `src/db/${n.snake}.rs` : null),
    migration: (n) =>
      stack.hasDatabase
        ? stack.orm === 'diesel'
          ? `a Diesel migration (\`diesel migration generate add_${n.snake}\`)`
          : `a ${stack.migrationTool ?? 'sqlx'} migration (\`sqlx migrate add add_${n.snake}\`)`
        : null,
    test: (n) => `tests/${n.snake}.rs`,
    uiPage: () => null,
    uiComponent: () => null,
    apiClient: () => null,
    cliCommand: (n) => (stack.cli ? `src/cli/${n.snake}.rs` : null),
    configModule: 'src/config.rs',
    job: (n) => `src/jobs/${n.snake}.rs`,
    docs: 'README.md',
  };
}

function springLayout(stack: StackProfile): Layout {
  const kotlin = stack.language === 'kotlin';
  const ext = kotlin ? 'kt' : 'java';
  const base = `src/main/${kotlin ? 'kotlin' : 'java'}/${stack.javaPackage ?? 'com/example/app'}`;
  const testBase = `src/test/${kotlin ? 'kotlin' : 'java'}/${stack.javaPackage ?? 'com/example/app'}`;
  const pkg = (n: Names) => `${base}/${n.snake.replace(/_/g, '')}`;
  return {
    httpEntry: (n) => `${pkg(n)}/${n.pascal}Controller.${ext}`,
    routeRegistry: null,
    service: (n) => `${pkg(n)}/${n.pascal}Service.${ext}`,
    part: (n, part) => `${pkg(n)}/${pascalCase(part)}.${ext}`,
    model: (n) =>
      stack.hasDatabase ? `${pkg(n)}/${n.pascal}.${ext} (entity) + ${n.pascal}Repository.${ext}` : null,
    migration: (n) =>
      stack.hasDatabase
        ? stack.migrationTool === 'Liquibase'
          ? `a Liquibase changeset in src/main/resources/db/changelog/`
          : `a Flyway migration \`src/main/resources/db/migration/V<next>__add_${n.snake}.sql\``
        : null,
    test: (n) => `${testBase}/${n.snake.replace(/_/g, '')}/${n.pascal}ServiceTest.${ext}`,
    uiPage: (n) => (stack.frontend === 'templates' ? `src/main/resources/templates/${n.slug}.html` : null),
    uiComponent: () => null,
    apiClient: () => null,
    cliCommand: () => null,
    configModule: 'src/main/resources/application.yml',
    job: (n) => `${pkg(n)}/${n.pascal}Job.${ext}`,
    docs: 'README.md',
  };
}

function railsLayout(): Layout {
  return {
    httpEntry: (n) => `app/controllers/${plural(n.snake)}_controller.rb`,
    routeRegistry: 'config/routes.rb',
    service: (n) => `app/services/${n.snake}_service.rb`,
    part: (n, part) => `app/services/${n.snake}/${snakeCase(part)}.rb`,
    model: (n) => `app/models/${n.snake}.rb`,
    migration: (n) => `a Rails migration (\`bin/rails generate migration Add${n.pascal}\`)`,
    test: (n) => `spec/models/${n.snake}_spec.rb`,
    uiPage: (n) => `app/views/${plural(n.snake)}/index.html.erb`,
    uiComponent: (n, role) => `app/views/${plural(n.snake)}/_${snakeCase(role)}.html.erb`,
    apiClient: () => null,
    cliCommand: (n) => `lib/tasks/${n.snake}.rake`,
    configModule: 'config/application.rb',
    job: (n) => `app/jobs/${n.snake}_job.rb`,
    docs: 'README.md',
  };
}

function genericLayout(stack: StackProfile): Layout {
  const ext = stack.ext;
  return {
    httpEntry: (n) => (stack.backend ? `src/${n.slug}/handler.${ext}` : null),
    routeRegistry: null,
    service: (n) => `src/${n.slug}/${n.slug}.${ext}`,
    part: (n, part) => `src/${n.slug}/${slugify(part)}.${ext}`,
    model: (n) => (stack.hasDatabase ? `src/${n.slug}/model.${ext}` : null),
    migration: () => (stack.hasDatabase ? 'a schema migration with the project’s migration tool' : null),
    test: (n) => `tests/${n.slug}.test.${ext}`,
    uiPage: () => null,
    uiComponent: () => null,
    apiClient: () => null,
    cliCommand: () => null,
    configModule: `src/config.${ext}`,
    job: (n) => `src/${n.slug}/worker.${ext}`,
    docs: 'README.md',
  };
}

export function layoutFor(stack: StackProfile): Layout {
  if (stack.backend === 'django') return djangoLayout(stack);
  if (stack.backend === 'rails') return railsLayout();
  if (stack.backend === 'spring') return springLayout(stack);
  switch (stack.language) {
    case 'typescript':
    case 'javascript':
      return tsLayout(stack);
    case 'python':
      return pythonLayout(stack);
    case 'go':
      return goLayout(stack);
    case 'rust':
      return rustLayout(stack);
    case 'java':
    case 'kotlin':
      return springLayout(stack);
    case 'ruby':
      return railsLayout();
    default:
      return genericLayout(stack);
  }
}
