import { Application, AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Deployment, ReplicaSet } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace, ResourceQuota, Service } from 'kubernetes-models/v1';
import { badRequest, type StatusCause } from './api-status.ts';
import { isJson, type Json, type KubeObject, type ResourceName, type ResourceType } from './types.ts';
import {
  Causes,
  checkLabels,
  checkMetadata,
  checkPodSpec,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  LABEL_MESSAGE,
  parseQuantity,
  SUBDOMAIN_MESSAGE,
  validateJob,
  validateSecret,
} from './validation.ts';

/**
 * Every object written to the fake is checked twice, as kube-apiserver checks it:
 * 1. against the type's OpenAPI schema, through `kubernetes-models` (built-in kinds) and
 *    `@kubernetes-models/argo-cd` (Argo CD's CRDs). For a built-in kind a value of the wrong
 *    JSON type fails decoding (400, "cannot unmarshal"); for a custom resource the CRD's
 *    structural schema answers 422 with `must be of type` (apiextensions-apiserver's
 *    schema validation).
 * 2. by the kind's own validation in `pkg/apis/*\/validation/validation.go` (names, selectors,
 *    ports, Ingress paths, immutable fields), for the rules the preview deployer relies on.
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Partial<Record<ResourceName, ModelClass>> = {
  namespaces: Namespace as unknown as ModelClass,
  deployments: Deployment as unknown as ModelClass,
  replicasets: ReplicaSet as unknown as ModelClass,
  services: Service as unknown as ModelClass,
  ingresses: Ingress as unknown as ModelClass,
  resourcequotas: ResourceQuota as unknown as ModelClass,
  networkpolicies: NetworkPolicy as unknown as ModelClass,
  applications: Application as unknown as ModelClass,
  appprojects: AppProject as unknown as ModelClass,
};

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
}

function valueAt(object: unknown, instancePath: string): unknown {
  let node = object;
  for (const part of instancePath.split('/').filter((p) => p !== '')) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isJson(node)) node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    else return undefined;
  }
  return node;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Schema errors as the API server reports them; a decode failure of a built-in kind throws 400. */
function schemaCauses(type: ResourceType, object: KubeObject): StatusCause[] {
  const Model = MODELS[type.resource];
  if (!Model) return [];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    const causes = new Causes();
    for (const e of errors) {
      const field = fieldOf(e.instancePath);
      const value = valueAt(object, e.instancePath);
      switch (e.keyword) {
        case 'required':
          causes.required(
            field ? `${field}.${String(e.params.missingProperty)}` : String(e.params.missingProperty),
          );
          break;
        case 'type': {
          const expected = String(e.params.type);
          if (!type.custom) {
            throw badRequest(
              `${type.kind} in version "${type.apiVersion.split('/').pop()}" cannot be handled as a ${type.kind}: json: cannot unmarshal ${jsonType(value) === 'integer' ? 'number' : jsonType(value)} into Go struct field .${field} of type ${expected}`,
            );
          }
          causes.list.push({
            reason: 'FieldValueTypeInvalid',
            message: `Invalid value: "${jsonType(value)}": ${field} in body must be of type ${expected}: "${jsonType(value)}"`,
            field,
          });
          break;
        }
        case 'enum':
          causes.unsupported(field, value, ((e.params.allowedValues as unknown[]) ?? []).map(String));
          break;
        default:
          causes.invalidValue(field, value, `${field} in body ${e.message ?? 'is invalid'}`);
      }
    }
    return causes.list;
  }
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Go's `%#v` of a string map, as validation messages print label maps. */
function goMap(labels: Json): string {
  return `map[string]string{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** IANA_SVC_NAME, the rule for container and Service port names (validation.ValidatePortName). */
function checkPortName(causes: Causes, field: string, name: unknown) {
  if (name === undefined || name === '') return;
  const text = String(name);
  if (text.length > 15) causes.invalidValue(field, text, 'must be no more than 15 characters');
  else if (!/^[-a-z0-9]+$/.test(text))
    causes.invalidValue(
      field,
      text,
      'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    );
  else if (!/[a-z]/.test(text)) causes.invalidValue(field, text, 'must contain at least one letter (a-z)');
  else if (text.startsWith('-') || text.endsWith('-') || text.includes('--'))
    causes.invalidValue(field, text, 'must not begin or end with a hyphen, or contain adjacent hyphens');
}

function checkPort(causes: Causes, field: string, port: unknown) {
  if (typeof port === 'number' && (port < 1 || port > 65535))
    causes.invalidValue(field, port, 'must be between 1 and 65535, inclusive');
}

/** Labels must select the template's labels, as apps/validation.go ValidateDeploymentSpec requires. */
function checkWorkload(causes: Causes, object: Json, previous: Json | undefined) {
  const spec = asJson(object.spec);
  const selector = asJson(spec.selector);
  const matchLabels = asJson(selector.matchLabels);
  const templateLabels = asJson(asJson(asJson(spec.template).metadata).labels);
  if (Object.keys(matchLabels).length === 0 && asList(selector.matchExpressions).length === 0) {
    causes.invalidValue('spec.selector', '{}', 'empty selector is invalid for deployment');
  } else if (!Object.entries(matchLabels).every(([k, v]) => templateLabels[k] === v)) {
    causes.list.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``,
      field: 'spec.template.metadata.labels',
    });
  }
  if (previous && JSON.stringify(asJson(previous.spec).selector) !== JSON.stringify(spec.selector)) {
    causes.list.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(spec.selector)}: field is immutable`,
      field: 'spec.selector',
    });
  }
  checkLabels(causes, 'spec.template.metadata.labels', templateLabels);
  const podSpec = asJson(asJson(spec.template).spec);
  checkPodSpec(causes, 'spec.template.spec', podSpec, ['Always']);
  asList(podSpec.containers).forEach((c, i) => {
    asList(asJson(c).ports).forEach((p, j) => {
      const base = `spec.template.spec.containers[${i}].ports[${j}]`;
      checkPortName(causes, `${base}.name`, asJson(p).name);
      checkPort(causes, `${base}.containerPort`, asJson(p).containerPort);
    });
  });
}

