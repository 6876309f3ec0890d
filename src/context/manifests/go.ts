import { type LabelRule, labelDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const GO_RULES: readonly LabelRule[] = [
  ['github.com/spf13/cobra', 'Cobra', 'framework'],
  ['github.com/urfave/cli', 'urfave/cli', 'framework'],
  ['github.com/gin-gonic/gin', 'Gin', 'framework'],
  ['github.com/labstack/echo', 'Echo', 'framework'],
  ['github.com/go-chi/chi', 'chi', 'framework'],
  ['github.com/gofiber/fiber', 'Fiber', 'framework'],
  ['github.com/gorilla/mux', 'gorilla/mux', 'framework'],
  ['google.golang.org/grpc', 'gRPC', 'framework'],
  ['github.com/spf13/viper', 'Viper', 'framework'],
  ['gorm.io/gorm', 'GORM', 'framework'],
  ['github.com/jmoiron/sqlx', 'sqlx', 'framework'],
  ['entgo.io/ent', 'Ent', 'framework'],
  ['github.com/jackc/pgx', 'pgx', 'framework'],
  ['github.com/stripe/stripe-go', 'Stripe SDK', 'framework'],
  ['k8s.io/client-go', 'Kubernetes client-go', 'framework'],
  ['github.com/stretchr/testify', 'testify', 'test'],
  ['github.com/onsi/ginkgo', 'Ginkgo', 'test'],
  ['github.com/onsi/gomega', 'Gomega', 'test'],
];

/** `github.com/labstack/echo/v4` and `github.com/labstack/echo` are the same library. */
function withoutMajorVersion(modulePath: string): string {
  return modulePath.replace(/\/v\d+$/, '');
}

function requirement(line: string): DeclaredDependency | null {
  if (/\/\/\s*indirect\b/.test(line)) return null;
  const match = /^([^\s]+)\s+(v[^\s]+)/.exec(line.trim());
  return match?.[1] && match[2] ? { name: match[1], version: match[2], dev: false } : null;
}

export function parseGoMod(input: ManifestInput): ManifestFindings {
  const lines = input.text.split(/\r?\n/).map((line) => line.replace(/^\s+/, ''));
  if (!lines.some((line) => /^module\s+\S+/.test(line))) throw new Error('go.mod has no module directive');
  const dependencies: DeclaredDependency[] = [];
  let inRequireBlock = false;
  for (const line of lines) {
    if (inRequireBlock) {
      if (line.startsWith(')')) inRequireBlock = false;
      else {
        const dependency = requirement(line);
        if (dependency) dependencies.push(dependency);
      }
    } else if (/^require\s*\($/.test(line.trim())) inRequireBlock = true;
    else if (line.startsWith('require ')) {
      const dependency = requirement(line.slice('require '.length));
      if (dependency) dependencies.push(dependency);
    }
  }
  const { frameworks, testTools } = labelDependencies(dependencies, GO_RULES, withoutMajorVersion);
  return { frameworks, testTools: ['go test', ...testTools], dependencies, packageManager: 'go modules' };
}
