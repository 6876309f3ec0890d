import { describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';

function build(
  files: Record<string, string> | null,
  options: ConstructorParameters<typeof FakeRepoReader>[1] = {},
) {
  const reader = new FakeRepoReader(files, options);
  return { reader, context: buildRepoContext(reader, { repo: 'acme/app', issueText: 'improve things' }) };
}

describe('stack detection per ecosystem', () => {
  it('detects a TypeScript shop with Express, React, Prisma, Vitest and pnpm', async () => {
    const { context } = build(
      {
        'package.json': JSON.stringify({
          name: 'shop',
          scripts: { test: 'vitest run' },
          dependencies: {
            express: '^4.19.2',
            react: '^18.3.1',
            'react-dom': '^18.3.1',
            '@prisma/client': '^5.14.0',
          },
          devDependencies: { vitest: '^1.6.0', typescript: '^5.4.5', prisma: '^5.14.0' },
        }),
        'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
        'src/server.ts': "import express from 'express';\n",
        'src/checkout/cart.ts': 'export const cart = [];\n',
        'src/web/App.tsx': 'export function App() { return null; }\n',
        'src/web/styles.css': 'body { margin: 0 }\n',
        'prisma/schema.prisma': 'model Order { id Int @id }\n',
        Dockerfile: 'FROM node:20\n',
        '.gitea/workflows/ci.yml': 'on: push\n',
        'README.md': '# Shop\n\nAn online shop for acme widgets, with a cart and checkout.\n',
      },
      { description: 'Acme web shop' },
    );
    const ctx = await context;
    expect(ctx.languages[0]).toBe('TypeScript');
    expect(ctx.languages).toContain('CSS');
    expect(ctx.frameworks).toEqual(expect.arrayContaining(['Express', 'React', 'Prisma']));
    expect(ctx.testTools).toContain('Vitest');
    expect(ctx.packageManager).toBe('pnpm');
    expect(ctx.manifests).toEqual(
      expect.arrayContaining([
        { path: 'package.json', kind: 'npm' },
        { path: 'Dockerfile', kind: 'docker' },
        { path: '.gitea/workflows/ci.yml', kind: 'gitea-actions' },
      ]),
    );
    expect(ctx.dependencies).toContain('express ^4.19.2');
    // Runtime dependencies are listed before development ones.
    expect(ctx.dependencies.indexOf('express ^4.19.2')).toBeLessThan(
      ctx.dependencies.indexOf('vitest ^1.6.0'),
    );
    expect(ctx.description).toBe('Acme web shop');
    expect(ctx.stackSummary).toBe(
      'TypeScript, CSS · Express, React, Prisma · Vitest · pnpm · Docker, Gitea Actions',
    );
    expect(ctx.topLevel).toEqual([
      '.gitea/',
      'prisma/',
      'src/',
      'Dockerfile',
      'README.md',
      'package.json',
      'pnpm-lock.yaml',
    ]);
    expect(ctx.fileCount).toBe(10);
    expect(ctx.truncated).toBe(false);
  });

  it('reads the package manager from the packageManager field and yarn or bun lock files', async () => {
    const corepack = await build({
      'package.json': '{"packageManager":"yarn@4.2.2","dependencies":{"next":"14.2.0"}}',
    }).context;
    expect(corepack.packageManager).toBe('yarn');
    expect(corepack.frameworks).toContain('Next.js');
    const bun = await build({ 'package.json': '{"dependencies":{"hono":"4"}}', 'bun.lockb': 'x' }).context;
    expect(bun.packageManager).toBe('bun');
    const plain = await build({
      'package.json': '{"dependencies":{"fastify":"4"},"devDependencies":{"jest":"29"}}',
    }).context;
    expect(plain.packageManager).toBe('npm');
    expect(plain.frameworks).toEqual(['Fastify']);
    expect(plain.testTools).toEqual(['Jest']);
  });

  it('detects a Go CLI built with cobra', async () => {
    const ctx = await build({
      'go.mod': [
        'module github.com/acme/tool',
        '',
        'go 1.22',
        '',
        'require (',
        '\tgithub.com/spf13/cobra v1.8.0',
        '\tgithub.com/stretchr/testify v1.9.0',
        '\tgithub.com/inconshreveable/mousetrap v1.1.0 // indirect',
        ')',
      ].join('\n'),
      'go.sum': 'github.com/spf13/cobra v1.8.0 h1:x\n',
      'main.go': 'package main\n',
      'cmd/root.go': 'package cmd\n',
      'cmd/root_test.go': 'package cmd\n',
    }).context;
    expect(ctx.languages).toEqual(['Go']);
    expect(ctx.frameworks).toEqual(['Cobra']);
    expect(ctx.testTools).toEqual(['go test', 'testify']);
    expect(ctx.packageManager).toBe('go modules');
    expect(ctx.dependencies).toEqual(['github.com/spf13/cobra v1.8.0', 'github.com/stretchr/testify v1.9.0']);
    expect(ctx.stackSummary).toBe('Go · Cobra · go test, testify · go modules');
  });

  it('detects Django with pytest from requirements files and conftest.py', async () => {
    const ctx = await build({
      'requirements.txt': [
        '# web',
        'Django>=4.2,<5.0',
        'djangorestframework==3.15.1',
        'celery[redis]>=5.3 ; python_version >= "3.10"',
        '-r requirements-base.txt',
      ].join('\n'),
      'requirements-dev.txt': 'pytest==8.2.0\npytest-django==4.8.0\n',
      'manage.py': 'import django\n',
      'shop/models.py': 'from django.db import models\n',
      'shop/tests/conftest.py': 'import pytest\n',
    }).context;
    expect(ctx.languages).toEqual(['Python']);
    expect(ctx.frameworks).toEqual(['Django', 'Django REST framework', 'Celery']);
    expect(ctx.testTools).toEqual(['pytest']);
    expect(ctx.packageManager).toBe('pip');
    expect(ctx.dependencies).toEqual([
      'django >=4.2,<5.0',
      'djangorestframework ==3.15.1',
      'celery >=5.3',
      'pytest ==8.2.0',
      'pytest-django ==4.8.0',
    ]);
  });

  it('detects FastAPI and SQLAlchemy from a Poetry pyproject.toml', async () => {
    const ctx = await build({
      'pyproject.toml': [
        '[tool.poetry]',
        'name = "api"',
        '',
        '[tool.poetry.dependencies]',
        'python = "^3.12"',
        'fastapi = "^0.111"',
        'SQLAlchemy = { version = "^2.0", extras = ["asyncio"] }',
        'alembic = "^1.13"',
        '',
        '[tool.poetry.group.dev.dependencies]',
        'pytest = "^8.2"',
        '',
        '[tool.pytest.ini_options]',
        'testpaths = [',
        '  "tests",',
        ']',
      ].join('\n'),
      'app/main.py': 'from fastapi import FastAPI\n',
    }).context;
    expect(ctx.frameworks).toEqual(['FastAPI', 'SQLAlchemy', 'Alembic']);
    expect(ctx.testTools).toEqual(['pytest']);
    expect(ctx.packageManager).toBe('Poetry');
    expect(ctx.dependencies).toContain('sqlalchemy ^2.0');
  });

  it('detects a Rust service on axum and tokio', async () => {
    const ctx = await build({
      'Cargo.toml': [
        '[package]',
        'name = "svc"',
        'version = "0.1.0"',
        '',
        '[dependencies]',
        'axum = "0.7"',
        'tokio = { version = "1.37", features = ["full"] }',
        'serde = { version = "1", features = ["derive"] }',
        '',
        '[dependencies.sqlx]',
        'version = "0.7"',
        'features = ["postgres"]',
        '',
        '[dev-dependencies]',
        'proptest = "1"',
      ].join('\n'),
      'Cargo.lock': '# generated\n',
      'src/main.rs': 'fn main() {}\n',
    }).context;
    expect(ctx.languages).toEqual(['Rust']);
    expect(ctx.frameworks).toEqual(['Axum', 'Tokio', 'Serde', 'SQLx']);
    expect(ctx.testTools).toEqual(['cargo test', 'proptest']);
    expect(ctx.packageManager).toBe('cargo');
    expect(ctx.dependencies).toEqual(['sqlx 0.7', 'axum 0.7', 'tokio 1.37', 'serde 1', 'proptest 1']);
  });

  it('detects Spring Boot with Hibernate and JUnit from a Maven pom', async () => {
    const ctx = await build({
      'pom.xml': `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.0</version>
  </parent>
  <!-- <dependency><groupId>org.testng</groupId><artifactId>testng</artifactId></dependency> -->
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-data-jpa</artifactId>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-test</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
`,
      'src/main/java/com/acme/App.java': 'class App {}\n',
      'src/test/java/com/acme/AppTest.java': 'class AppTest {}\n',
    }).context;
    expect(ctx.languages).toEqual(['Java']);
    expect(ctx.frameworks).toEqual(['Spring Boot', 'Spring Data JPA', 'Hibernate']);
    expect(ctx.testTools).toEqual(['JUnit', 'Mockito']);
    expect(ctx.testTools).not.toContain('TestNG');
    expect(ctx.packageManager).toBe('Maven');
  });

  it('detects Spring Boot and JUnit from a Gradle Kotlin build', async () => {
    const ctx = await build({
      'build.gradle.kts': [
        'plugins {',
        '  id("org.springframework.boot") version "3.3.0"',
        '  kotlin("jvm") version "1.9.24"',
        '}',
        'dependencies {',
        '  implementation("org.springframework.boot:spring-boot-starter-web")',
        '  testImplementation("io.mockk:mockk:1.13.11")',
        '}',
        'tasks.test { useJUnitPlatform() }',
      ].join('\n'),
      'src/main/kotlin/App.kt': 'fun main() {}\n',
    }).context;
    expect(ctx.languages).toEqual(['Kotlin']);
    expect(ctx.frameworks).toEqual(['Spring Boot']);
    expect(ctx.testTools).toEqual(['JUnit', 'MockK']);
    expect(ctx.packageManager).toBe('Gradle');
  });

  it('detects Rails with RSpec from a Gemfile', async () => {
    const ctx = await build({
      Gemfile: [
        "source 'https://rubygems.org'",
        "gem 'rails', '~> 7.1.3'",
        "gem 'pg'",
        'group :development, :test do',
        "  gem 'rspec-rails', '~> 6.1'",
        'end',
      ].join('\n'),
      'Gemfile.lock': 'GEM\n',
      'app/models/order.rb': 'class Order; end\n',
      'spec/models/order_spec.rb': 'describe Order do; end\n',
      '.rspec': '--require spec_helper\n',
    }).context;
    expect(ctx.languages).toEqual(['Ruby']);
    expect(ctx.frameworks).toEqual(['Rails']);
    expect(ctx.testTools).toEqual(['RSpec']);
    expect(ctx.packageManager).toBe('Bundler');
    expect(ctx.dependencies).toEqual(['rails ~> 7.1.3', 'pg', 'rspec-rails ~> 6.1']);
  });

  it('detects Laravel, ASP.NET Core and Phoenix projects', async () => {
    const laravel = await build({
      'composer.json': JSON.stringify({
        require: { php: '^8.2', 'laravel/framework': '^11.0' },
        'require-dev': { 'phpunit/phpunit': '^11.0' },
      }),
      'app/Models/User.php': '<?php\n',
    }).context;
    expect([laravel.frameworks, laravel.testTools, laravel.packageManager]).toEqual([
      ['Laravel'],
      ['PHPUnit'],
      'Composer',
    ]);

    const dotnet = await build({
      'src/Api/Api.csproj': `<Project Sdk="Microsoft.NET.Sdk.Web">
  <ItemGroup>
    <PackageReference Include="Microsoft.EntityFrameworkCore" Version="8.0.5" />
    <PackageReference Include="xunit" Version="2.8.0" />
  </ItemGroup>
</Project>`,
      'src/Api/Program.cs': 'var app = 1;\n',
    }).context;
    expect([dotnet.frameworks, dotnet.testTools, dotnet.packageManager]).toEqual([
      ['ASP.NET Core', 'Entity Framework Core'],
      ['xUnit'],
      'NuGet',
    ]);

    const phoenix = await build({
      'mix.exs': `defmodule Shop.MixProject do
  use Mix.Project
  def project, do: [app: :shop, deps: deps()]
  defp deps do
    [
      {:phoenix, "~> 1.7.12"},
      {:ecto_sql, "~> 3.11"},
      {:mox, "~> 1.1", only: :test}
    ]
  end
end
`,
      'lib/shop.ex': 'defmodule Shop do\nend\n',
    }).context;
    expect([phoenix.languages, phoenix.frameworks, phoenix.testTools, phoenix.packageManager]).toEqual([
      ['Elixir'],
      ['Phoenix', 'Ecto'],
      ['ExUnit', 'Mox'],
      'Mix',
    ]);
  });

  it('notes Helm charts, kustomize overlays, compose files and GitHub workflows as infrastructure', async () => {
    const ctx = await build({
      'go.mod': 'module x\n',
      'main.go': 'package main\n',
      'deploy/chart/Chart.yaml': 'name: x\n',
      'k8s/overlays/prod/kustomization.yaml': 'resources: []\n',
      'docker-compose.yml': 'services: {}\n',
      '.github/workflows/test.yaml': 'on: push\n',
    }).context;
    expect(ctx.manifests.filter((manifest) => manifest.kind !== 'go')).toEqual([
      { path: 'docker-compose.yml', kind: 'docker-compose' },
      { path: '.github/workflows/test.yaml', kind: 'github-actions' },
      { path: 'deploy/chart/Chart.yaml', kind: 'helm' },
      { path: 'k8s/overlays/prod/kustomization.yaml', kind: 'kustomize' },
    ]);
    expect(ctx.stackSummary).toContain('Docker Compose, GitHub Actions, Helm, Kustomize');
  });

  it('leads with the root manifest of the main language in a mixed repository', async () => {
    const ctx = await build({
      'go.mod': 'module github.com/acme/api\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n',
      'main.go': 'package main\n',
      'api/handlers.go': 'package api\n',
      'api/orders.go': 'package api\n',
      'web/package.json': '{"dependencies":{"vue":"^3.4.0"}}',
      'web/package-lock.json': '{}',
      'web/src/main.js': 'createApp()\n',
    }).context;
    expect(ctx.languages).toEqual(['Go', 'JavaScript']);
    expect(ctx.packageManager).toBe('go modules');
    expect(ctx.frameworks).toEqual(['chi', 'Vue']);
  });
});

describe('robustness', () => {
  it('records nothing for a malformed package.json and still reads the other manifests', async () => {
    const ctx = await build({
      'package.json': '{ "name": "shop", "dependencies": { "express": "^4" ',
      'services/billing/go.mod': 'module billing\n\nrequire github.com/gin-gonic/gin v1.10.0\n',
      'services/billing/main.go': 'package main\n',
      'src/index.ts': 'export {};\n',
    }).context;
    expect(ctx.frameworks).toEqual(['Gin']);
    expect(ctx.manifests).toEqual([{ path: 'services/billing/go.mod', kind: 'go' }]);
    expect(ctx.packageManager).toBe('go modules');
    expect(ctx.languages).toEqual(['Go', 'TypeScript']);
  });

  it.each([
    ['package.json that is an array', 'package.json', '[1, 2]'],
    [
      'Cargo.toml with an unclosed array',
      'Cargo.toml',
      '[package]\nname = "x"\n[dependencies]\nfoo = ["a",\n',
    ],
    ['go.mod without a module line', 'go.mod', 'this is not go.mod'],
    ['pom.xml cut short', 'pom.xml', '<project><dependencies><dependency><groupId>a'],
    ['pyproject.toml with garbage', 'pyproject.toml', '[project]\ndependencies = ["django"]\n%%% nonsense\n'],
    ['composer.json with bad JSON', 'composer.json', '{"require": '],
  ])('never throws for a %s', async (_label, path, text) => {
    const ctx = await build({ [path]: text, 'src/a.txt': 'x' }).context;
    expect(ctx.manifests).toEqual([]);
    expect(ctx.frameworks).toEqual([]);
    expect(ctx.dependencies).toEqual([]);
  });

  it('gives a valid empty context for an empty repository without asking for a branch head', async () => {
    const { reader, context } = build(null, { description: 'nothing yet' });
    const ctx = await context;
    expect(ctx).toEqual({
      repo: 'acme/app',
      defaultBranch: 'main',
      commitSha: '',
      description: 'nothing yet',
      languages: [],
      frameworks: [],
      testTools: [],
      manifests: [],
      dependencies: [],
      readmeSummary: '',
      topLevel: [],
      fileCount: 0,
      relevantFiles: [],
      stackSummary: 'empty repository',
      truncated: false,
    });
    expect(reader.callsTo('getBranchHead')).toEqual([]);
  });

  it('flags a tree that Gitea truncated', async () => {
    const ctx = await build({ 'main.go': 'package main\n', 'go.mod': 'module x\n' }, { truncated: true })
      .context;
    expect(ctx.truncated).toBe(true);
    expect(ctx.languages).toEqual(['Go']);
  });

  it('reads at most twelve manifests, root ones first, a few at a time', async () => {
    const files: Record<string, string> = { 'package.json': '{"dependencies":{"express":"4"}}' };
    for (let i = 0; i < 30; i++) files[`packages/p${String(i).padStart(2, '0')}/package.json`] = '{}';
    files['test/fixtures/sample/package.json'] = '{"dependencies":{"koa":"2"}}';
    const { reader, context } = build(files);
    const ctx = await context;
    const manifestReads = reader.callsTo('getFile').filter((call) => call.args[0]?.endsWith('package.json'));
    expect(manifestReads).toHaveLength(12);
    expect(manifestReads.map((call) => call.args[0])).toContain('package.json');
    // Fixtures come after the project's own manifests, so this one is never read.
    expect(ctx.frameworks).toEqual(['Express']);
    expect(reader.maxConcurrentReads).toBeGreaterThan(1);
    expect(reader.maxConcurrentReads).toBeLessThanOrEqual(4);
  });

  it('does not read a manifest or README larger than 200 KB', async () => {
    const { reader, context } = build(
      {
        'package.json': '{"dependencies":{"express":"4"}}',
        'README.md': '# x\n\nA very large readme indeed.\n',
        'a.ts': '',
      },
      { sizes: { 'package.json': 250 * 1024, 'README.md': 300 * 1024 } },
    );
    const ctx = await context;
    expect(reader.callsTo('getFile')).toEqual([]);
    expect(ctx.frameworks).toEqual([]);
    expect(ctx.readmeSummary).toBe('');
  });

  it('skips vendored, built and locked files when counting languages', async () => {
    const files: Record<string, string> = { 'main.py': 'print(1)\n' };
    for (let i = 0; i < 5; i++) {
      files[`node_modules/lib${i}/index.js`] = 'x';
      files[`dist/chunk${i}.js`] = 'x';
    }
    const ctx = await build(files).context;
    expect(ctx.languages).toEqual(['Python']);
    expect(ctx.fileCount).toBe(11);
  });

  it('rejects bad options with a clear message', async () => {
    const reader = new FakeRepoReader({ 'a.go': 'package a' });
    await expect(buildRepoContext(reader, { repo: 'no-slash', issueText: '' })).rejects.toThrow(
      'repo must be "owner/name", got "no-slash"',
    );
    await expect(
      buildRepoContext(reader, { repo: 'a/b', issueText: '', maxRelevantFiles: 500 }),
    ).rejects.toThrow('maxRelevantFiles must be an integer from 0 to 20, got 500');
  });

  it('stops when aborted', async () => {
    const reader = new FakeRepoReader({ 'a.go': 'package a' });
    const controller = new AbortController();
    controller.abort(new Error('issue closed'));
    await expect(
      buildRepoContext(reader, { repo: 'a/b', issueText: '', signal: controller.signal }),
    ).rejects.toThrow('issue closed');
    expect(reader.calls).toEqual([]);
  });
});