function checkService(causes: Causes, object: Json, previous: Json | undefined) {
  const spec = asJson(object.spec);
  const ports = asList(spec.ports);
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0)
    causes.required('spec.ports');
  ports.forEach((p, i) => {
    const port = asJson(p);
    if (ports.length > 1 && !port.name) causes.required(`spec.ports[${i}].name`);
    checkPortName(causes, `spec.ports[${i}].name`, port.name);
    checkPort(causes, `spec.ports[${i}].port`, port.port);
    if (typeof port.targetPort === 'string')
      checkPortName(causes, `spec.ports[${i}].targetPort`, port.targetPort);
    else checkPort(causes, `spec.ports[${i}].targetPort`, port.targetPort);
  });
  const before = asJson(previous?.spec).clusterIP;
  if (previous && before && spec.clusterIP !== undefined && spec.clusterIP !== before) {
    causes.invalidValue('spec.clusterIP', spec.clusterIP, 'field is immutable');
  }
}

/** networking/validation.go: hosts are DNS subdomains (a leading `*.` allowed), paths typed. */
function checkIngress(causes: Causes, object: Json) {
  const spec = asJson(object.spec);
  const checkHost = (field: string, host: unknown) => {
    if (typeof host !== 'string') return;
    const bare = host.startsWith('*.') ? host.slice(2) : host;
    if (!DNS1123_SUBDOMAIN.test(bare) || bare.length > 253)
      causes.invalidValue(field, host, SUBDOMAIN_MESSAGE);
  };
  asList(spec.rules).forEach((r, i) => {
    const rule = asJson(r);
    checkHost(`spec.rules[${i}].host`, rule.host);
    asList(asJson(rule.http).paths).forEach((p, j) => {
      const path = asJson(p);
      const base = `spec.rules[${i}].http.paths[${j}]`;
      if (path.pathType === undefined) {
        causes.list.push({
          reason: 'FieldValueRequired',
          message: 'Required value: pathType must be specified',
          field: `${base}.pathType`,
        });
      } else if (path.pathType !== 'ImplementationSpecific' && !String(path.path ?? '').startsWith('/')) {
        causes.invalidValue(`${base}.path`, path.path ?? '', 'must be an absolute path');
      }
      const service = asJson(asJson(path.backend).service);
      if (isJson(asJson(path.backend).service)) {
        if (!service.name) causes.required(`${base}.backend.service.name`);
        else if (!DNS1035_LABEL.test(String(service.name)))
          causes.invalidValue(`${base}.backend.service.name`, service.name, DNS1035_MESSAGE);
        const port = asJson(service.port);
        if (port.name === undefined && port.number === undefined)
          causes.required(`${base}.backend.service.port`);
      }
    });
  });
  asList(spec.tls).forEach((t, i) => {
    asList(asJson(t).hosts).forEach((h, j) => {
      checkHost(`spec.tls[${i}].hosts[${j}]`, h);
    });
  });
}

function checkQuota(causes: Causes, object: Json) {
  for (const [resource, value] of Object.entries(asJson(asJson(object.spec).hard))) {
    if (parseQuantity(value) === null) {
      causes.invalidValue(
        `spec.hard[${resource}]`,
        value,
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      );
    }
  }
}

/**
 * All checks for one write; `previous` is the stored object on updates (for immutable fields).
 * Throws 400 for what fails decoding; returns the 422 causes otherwise.
 */
export function validateObject(type: ResourceType, object: KubeObject, previous?: KubeObject): StatusCause[] {
  if (type.resource === 'jobs') return validateJob(object);
  if (type.resource === 'secrets') return validateSecret(object);
  const causes = new Causes();
  const metadata = object.metadata as unknown as Json;
  if (type.resource === 'namespaces')
    checkMetadata(causes, metadata, 63, { pattern: DNS1123_LABEL, message: LABEL_MESSAGE });
  else if (type.resource === 'services')
    checkMetadata(causes, metadata, 63, { pattern: DNS1035_LABEL, message: DNS1035_MESSAGE });
  else checkMetadata(causes, metadata, 253);
  const schema = schemaCauses(type, object);
  const body = object as unknown as Json;
  const before = previous as unknown as Json | undefined;
  switch (type.resource) {
    case 'deployments':
    case 'replicasets':
      checkWorkload(causes, body, before);
      break;
    case 'services':
      checkService(causes, body, before);
      break;
    case 'ingresses':
      checkIngress(causes, body);
      break;
    case 'resourcequotas':
      checkQuota(causes, body);
      break;
    default:
      break;
  }
  // Where the kind's own validation speaks about a field, its message replaces the schema's.
  const spoken = new Set(causes.list.map((c) => c.field));
  return [...schema.filter((c) => !spoken.has(c.field)), ...causes.list];
}
