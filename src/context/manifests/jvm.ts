import { type LabelRule, labelDependencies, uniqueDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

/** Matched against `groupId:artifactId`. */
const JVM_RULES: readonly LabelRule[] = [
  ['org.springframework.boot:*', 'Spring Boot', 'framework'],
  ['org.springframework:spring-webmvc', 'Spring MVC', 'framework'],
  ['org.springframework.boot:spring-boot-starter-webflux', 'Spring WebFlux', 'framework'],
  ['org.springframework.boot:spring-boot-starter-data-jpa', 'Spring Data JPA', 'framework'],
  ['org.springframework.boot:spring-boot-starter-data-jpa', 'Hibernate', 'framework'],
  ['org.springframework.boot:spring-boot-starter-security', 'Spring Security', 'framework'],
  ['io.quarkus:*', 'Quarkus', 'framework'],
  ['io.micronaut:*', 'Micronaut', 'framework'],
  ['io.ktor:*', 'Ktor', 'framework'],
  ['io.dropwizard:*', 'Dropwizard', 'framework'],
  ['io.vertx:*', 'Vert.x', 'framework'],
  ['org.hibernate:*', 'Hibernate', 'framework'],
  ['org.hibernate.orm:*', 'Hibernate', 'framework'],
  ['org.mybatis*', 'MyBatis', 'framework'],
  ['org.jooq:*', 'jOOQ', 'framework'],
  ['org.flywaydb:*', 'Flyway', 'framework'],
  ['org.liquibase:*', 'Liquibase', 'framework'],
  ['org.projectlombok:lombok', 'Lombok', 'framework'],
  ['org.springframework.kafka:*', 'Spring Kafka', 'framework'],
  ['com.stripe:stripe-java', 'Stripe SDK', 'framework'],
  ['com.android.tools.build:gradle', 'Android', 'framework'],
  ['junit:junit', 'JUnit', 'test'],
  ['org.junit*', 'JUnit', 'test'],
  // The Spring Boot test starter brings JUnit 5 and Mockito.
  ['org.springframework.boot:spring-boot-starter-test', 'JUnit', 'test'],
  ['org.springframework.boot:spring-boot-starter-test', 'Mockito', 'test'],
  ['org.testng:*', 'TestNG', 'test'],
  ['org.mockito*', 'Mockito', 'test'],
  ['io.mockk:*', 'MockK', 'test'],
  ['io.kotest*', 'Kotest', 'test'],
  ['org.spockframework*', 'Spock', 'test'],
  ['org.testcontainers*', 'Testcontainers', 'test'],
  ['io.rest-assured*', 'REST Assured', 'test'],
];

/** Gradle plugin ids that name a framework on their own. */
const GRADLE_PLUGINS: Readonly<Record<string, string>> = {
  'org.springframework.boot': 'Spring Boot',
  'io.quarkus': 'Quarkus',
  'io.micronaut.application': 'Micronaut',
  'io.ktor.plugin': 'Ktor',
  'com.android.application': 'Android',
  'com.android.library': 'Android',
};

function stripXmlComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '');
}

function xmlChild(block: string, tag: string): string {
  return new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(block)?.[1] ?? '';
}

function coordinate(group: string, artifact: string): string {
  return `${group}:${artifact}`;
}

export function parsePomXml(input: ManifestInput): ManifestFindings {
  const xml = stripXmlComments(input.text);
  if (!/<project[\s>]/.test(xml) || !/<\/project>\s*$/.test(xml.trim())) {
    throw new Error('pom.xml has no complete <project> element');
  }
  const dependencies: DeclaredDependency[] = [];
  const parent = /<parent>([\s\S]*?)<\/parent>/.exec(xml)?.[1];
  if (parent) {
    const name = coordinate(xmlChild(parent, 'groupId'), xmlChild(parent, 'artifactId'));
    dependencies.push({ name, version: xmlChild(parent, 'version'), dev: false });
  }
  for (const match of xml.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
    const block = match[1] ?? '';
    const group = xmlChild(block, 'groupId');
    const artifact = xmlChild(block, 'artifactId');
    if (!group || !artifact) continue;
    const scope = xmlChild(block, 'scope');
    dependencies.push({
      name: coordinate(group, artifact),
      version: xmlChild(block, 'version'),
      dev: scope === 'test',
    });
  }
  const unique = uniqueDependencies(dependencies);
  const labels = labelDependencies(unique, JVM_RULES);
  if (
    /<artifactId>spring-boot-maven-plugin<\/artifactId>/.test(xml) &&
    !labels.frameworks.includes('Spring Boot')
  ) {
    labels.frameworks.unshift('Spring Boot');
  }
  return { ...labels, dependencies: unique, packageManager: 'Maven' };
}

const GRADLE_CONFIGURATION =
  /\b(implementation|api|compileOnly|runtimeOnly|annotationProcessor|kapt|ksp|developmentOnly|testImplementation|testRuntimeOnly|testCompileOnly|androidTestImplementation|classpath)\b\s*\(?\s*(?:platform\s*\(\s*)?["']([^"':\s]+):([^"':\s]+)(?::([^"'\s]+))?["']/g;

export function parseGradleBuild(input: ManifestInput): ManifestFindings {
  const text = input.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const dependencies: DeclaredDependency[] = [];
  for (const match of text.matchAll(GRADLE_CONFIGURATION)) {
    const [, configuration = '', group = '', artifact = '', version = ''] = match;
    const dev = /^(test|androidTest)/.test(configuration);
    dependencies.push({ name: coordinate(group, artifact), version, dev });
  }
  const unique = uniqueDependencies(dependencies);
  const labels = labelDependencies(unique, JVM_RULES);
  for (const match of text.matchAll(/\bid\s*\(?\s*["']([\w.-]+)["']/g)) {
    const framework = GRADLE_PLUGINS[match[1] ?? ''];
    if (framework && !labels.frameworks.includes(framework)) labels.frameworks.unshift(framework);
  }
  if (/\buseJUnitPlatform\s*\(/.test(text) && !labels.testTools.includes('JUnit'))
    labels.testTools.unshift('JUnit');
  return { ...labels, dependencies: unique, packageManager: 'Gradle' };
}
