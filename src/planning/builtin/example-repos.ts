import { noRepoFacts } from '../../context/index-repository.ts';
import type { RepoContext } from '../../context/types.ts';
import type { IssueInput } from '../planner.ts';

/**
 * Sample repositories and requests used to generate `docs/examples/` and by the tests: each is
 * a RepoContext as the indexer would produce it, an issue, the answers people give (null:
 * left unanswered) and, for some, a review round.
 */
export interface ExampleCase {
  slug: string;
  heading: string;
  context: RepoContext;
  issue: IssueInput;
  /** Answers by question number; a missing or null entry is left unanswered. */
  answers: Record<number, string | null>;
  answeredBy: string;
  /** Optional `/revise-spec` feedback, applied after the first version. */
  revision?: string;
}

function repo(partial: Partial<RepoContext> & Pick<RepoContext, 'repo'>): RepoContext {
  return {
    defaultBranch: 'main',
    commitSha: '3f9c2a17b4e8d05c6a1f2e3d4c5b6a7980123456',
    description: '',
    ...noRepoFacts(),
    fileCount: 120,
    relevantFiles: [],
    stackSummary: '',
    truncated: false,
    ...partial,
  };
}

export const shopfrontRepo = repo({
  repo: 'acme/shopfront',
  description: 'Online shop for Acme outdoor gear',
  languages: ['TypeScript', 'CSS'],
  frameworks: ['Express', 'React', 'Prisma'],
  testTools: ['Vitest', 'Playwright'],
  packageManager: 'npm',
  manifests: [{ path: 'package.json', kind: 'npm' }],
  dependencies: [
    'express@5.1.0',
    'react@19.1.0',
    'react-dom@19.1.0',
    '@prisma/client@6.8.2',
    'prisma@6.8.2',
    'zod@3.25.0',
    'ioredis@5.6.1',
    'vite@6.3.5',
  ],
  readmeSummary:
    'Shopfront is the Acme web shop: product catalogue, cart and orders. The API is an Express app in src/ and the storefront is a React app built with Vite. Orders are stored in PostgreSQL through Prisma.',
  topLevel: ['prisma/', 'src/', 'test/', 'e2e/', 'package.json', 'tsconfig.json', 'README.md'],
  fileCount: 214,
  relevantFiles: [
    {
      path: 'src/cart/cart.service.ts',
      reason: 'cart totals and line items',
      excerpt: 'export function cartTotal(items: CartItem[]): number',
    },
    {
      path: 'src/orders/orders.routes.ts',
      reason: 'order creation endpoint',
      excerpt: "router.post('/api/orders', …)",
    },
    {
      path: 'src/client/pages/CheckoutPage.tsx',
      reason: 'mentions checkout',
      excerpt: 'export function CheckoutPage()',
    },
    {
      path: 'prisma/schema.prisma',
      reason: 'Order model',
      excerpt: 'model Order { id Int @id … total Int }',
    },
  ],
  stackSummary: 'TypeScript · Express, React, Prisma · Vitest, Playwright · npm',
});

export const releasectlRepo = repo({
  repo: 'tools/releasectl',
  description: 'Command-line tool that cuts releases across our Go services',
  languages: ['Go'],
  frameworks: ['cobra'],
  testTools: ['go test'],
  manifests: [{ path: 'go.mod', kind: 'go' }],
  dependencies: [
    'github.com/spf13/cobra v1.9.1',
    'github.com/google/go-github/v66 v66.0.0',
    'golang.org/x/mod v0.24.0',
  ],
  readmeSummary:
    'releasectl tags, changelogs and publishes releases for every service in the monorepo. Today every option is a command-line flag, e.g. `releasectl publish --org acme --token … --dry-run`.',
  topLevel: ['cmd/', 'internal/', 'go.mod', 'go.sum', 'main.go', 'README.md'],
  fileCount: 58,
  relevantFiles: [
    {
      path: 'cmd/root.go',
      reason: 'root command and global flags',
      excerpt: 'rootCmd.PersistentFlags().StringVar(&org, "org", "", …)',
    },
    { path: 'cmd/publish.go', reason: 'reads flags', excerpt: 'token, _ := cmd.Flags().GetString("token")' },
  ],
  stackSummary: 'Go · cobra · go test',
});

