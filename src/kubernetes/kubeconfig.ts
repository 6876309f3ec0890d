import { KubeConfig } from '@kubernetes/client-node';

/**
 * How the bot reaches the Kubernetes API (agents runner and previews): the pod's own ServiceAccount (the bot running
 * in the cluster), a kubeconfig file (`KUBECONFIG` or `~/.kube/config` when no path is
 * given, falling back to in-cluster), or an explicit server and bearer token.
 */
export type KubernetesConnection =
  | { kind: 'in-cluster' }
  | { kind: 'kubeconfig'; path?: string; context?: string }
  | { kind: 'token'; server: string; token: string; caData?: string; skipTLSVerify?: boolean };

export function buildKubeConfig(connection: KubernetesConnection): KubeConfig {
  const config = new KubeConfig();
  switch (connection.kind) {
    case 'in-cluster':
      if (!process.env.KUBERNETES_SERVICE_HOST) {
        throw new Error('in-cluster Kubernetes config needs KUBERNETES_SERVICE_HOST (not running in a pod?)');
      }
      config.loadFromCluster();
      return config;
    case 'kubeconfig':
      if (connection.path) config.loadFromFile(connection.path);
      else config.loadFromDefault();
      if (connection.context) {
        if (!config.getContextObject(connection.context)) {
          throw new Error(`kubeconfig has no context "${connection.context}"`);
        }
        config.setCurrentContext(connection.context);
      }
      if (!config.getCurrentCluster()) throw new Error('kubeconfig has no current cluster');
      return config;
    case 'token': {
      if (!URL.canParse(connection.server)) {
        throw new Error(`Kubernetes server must be a URL, got "${connection.server}"`);
      }
      // The client refuses plain http unless TLS verification is marked as skipped.
      const plainHttp = new URL(connection.server).protocol === 'http:';
      config.loadFromClusterAndUser(
        {
          name: 'aiworker',
          server: connection.server.replace(/\/+$/, ''),
          skipTLSVerify: plainHttp || connection.skipTLSVerify === true,
          ...(connection.caData ? { caData: connection.caData } : {}),
        },
        { name: 'aiworker', token: connection.token },
      );
      return config;
    }
  }
}
