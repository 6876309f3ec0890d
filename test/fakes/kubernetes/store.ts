import { expired } from './api-status.ts';
import type { Selector } from './selectors.ts';
import { clone, type KubeObject, namespaceOf, type ResourceName } from './types.ts';

/**
 * Objects and their history, like etcd under the API server: one revision counter for all
 * writes, each object's `resourceVersion` is the revision of its last write, and watches
 * are served from a bounded event history. Compaction (here: `expire`) makes older
 * versions unservable, so a watch resuming from one gets `410 Expired`.
 */

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  revision: number;
  type: EventType;
  resource: ResourceName;
  object: KubeObject;
}

export interface WatchSink {
  resource: ResourceName;
  namespace: string;
  labels: Selector;
  fields: (name: string, namespace: string) => boolean;
  send(type: EventType | 'ERROR' | 'BOOKMARK', object: unknown): void;
  end(): void;
  /** A stalled watch stays open but receives nothing (a half-open connection). */
  stalled?: boolean;
}

export class ObjectStore {
  private revision = 1;
  /** Events at or below this revision are no longer in the history. */
  private compactedThrough = 0;
  private readonly objects = new Map<string, { resource: ResourceName; object: KubeObject }>();
  private readonly history: StoredEvent[] = [];
  private readonly sinks = new Set<WatchSink>();

  constructor(private readonly historyLimit = 1000) {}

  get resourceVersion(): string {
    return String(this.revision);
  }

  private key(resource: ResourceName, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  get(resource: ResourceName, namespace: string, name: string): KubeObject | undefined {
    const entry = this.objects.get(this.key(resource, namespace, name));
    return entry ? clone(entry.object) : undefined;
  }

  list(resource: ResourceName, namespace?: string): KubeObject[] {
    return [...this.objects.values()]
      .filter(
        (e) => e.resource === resource && (namespace === undefined || namespaceOf(e.object) === namespace),
      )
      .map((e) => clone(e.object))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Every object in a namespace, of any resource (for garbage collection and namespace deletion). */
  inNamespace(namespace: string): Array<{ resource: ResourceName; object: KubeObject }> {
    if (namespace === '') return [];
    return [...this.objects.values()]
      .filter((e) => namespaceOf(e.object) === namespace)
      .map((e) => ({ resource: e.resource, object: clone(e.object) }));
  }

  /** Writes the object with a new resourceVersion; returns what was stored. */
  put(resource: ResourceName, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    this.revision += 1;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(this.revision);
    this.objects.set(this.key(resource, namespaceOf(stored), stored.metadata.name), {
      resource,
      object: stored,
    });
    this.record({ revision: this.revision, type, resource, object: clone(stored) });
    return clone(stored);
  }

  remove(resource: ResourceName, namespace: string, name: string): KubeObject | undefined {
    const key = this.key(resource, namespace, name);
    const entry = this.objects.get(key);
    if (!entry) return undefined;
    this.objects.delete(key);
    this.revision += 1;
    const gone = clone(entry.object);
    gone.metadata.resourceVersion = String(this.revision);
    this.record({ revision: this.revision, type: 'DELETED', resource, object: clone(gone) });
    return gone;
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.revision;
    }
    for (const sink of this.sinks) this.deliver(sink, event);
  }

  private deliver(sink: WatchSink, event: StoredEvent): void {
    if (sink.stalled) return;
    const meta = event.object.metadata;
    if (sink.resource !== event.resource || sink.namespace !== namespaceOf(event.object)) return;
    if (!sink.labels(meta.labels) || !sink.fields(meta.name, namespaceOf(event.object))) return;
    sink.send(event.type, event.object);
  }

  /**
   * Starts a watch: from a resource version, the events after it (410 Expired when they are
   * compacted away); without one, the current objects as ADDED events first.
   */
  watch(sink: WatchSink, fromVersion: string | null): void {
    if (fromVersion === null || fromVersion === '' || fromVersion === '0') {
      for (const object of this.list(sink.resource, sink.namespace)) {
        if (sink.labels(object.metadata.labels) && sink.fields(object.metadata.name, namespaceOf(object))) {
          sink.send('ADDED', object);
        }
      }
    } else {
      const from = Number(fromVersion);
      if (!Number.isInteger(from) || from < this.compactedThrough) {
        sink.send('ERROR', expired(Number.isInteger(from) ? from : 0, this.compactedThrough + 1).status);
        sink.end();
        return;
      }
      for (const event of this.history) if (event.revision > from) this.deliver(sink, event);
    }
    this.sinks.add(sink);
  }

  unwatch(sink: WatchSink): void {
    this.sinks.delete(sink);
  }

  get openWatches(): number {
    return this.sinks.size;
  }

  /**
   * Compacts the whole history and ends every open watch with `410 Expired`, as when a
   * watch falls behind etcd compaction: clients must re-list to carry on.
   */
  expire(): number {
    this.compactedThrough = this.revision;
    this.history.length = 0;
    const ended = [...this.sinks];
    this.sinks.clear();
    for (const sink of ended) {
      sink.send('ERROR', expired(Number(this.revision) - 1, this.revision).status);
      sink.end();
    }
    return ended.length;
  }

  /** Open watches stop receiving events but stay connected, like a connection lost silently. */
  stall(): number {
    for (const sink of this.sinks) sink.stalled = true;
    return this.sinks.size;
  }

  /** Ends every open watch normally, as the API server does when a watch's timeout passes. */
  endWatches(): number {
    const ended = [...this.sinks];
    this.sinks.clear();
    for (const sink of ended) sink.end();
    return ended.length;
  }
}