export const clinicRepo = repo({
  repo: 'health/clinic-crm',
  description: 'Patient and customer relationship management for physiotherapy clinics',
  languages: ['Python', 'HTML'],
  frameworks: ['Django', 'Celery'],
  testTools: ['pytest'],
  manifests: [{ path: 'pyproject.toml', kind: 'python' }],
  dependencies: [
    'django==5.2',
    'celery==5.5.2',
    'psycopg[binary]==3.2.9',
    'django-environ==0.12.0',
    'pytest-django==4.11.1',
  ],
  readmeSummary:
    'Clinic CRM keeps patients, appointments and invoices for a group of clinics. Django app, PostgreSQL, Celery for background jobs.',
  topLevel: [
    'clinic/',
    'customers/',
    'appointments/',
    'invoices/',
    'templates/',
    'manage.py',
    'pyproject.toml',
    'README.md',
  ],
  fileCount: 340,
  relevantFiles: [
    {
      path: 'customers/models.py',
      reason: 'Customer model (name, email, phone, date of birth)',
      excerpt: 'class Customer(models.Model):',
    },
    {
      path: 'customers/views.py',
      reason: 'customer list view',
      excerpt: 'class CustomerListView(ListView):',
    },
  ],
  stackSummary: 'Python · Django, Celery · pytest · pip',
});

export const storefrontNextRepo = repo({
  repo: 'acme/catalog-web',
  description: 'Product catalogue website',
  languages: ['TypeScript', 'CSS'],
  frameworks: ['Next.js', 'React', 'Drizzle ORM'],
  testTools: ['Vitest', 'Playwright'],
  packageManager: 'pnpm',
  manifests: [{ path: 'package.json', kind: 'npm' }],
  dependencies: ['next@15.3.2', 'react@19.1.0', 'drizzle-orm@0.44.0', 'pg@8.16.0', 'tailwindcss@4.1.7'],
  readmeSummary:
    'The public catalogue: product pages rendered with the Next.js App Router from a PostgreSQL database through Drizzle.',
  topLevel: ['app/', 'src/', 'drizzle/', 'public/', 'package.json', 'next.config.ts', 'README.md'],
  fileCount: 156,
  relevantFiles: [
    {
      path: 'app/products/[slug]/page.tsx',
      reason: 'product page',
      excerpt: 'export default async function ProductPage',
    },
    {
      path: 'src/db/schema.ts',
      reason: 'products table',
      excerpt: "export const products = pgTable('products', …)",
    },
  ],
  stackSummary: 'TypeScript · Next.js, React, Drizzle ORM · Vitest, Playwright · pnpm',
});

export const ledgerRepo = repo({
  repo: 'fin/ledger-api',
  description: 'Double-entry ledger service',
  languages: ['Rust', 'SQL'],
  frameworks: ['axum', 'sqlx', 'tokio'],
  testTools: ['cargo test'],
  manifests: [{ path: 'Cargo.toml', kind: 'cargo' }],
  dependencies: ['axum 0.8.4', 'sqlx 0.8.6 (postgres)', 'tokio 1.45.1', 'serde 1.0.219', 'tracing 0.1.41'],
  readmeSummary:
    'Ledger API records accounts and journal entries and serves balance and report endpoints for the finance team.',
  topLevel: ['src/', 'migrations/', 'tests/', 'Cargo.toml', 'README.md'],
  fileCount: 97,
  relevantFiles: [
    {
      path: 'src/routes/reports.rs',
      reason: 'GET /api/reports/balance-sheet handler',
      excerpt: 'async fn balance_sheet(State(db): State<Db>, …)',
    },
    {
      path: 'src/db/entries.rs',
      reason: 'journal entry queries',
      excerpt: 'SELECT * FROM entries WHERE account_id = $1',
    },
  ],
  stackSummary: 'Rust · axum, sqlx · cargo test',
});

