import { listSentence, slugify } from '../text.ts';
import type { PlanContext, Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, hasUi, testedBy, uiTestTool } from './wording.ts';

function csvLibrary(ctx: PlanContext): string {
  switch (ctx.stack.language) {
    case 'python':
      return 'the csv module (stdlib)';
    case 'go':
      return 'encoding/csv';
    case 'rust':
      return 'the csv crate';
    case 'java':
    case 'kotlin':
      return 'Apache Commons CSV';
    case 'ruby':
      return 'Ruby’s CSV';
    default:
      return 'csv-parse / csv-stringify';
  }
}

const direction: Topic = {
  id: 'direction',
  label: 'Direction',
  key: true,
  choices: [
    {
      value: 'both',
      short: 'Import and export',
      match: /\bimport (and|&|\/) export\b|\bexport (and|&|\/) import\b|\bboth\b/,
    },
    {
      value: 'import',
      short: 'Import',
      match: /\bimport(s|ing)?\b|\bupload(s|ing)?\b|\bbulk (create|load)\b/,
    },
    { value: 'export', short: 'Export', match: /\bexport(s|ing)?\b|\bdownload(s|ing)?\b/ },
  ],
  fallback: () => ['import'],
  question: () => 'Is this import only, export only, or both?',
  why: () =>
    'Import is the hard half (validation, duplicates, partial failures); export is mostly a query and a stream.',
  assumption: () => 'import only',
};

const formats: Topic = {
  id: 'formats',
  label: 'File formats',
  multi: true,
  key: true,
  choices: [
    { value: 'csv', short: 'CSV', option: (ctx) => `CSV (${csvLibrary(ctx)})`, match: /\bcsv\b/ },
    {
      value: 'xlsx',
      short: 'Excel',
      option: () => 'Excel .xlsx',
      match: /\bxlsx?\b|\bexcel\b/,
    },
    { value: 'json', short: 'JSON', match: /\bjson\b/ },
  ],
  fallback: () => ['csv'],
  question: () => 'Which file formats: CSV, Excel, JSON?',
  why: () =>
    'Excel files carry types and multiple sheets and need a library; CSV needs explicit encoding and delimiter rules.',
  assumption: () => 'CSV only, UTF-8 (with or without BOM), comma-separated, first row is the header',
};

const invalidRows: Topic = {
  id: 'invalid-rows',
  label: 'Invalid rows',
  key: true,
  choices: [
    {
      value: 'atomic',
      short: 'All or nothing',
      option: () => 'All or nothing: any invalid row rejects the file with a list of errors',
      match: /\ball[- ]or[- ]nothing\b|\batomic(ally)?\b|\breject the (whole )?file\b/,
    },
    {
      value: 'partial',
      short: 'Import valid rows, report the rest',
      option: () => 'Import the valid rows and return an error report for the rest',
      match: /\bskip (invalid|bad) rows\b|\bpartial import\b|\berror report\b|\bimport (the )?valid rows\b/,
    },
  ],
  fallback: () => ['atomic'],
  applies: () => true,
  question: () =>
    'If some rows are invalid, should the whole file be rejected, or the valid rows imported with an error report?',
  why: () =>
    'All-or-nothing is simple to reason about and re-run; partial imports need an error report and a way to re-import only the fixed rows.',
  assumption: () =>
    'all or nothing: the file is validated first and nothing is imported unless every row is valid; the response lists every error with its row number',
};

const duplicates: Topic = {
  id: 'duplicates',
  label: 'Existing records',
  key: true,
  choices: [
    {
      value: 'upsert',
      short: 'Update existing records',
      option: () => 'Update the existing record (matched by a unique key)',
      match: /\bupsert\b|\bupdate existing\b|\boverwrite\b/,
    },
    {
      value: 'skip',
      short: 'Skip existing records',
      option: () => 'Skip rows that already exist',
      match: /\bskip (duplicates|existing)\b|\bignore duplicates\b/,
    },
    {
      value: 'error',
      short: 'Treat duplicates as errors',
      option: () => 'Treat them as errors',
      match: /\bduplicates? (are|is an?) errors?\b|\breject duplicates\b/,
    },
  ],
  fallback: () => ['error'],
  question: (ctx) =>
    `When a row matches an existing ${ctx.names.one}, should it update it, be skipped, or be an error?`,
  why: () =>
    'Re-importing the same file must be safe; the matching key (email, SKU, external id) must be unique in the database.',
  assumption: (ctx) =>
    `a row matching an existing ${ctx.names.one} (by its unique key) is an error, so re-importing a file never changes data silently`,
};

