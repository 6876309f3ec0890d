import type {
  V1Deployment,
  V1Ingress,
  V1LabelSelector,
  V1Namespace,
  V1NetworkPolicyPort,
  V1ObjectMeta,
  V1ResourceQuota,
  V1Service,
} from '@kubernetes/client-node';
import { imageAtSha } from './image-ref.ts';
import {
  IMAGE_ANNOTATION,
  previewLabels,
  REPO_ANNOTATION,
  SHA_ANNOTATION,
  URL_ANNOTATION,
} from './preview-labels.ts';
import { previewHost, previewName, previewUrl } from './preview-name.ts';

/**
 * The objects of a `kubernetes`-mode preview, as pure functions of the pull request and the
 * preview settings. Everything lives in the preview's own namespace `pr-<N>-<repo>`, so
 * deleting the namespace tears it all down:
 * - Namespace: Pod Security `restricted` enforced (and warned about);
 * - ResourceQuota: room for two pods (a rolling update runs the new pod beside the old one),
 *   no LoadBalancer or NodePort Services, no volumes claimed;
 * - NetworkPolicy: traffic in only from the ingress controller's namespace to the app's port;
 *   out only DNS and addresses outside the private ranges (not the cluster, not the cloud's
 *   metadata endpoint);
 * - Deployment: one replica of `<image>:<sha>` as non-root with no privileges, requests and
 *   limits, and a readiness probe on `port`/`healthPath`;
 * - Service `preview` (port 80 → the app's port) and an Ingress for
 *   `pr-<N>-<repo>.<PREVIEW_DOMAIN>` with TLS.
 * Objects are sent by server-side apply, so they carry exactly the fields the bot has an
 * opinion on; the API server fills in the rest.
 */

export const PREVIEW_APP = 'preview';
export const APP_CONTAINER = 'app';

export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export const DEFAULT_PREVIEW_RESOURCES: ContainerResources = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** Twice the default container's requests and limits (old and new pod during a rollout), and a little spare. */
export const DEFAULT_PREVIEW_QUOTA: Record<string, string> = {
  pods: '4',
  'requests.cpu': '200m',
  'requests.memory': '256Mi',
  'limits.cpu': '2',
  'limits.memory': '1Gi',
  services: '2',
  'services.loadbalancers': '0',
  'services.nodeports': '0',
  persistentvolumeclaims: '0',
};

/** Private, link-local and carrier-grade NAT ranges: the cluster's and the cloud's own networks. */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
];

export interface PreviewTarget {
  /** `owner/name` */
  repo: string;
  prNumber: number;
  /** Full commit sha of the pull request's head: the image tag. */
  sha: string;
  /** Image repository without tag (`build.image`). */
  image: string;
}

export interface KubernetesPreviewSettings {
  /** `PREVIEW_DOMAIN` */
  domain: string;
  /** Port the app listens on (`preview.port`). */
  port: number;
  /** Path that answers 2xx once the app can serve (`preview.healthPath`). */
  healthPath: string;
  /** Secret with the wildcard certificate in each preview namespace; unset: the ingress controller's default certificate. */
  tlsSecretName?: string;
  ingressClassName?: string;
  /** Namespace of the ingress controller's pods, the only source of traffic in. Default `ingress-nginx`. */
  ingressNamespace?: string;
  resources?: ContainerResources;
  quota?: Record<string, string>;
}

/**
 * A NetworkPolicy as it goes on the wire: the generated client names the rules' `from` field
 * `_from`, and apply bodies are sent as they are, so this one is spelled out.
 */
export interface NetworkPolicyManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: V1ObjectMeta;
  spec: {
    podSelector: V1LabelSelector;
    policyTypes: Array<'Ingress' | 'Egress'>;
    ingress: Array<{ from: NetworkPolicyPeer[]; ports: V1NetworkPolicyPort[] }>;
    egress: Array<{ to: NetworkPolicyPeer[]; ports?: V1NetworkPolicyPort[] }>;
  };
}

interface NetworkPolicyPeer {
  namespaceSelector?: V1LabelSelector;
  podSelector?: V1LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PreviewManifests {
  name: string;
  url: string;
  image: string;
  namespace: V1Namespace;
  /** In apply order: the quota and policy before anything that runs. */
  namespaced: [V1ResourceQuota, NetworkPolicyManifest, V1Service, V1Deployment, V1Ingress];
}

export function renderPreviewManifests(
  target: PreviewTarget,
  settings: KubernetesPreviewSettings,
): PreviewManifests {
  if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) {
    throw new Error(`preview port must be 1-65535, got ${String(settings.port)}`);
  }
  if (!settings.healthPath.startsWith('/')) {
    throw new Error(`preview health path must start with "/", got "${settings.healthPath}"`);
  }
  const name = previewName(target.prNumber, target.repo);
  const host = previewHost(name, settings.domain);
  const url = previewUrl(name, settings.domain);
  const image = imageAtSha(target.image, target.sha);
  const labels = previewLabels(target.repo, target.prNumber);
  const annotations = {
    [REPO_ANNOTATION]: target.repo,
    [SHA_ANNOTATION]: target.sha,
    [IMAGE_ANNOTATION]: image,
    [URL_ANNOTATION]: url,
  };
  const meta = (kindName: string) => ({ name: kindName, namespace: name, labels, annotations });
  const selector = { 'app.kubernetes.io/name': PREVIEW_APP, 'app.kubernetes.io/instance': name };

  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
      annotations,
    },
  };

  const quota: V1ResourceQuota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta(PREVIEW_APP),
    spec: { hard: { ...(settings.quota ?? DEFAULT_PREVIEW_QUOTA) } },
  };

  const networkPolicy: NetworkPolicyManifest = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(PREVIEW_APP),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': settings.ingressNamespace ?? 'ingress-nginx' },
              },
            },
          ],
          ports: [{ port: settings.port, protocol: 'TCP' }],
        },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }] },
      ],
    },
  };

  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(PREVIEW_APP),
    spec: {
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const resources = settings.resources ?? DEFAULT_PREVIEW_RESOURCES;
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(PREVIEW_APP),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: APP_CONTAINER,
              image,
              ports: [{ name: 'http', containerPort: settings.port, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: { path: settings.healthPath, port: 'http' },
                periodSeconds: 5,
                failureThreshold: 3,
              },
              resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                runAsNonRoot: true,
              },
            },
          ],
        },
      },
    },
  };

  const ingress: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(PREVIEW_APP),
    spec: {
      ...(settings.ingressClassName ? { ingressClassName: settings.ingressClassName } : {}),
      tls: [{ hosts: [host], ...(settings.tlsSecretName ? { secretName: settings.tlsSecretName } : {}) }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: PREVIEW_APP, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };

  return { name, url, image, namespace, namespaced: [quota, networkPolicy, service, deployment, ingress] };
}
