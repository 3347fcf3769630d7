import type { ResolvedPolicy } from '../model/policy.ts';
import { ClusterFacetPolicy, FacetPolicy } from './crd-schema.ts';
import { describeIssues } from '../admission/review.ts';
import { K8sError } from './errors.ts';
import { compilePolicy, resolvePolicy, type CompiledPolicy, type PolicyDefaults } from './policy-resolve.ts';

export type PolicyKind = 'FacetPolicy' | 'ClusterFacetPolicy';

/**
 * The policies the webhook decides with: one snapshot per kind, replaced whole from the informer's list
 * (policies are few; rebuilding avoids diff bugs). Objects the zod schema refuses are left out and
 * reported once per resourceVersion: the API server's schema checks less than zod (map keys, facet ids).
 */
export class PolicyCache {
  readonly #snapshots = new Map<PolicyKind, readonly CompiledPolicy[]>();
  #all: readonly CompiledPolicy[] = [];
  readonly #reported = new Set<string>();
  readonly #onInvalid: (error: K8sError) => void;

  constructor(onInvalid: (error: K8sError) => void = () => {}) {
    this.#onInvalid = onInvalid;
  }

  /** Both kinds have been listed at least once. */
  get synced(): boolean {
    return this.#snapshots.has('FacetPolicy') && this.#snapshots.has('ClusterFacetPolicy');
  }

  policies(): readonly CompiledPolicy[] {
    return this.#all;
  }

  replace(kind: PolicyKind, objects: readonly unknown[]): void {
    const schema = kind === 'FacetPolicy' ? FacetPolicy : ClusterFacetPolicy;
    const compiled: CompiledPolicy[] = [];
    for (const object of objects) {
      const parsed = schema.safeParse(object);
      if (parsed.success) {
        compiled.push(compilePolicy(parsed.data));
        continue;
      }
      const meta = (object as { metadata?: { namespace?: string; name?: string; resourceVersion?: string } })
        ?.metadata;
      const id = `${kind} ${meta?.namespace ? `${meta.namespace}/` : ''}${meta?.name ?? '(unnamed)'}`;
      const key = `${id}@${meta?.resourceVersion ?? ''}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.#onInvalid(
        new K8sError('POLICY_INVALID', `${id} is ignored: ${describeIssues(parsed.error)}`, {
          hint: 'fix the policy; until then the other matching policies and the defaults apply',
        }),
      );
    }
    this.#snapshots.set(kind, compiled);
    this.#all = [
      ...(this.#snapshots.get('FacetPolicy') ?? []),
      ...(this.#snapshots.get('ClusterFacetPolicy') ?? []),
    ];
  }

  resolve(query: { namespace: string; repository: string }, defaults: PolicyDefaults): ResolvedPolicy {
    return resolvePolicy(this.#all, query, defaults);
  }
}