const size: Topic = {
  id: 'size',
  label: 'File size',
  choices: [
    {
      value: 'small',
      short: 'Up to 10,000 rows, processed in the request',
      match: /\bsmall\b|\bhundreds\b|\bfew (hundred|thousand)\b/,
    },
    {
      value: 'large',
      short: 'Large files in a background job',
      option: (ctx) =>
        `Large files (100k+ rows) in a background job${ctx.stack.jobRunner ? ` on ${ctx.stack.jobRunner}` : ''} with progress`,
      match: /\blarge\b|\bmillions?\b|\b\d{3},?\d{3}\b|\bbackground\b|\bprogress\b/,
    },
  ],
  fallback: () => ['small'],
  question: () => 'How large are the files: up to ~10,000 rows, or much larger?',
  why: () =>
    'Large files cannot be processed inside an HTTP request: they need a background job, progress reporting and streaming parsing.',
  assumption: () =>
    'files up to 10,000 rows / 10 MB, processed synchronously; larger files are refused with a clear message',
};

function formatsText(ctx: SpecContext): string {
  return listSentence(ctx.d.values('formats').map((f) => f.toUpperCase().replace('XLSX', 'Excel')));
}

function doesImport(ctx: SpecContext): boolean {
  return !ctx.d.has('direction', 'export');
}

function doesExport(ctx: SpecContext): boolean {
  return !ctx.d.has('direction', 'import');
}

