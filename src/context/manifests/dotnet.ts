import { type LabelRule, labelDependencies, uniqueDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const DOTNET_RULES: readonly LabelRule[] = [
  ['Microsoft.AspNetCore.Components*', 'Blazor', 'framework'],
  ['Microsoft.AspNetCore.*', 'ASP.NET Core', 'framework'],
  ['Microsoft.EntityFrameworkCore*', 'Entity Framework Core', 'framework'],
  ['Dapper', 'Dapper', 'framework'],
  ['MediatR', 'MediatR', 'framework'],
  ['Serilog*', 'Serilog', 'framework'],
  ['Stripe.net', 'Stripe SDK', 'framework'],
  ['xunit*', 'xUnit', 'test'],
  ['NUnit*', 'NUnit', 'test'],
  ['MSTest.*', 'MSTest', 'test'],
  ['Moq', 'Moq', 'test'],
  ['FluentAssertions', 'FluentAssertions', 'test'],
];

function attribute(attributes: string, name: string): string {
  return new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(attributes)?.[1] ?? '';
}

export function parseCsproj(input: ManifestInput): ManifestFindings {
  const xml = input.text.replace(/<!--[\s\S]*?-->/g, '');
  const project = /<Project\b([^>]*)>/.exec(xml);
  if (!project || !/<\/Project>\s*$/.test(xml.trim()))
    throw new Error('project file has no complete <Project> element');
  const dependencies: DeclaredDependency[] = [];
  for (const match of xml.matchAll(/<PackageReference\b([^>]*?)(\/>|>([\s\S]*?)<\/PackageReference>)/g)) {
    const attributes = match[1] ?? '';
    const name = attribute(attributes, 'Include');
    if (!name) continue;
    const version =
      attribute(attributes, 'Version') || (/<Version>([^<]*)<\/Version>/.exec(match[3] ?? '')?.[1] ?? '');
    dependencies.push({ name, version, dev: false });
  }
  const unique = uniqueDependencies(dependencies);
  const labels = labelDependencies(unique, DOTNET_RULES);
  // The web SDK is ASP.NET Core even without a package reference to it.
  if (/Microsoft\.NET\.Sdk\.(Web|Razor|BlazorWebAssembly)/.test(attribute(project[1] ?? '', 'Sdk'))) {
    if (!labels.frameworks.includes('ASP.NET Core')) labels.frameworks.unshift('ASP.NET Core');
  }
  return { ...labels, dependencies: unique, packageManager: 'NuGet' };
}