export const inventoryRepo = repo({
  repo: 'logistics/inventory-api',
  description: 'Inventory REST API for the warehouse team',
  languages: ['JavaScript'],
  frameworks: ['Express', 'Sequelize'],
  testTools: ['Jest', 'supertest'],
  packageManager: 'npm',
  manifests: [{ path: 'package.json', kind: 'npm' }],
  dependencies: [
    'express@4.21.2',
    'sequelize@6.37.7',
    'mysql2@3.14.1',
    'joi@17.13.3',
    'jest@29.7.0',
    'supertest@7.1.1',
  ],
  readmeSummary:
    'REST API for stock levels and stock movements, used by the warehouse scanners and the ops dashboard.',
  topLevel: ['src/', 'migrations/', 'test/', 'package.json', 'README.md'],
  fileCount: 73,
  relevantFiles: [
    {
      path: 'src/routes/items.js',
      reason: 'existing CRUD routes for items',
      excerpt: "router.get('/api/items', …)",
    },
    { path: 'src/models/item.js', reason: 'Sequelize model', excerpt: "sequelize.define('Item', …)" },
  ],
  stackSummary: 'JavaScript · Express, Sequelize · Jest · npm',
});

export const ordersServiceRepo = repo({
  repo: 'acme/order-service',
  description: 'Order management backend',
  languages: ['Java'],
  frameworks: ['Spring Boot', 'Spring Data JPA', 'Thymeleaf'],
  testTools: ['JUnit 5', 'Testcontainers'],
  manifests: [{ path: 'pom.xml', kind: 'maven' }],
  dependencies: [
    'spring-boot-starter-web 3.5.0',
    'spring-boot-starter-data-jpa 3.5.0',
    'spring-boot-starter-thymeleaf 3.5.0',
    'flyway-core 11.8.2',
    'postgresql 42.7.5',
  ],
  readmeSummary:
    'Order service: receives orders from the shop, tracks fulfilment and shipping status. Spring Boot 3, PostgreSQL, Flyway.',
  topLevel: ['src/', 'pom.xml', 'README.md'],
  fileCount: 188,
  relevantFiles: [
    {
      path: 'src/main/java/com/acme/orders/shipping/ShipmentService.java',
      reason: 'marks orders shipped',
      excerpt: 'public void markShipped(Long orderId, String trackingNumber)',
    },
    {
      path: 'src/main/java/com/acme/orders/order/Order.java',
      reason: 'Order entity with customer email',
      excerpt: '@Entity public class Order',
    },
  ],
  stackSummary: 'Java · Spring Boot, Spring Data JPA · JUnit 5 · maven',
});

export const bakeryRepo = repo({
  repo: 'shops/bakery',
  description: 'Online orders for a local bakery',
  languages: ['Ruby', 'HTML', 'JavaScript'],
  frameworks: ['Rails', 'Hotwire'],
  testTools: ['RSpec', 'Capybara'],
  manifests: [{ path: 'Gemfile', kind: 'bundler' }],
  dependencies: ['rails 8.0.2', 'pg 1.5.9', 'turbo-rails 2.0.13', 'rspec-rails 8.0.0'],
  readmeSummary: 'Bakery lets customers order bread and cakes for pickup. Rails 8 with Hotwire, PostgreSQL.',
  topLevel: ['app/', 'config/', 'db/', 'spec/', 'Gemfile', 'README.md'],
  fileCount: 265,
  relevantFiles: [
    {
      path: 'app/models/cart.rb',
      reason: 'cart total with discounts',
      excerpt: 'def total = subtotal - discount_amount',
    },
    {
      path: 'app/models/coupon.rb',
      reason: 'coupon percentage and fixed discounts',
      excerpt: 'def discount_for(subtotal)',
    },
  ],
  stackSummary: 'Ruby · Rails, Hotwire · RSpec, Capybara · bundler',
});