export const importExportTemplate: FeatureTemplate = {
  id: 'import_export',
  featureType: 'import_export',
  label: 'Import/export',
  defaultSubject: 'record',
  topics: [direction, formats, invalidRows, duplicates, size],
  coreStep: 'import-service',
  docsStep: 'import-docs',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('direction', 'both')) level += 1;
    if (ctx.d.has('size', 'large')) level += 1;
    if (ctx.d.values('formats').includes('xlsx')) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals: string[] = [];
    if (doesImport(ctx))
      goals.push(
        `Staff can import ${ctx.names.many} from ${formatsText(ctx)} files${ctx.d.has('invalid-rows', 'partial') ? ', keeping valid rows and getting a report of the rest' : ', all or nothing, with every error listed by row'}.`,
      );
    if (doesExport(ctx))
      goals.push(`Staff can export ${ctx.names.many} (respecting current filters) to ${formatsText(ctx)}.`);
    goals.push(
      `A file exported by the app can be imported back unchanged${doesImport(ctx) && doesExport(ctx) ? '' : ' (the column layout is documented)'}.`,
    );
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = [
      `Column definition in ${code(ctx.layout.part(n, 'columns'))}: one list of columns (header, parser, validator, formatter) shared by import and export.`,
    ];
    if (doesImport(ctx)) {
      lines.push(
        `Import in ${code(ctx.layout.part(n, 'importer'))}: streaming parse with ${csvLibrary(ctx)}, validate every row, then write in one transaction${ctx.d.has('duplicates', 'upsert') ? ' (upsert by the unique key)' : ''}.`,
      );
    }
    if (doesExport(ctx))
      lines.push(
        `Export in ${code(ctx.layout.part(n, 'exporter'))}: a streamed response (never the whole table in memory).`,
      );
    if (ctx.d.has('size', 'large'))
      lines.push(
        `Background job in ${code(ctx.layout.job(n))}${ctx.stack.jobRunner ? ` on ${ctx.stack.jobRunner}` : ''}: import runs record progress; the UI polls it.`,
      );
    const http = ctx.layout.httpEntry(n);
    if (http)
      lines.push(
        `HTTP in ${code(http)}: ${doesImport(ctx) ? `\`POST /api/${slugify(n.many)}/imports\` (multipart, size-limited)` : ''}${doesImport(ctx) && doesExport(ctx) ? ', ' : ''}${doesExport(ctx) ? `\`GET /api/${slugify(n.many)}/export.csv\`` : ''}.`,
      );
    else if (ctx.layout.cliCommand(n)) lines.push(`Command: ${code(ctx.layout.cliCommand(n)!)}.`);
    if (hasUi(ctx) && ctx.layout.uiComponent(n, 'import'))
      lines.push(
        `UI: ${code(ctx.layout.uiComponent(n, 'import')!)} (upload, error table) on the ${n.many} page.`,
      );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'Encoding: UTF-8 with BOM, Windows-1252 files from Excel, and `;` as delimiter in European locales.',
      'Headers in a different order, extra columns, missing required columns: match by header name, report missing ones before reading rows.',
      'Numbers and dates in local formats (`1.234,50`, `31/12/2024`): parse with one documented format and reject the rest with the row number.',
      'Formula injection in exports: cells starting with `=`, `+`, `-`, `@` are prefixed so spreadsheets do not execute them.',
      'Empty file, header only, and a trailing blank line.',
    ];
    if (doesImport(ctx))
      cases.push(
        `The same file uploaded twice${ctx.d.has('duplicates', 'upsert') ? ' updates nothing the second time' : ' reports every row as a duplicate'}.`,
      );
    if (ctx.d.has('size', 'large'))
      cases.push(
        'The worker dies mid-import: the job resumes or rolls back; it never leaves half a file imported unnoticed.',
      );
    else cases.push('Files over the limit are refused before parsing with the limit in the message.');
    return cases;
  },
  acceptance: (ctx) => {
    const criteria: string[] = [];
    if (doesImport(ctx)) {
      criteria.push(
        gwt('a valid file with 3 rows', 'it is imported', `3 ${ctx.names.many} exist with the file’s values`),
        gwt(
          'a file whose row 2 has an invalid value',
          'it is imported',
          ctx.d.has('invalid-rows', 'partial')
            ? 'rows 1 and 3 are imported and the report names row 2 and the column'
            : 'nothing is imported and the error names row 2 and the column',
        ),
      );
    }
    if (doesExport(ctx))
      criteria.push(
        gwt(
          `${ctx.names.many} containing a value starting with “=”`,
          'they are exported',
          'the cell is escaped',
        ),
      );
    if (doesImport(ctx) && doesExport(ctx))
      criteria.push(
        gwt('an exported file', 'it is imported into an empty database', 'the same records result'),
      );
    criteria.push(
      testedBy(ctx, 'encodings, delimiters, missing columns and the row-level errors with fixture files'),
    );
    if (hasUi(ctx)) criteria.push(`${uiTestTool(ctx)} covers uploading a file and seeing its errors.`);
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [
      {
        key: 'import-columns',
        title: 'Column definition shared by import and export',
        description: `${code(ctx.layout.part(n, 'columns'))}: header names, parsers, validators and formatters for each column.`,
        acceptance: [testedBy(ctx, 'every column’s parse/format round trip')],
        size: 'S',
        dependsOn: [],
        priority: 1,
      },
    ];
    if (doesImport(ctx)) {
      steps.push({
        key: 'import-service',
        title: `Import ${n.many} from ${formatsText(ctx)}`,
        description: `${code(ctx.layout.part(n, 'importer'))}: stream, validate all rows, then write ${ctx.d.has('invalid-rows', 'partial') ? 'valid rows and build the error report' : 'in one transaction'}; duplicates: ${ctx.d.text('duplicates').toLowerCase()}.`,
        acceptance: [
          gwt(
            'a file with one bad row',
            'it is imported',
            ctx.d.has('invalid-rows', 'partial')
              ? 'the other rows are saved and the report lists the bad one'
              : 'nothing is saved',
          ),
          testedBy(ctx, 'encodings, delimiters and duplicates with fixture files'),
        ],
        size: 'L',
        dependsOn: ['import-columns'],
        priority: 1,
      });
      if (ctx.d.has('size', 'large')) {
        steps.push({
          key: 'import-job',
          title: 'Run large imports in the background',
          description: `${code(ctx.layout.job(n))}: process the uploaded file in batches, record progress, resume safely after a crash.`,
          acceptance: [
            gwt(
              'a 100,000-row file',
              'it is uploaded',
              'the request returns at once and progress reaches 100%',
            ),
          ],
          size: 'L',
          dependsOn: ['import-service'],
          priority: 1,
        });
      }
    }
    if (doesExport(ctx)) {
      steps.push({
        key: 'export-service',
        title: `Export ${n.many} to ${formatsText(ctx)}`,
        description: `${code(ctx.layout.part(n, 'exporter'))}: streamed output with the shared columns and formula escaping.`,
        acceptance: [
          gwt('10,000 records', 'they are exported', 'memory stays flat (streamed) and every row is present'),
          testedBy(ctx, 'escaping and the header row'),
        ],
        size: 'M',
        dependsOn: ['import-columns'],
        priority: 1,
      });
    }
    steps.push({
      key: 'import-endpoints',
      title: ctx.layout.httpEntry(n) ? 'Upload/download endpoints' : 'Command-line entry points',
      description: ctx.layout.httpEntry(n)
        ? `${code(ctx.layout.httpEntry(n)!)}: size-limited multipart upload and/or streamed download, staff only.`
        : `Commands to import/export a file${ctx.layout.cliCommand(n) ? ` in ${code(ctx.layout.cliCommand(n)!)}` : ''}.`,
      acceptance: [
        gwt('a file over the size limit', 'it is uploaded', 'it is refused before parsing'),
        testedBy(ctx, 'the endpoints end to end with small files'),
      ],
      size: 'M',
      dependsOn: ['import-service', 'import-job', 'export-service'],
      priority: 1,
    });
    if (hasUi(ctx) && ctx.layout.uiComponent(n, 'import')) {
      steps.push({
        key: 'import-ui',
        title: 'Upload form and error table',
        description: `${code(ctx.layout.uiComponent(n, 'import')!)} on the ${n.many} page${doesExport(ctx) ? ', plus an Export button' : ''}.`,
        acceptance: [
          gwt('a file with errors', 'it is uploaded', 'the errors are listed with row numbers'),
          `${uiTestTool(ctx)} covers upload and errors.`,
        ],
        size: 'M',
        dependsOn: ['import-endpoints'],
        priority: 2,
      });
    }
    steps.push({
      key: 'import-docs',
      title: 'Document the file format and provide a template',
      description: `In ${code(ctx.layout.docs)}: the columns, formats and limits, plus a downloadable template file.`,
      acceptance: ['The template file imports without errors (checked by a test).'],
      size: 'S',
      dependsOn: ['import-endpoints'],
      priority: 3,
    });
    return steps;
  },
};