export const EXAMPLES: ExampleCase[] = [
  {
    slug: '01-typescript-shop-payments',
    heading: 'Payments in a TypeScript e-commerce app (Express + React + Prisma)',
    context: shopfrontRepo,
    issue: {
      repo: 'acme/shopfront',
      number: 41,
      title: 'Accept online payments at checkout',
      body: 'Right now orders are created as “unpaid” and we email customers an invoice. We want customers to pay by card when they place the order, so the warehouse can ship paid orders right away.',
      author: 'maria',
    },
    answers: { 1: 'Stripe only for now', 2: null, 3: 'Full and partial refunds', 4: '1', 5: null },
    answeredBy: 'maria',
    revision: 'Also support PayPal, and add rate limiting on the checkout endpoint. Out of scope: Apple Pay.',
  },
  {
    slug: '02-go-cli-config-file',
    heading: 'Config file support in a Go CLI (cobra, no viper)',
    context: releasectlRepo,
    issue: {
      repo: 'tools/releasectl',
      number: 17,
      title: 'Config file support',
      body: 'Typing `--org acme --token … --registry …` on every run is tedious and puts the token in shell history. Let us keep these in a config file.',
      author: 'sam',
    },
    answers: { 1: 'YAML', 2: null, 3: 'both', 4: null },
    answeredBy: 'sam',
  },
  {
    slug: '03-django-csv-import',
    heading: 'CSV import in a Django app',
    context: clinicRepo,
    issue: {
      repo: 'health/clinic-crm',
      number: 88,
      title: 'Import customers from a CSV file',
      body: 'Clinics moving to us from other systems have thousands of customers in spreadsheets. Staff should be able to upload them instead of typing them in.',
      author: 'lena',
    },
    answers: {
      1: 'Import the valid rows and give us an error report',
      2: 'update existing (match by email)',
      3: 'large — some clinics have 80,000 customers',
    },
    answeredBy: 'lena',
  },
  {
    slug: '04-nextjs-search-page',
    heading: 'Search page in a Next.js catalogue (Drizzle + PostgreSQL)',
    context: storefrontNextRepo,
    issue: {
      repo: 'acme/catalog-web',
      number: 203,
      title: 'Add a product search page',
      body: 'Visitors cannot find products unless they browse categories. We need a search box and results page.',
      author: 'tom',
    },
    answers: {
      1: 'Database full-text',
      2: 'name, description and SKU (SKU exact)',
      3: 'filters by category and price range',
      4: 'yes, as you type',
      5: null,
    },
    answeredBy: 'tom',
  },
  {
    slug: '05-rust-performance-fix',
    heading: 'A slow endpoint in a Rust service (axum + sqlx)',
    context: ledgerRepo,
    issue: {
      repo: 'fin/ledger-api',
      number: 12,
      title: 'Balance sheet report is slow for large accounts',
      body: '`GET /api/reports/balance-sheet` takes 9 seconds for accounts with 2 million journal entries. It should be p95 under 500 ms.',
      author: 'priya',
    },
    answers: {},
    answeredBy: 'priya',
  },
  {
    slug: '06-express-crud-resource',
    heading: 'A CRUD resource in an Express API (Sequelize + MySQL)',
    context: inventoryRepo,
    issue: {
      repo: 'logistics/inventory-api',
      number: 64,
      title: 'CRUD API for warehouses',
      body: 'Stock is tracked per warehouse but warehouses are hard-coded in a config file. Ops needs to manage them through the API.',
      author: 'ops-lead',
    },
    answers: {
      1: 'code (unique, 3-10 chars), name, address, timezone, active flag',
      2: 'All read, admins write',
      3: null,
      4: null,
    },
    answeredBy: 'ops-lead',
  },
  {
    slug: '07-spring-email-notifications',
    heading: 'Email notifications in a Spring Boot service',
    context: ordersServiceRepo,
    issue: {
      repo: 'acme/order-service',
      number: 310,
      title: 'Email customers when their order ships',
      body: 'Customers keep asking support where their parcel is. When an order is marked shipped we should email them the tracking number.',
      author: 'support-team',
    },
    answers: { 1: 'Postmark', 2: 'no opt-out, these are transactional', 3: null },
    answeredBy: 'support-team',
  },
  {
    slug: '08-rails-bug-fix',
    heading: 'A bug fix in a Rails app',
    context: bakeryRepo,
    issue: {
      repo: 'shops/bakery',
      number: 57,
      title: 'Cart total becomes negative with a fixed-amount coupon',
      body: 'Steps to reproduce: 1. Add one croissant (2.10) to the cart 2. Apply coupon TAKE5 (5.00 off) 3. The total shows -2.90 and checkout charges nothing.\n\nExpected: the total never goes below 0.00.',
      author: 'baker-jo',
    },
    answers: {
      1: 'Production, since the v2.3 release',
      2: 'Yes, it broke in v2.3 when fixed-amount coupons were added',
      3: 'Yes: 14 orders were placed with a negative total',
    },
    answeredBy: 'baker-jo',
  },
];
