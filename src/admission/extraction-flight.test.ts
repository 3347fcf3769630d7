import { describe, expect, it } from 'vitest';
import type { FacetSeal } from '../model/seal.ts';
import { decideAdmission } from './decide.ts';
import type { ExtractionRequest } from './ports.ts';
import { SingleFlight } from './single-flight.ts';
import { BASE, CUR, DEFAULTS, drift, fakePorts, podRequest, seal } from './test-ports.ts';

const IMAGE = 'registry.example/app:v2';
const options = { deadline: 1_000_000 + 8_500, defaults: DEFAULTS };

describe('extraction on a miss: dry runs and real reviews of one digest', () => {
  it('never lets a real review share a dry run extraction (whose seals are not stored)', async () => {
    const requests: ExtractionRequest[] = [];
    const finish: Array<(seals: FacetSeal[]) => void> = [];
    const { ports } = fakePorts([drift('os', 'Pass')], {
      findSeals: ({ digest: d }) => Promise.resolve(d === BASE ? [seal('os', BASE)] : []),
      extractions: new SingleFlight<readonly FacetSeal[]>(),
      extractOnMiss: (request) => {
        requests.push(request);
        return new Promise((resolve) => finish.push(resolve));
      },
    });
    const dry = decideAdmission(podRequest([IMAGE], { uid: 'dry', dryRun: true }), options, ports);
    const real = decideAdmission(podRequest([IMAGE], { uid: 'real' }), options, ports);
    const again = decideAdmission(podRequest([IMAGE], { uid: 'again' }), options, ports);
    for (let i = 0; i < 5 && requests.length < 2; i++) await new Promise((r) => setImmediate(r));
    // one for the dry run, one shared by the two real reviews
    expect(requests.map((r) => r.persist)).toEqual([false, true]);
    for (const done of finish) done([seal('os', CUR)]);
    const outcomes = await Promise.all([dry, real, again]);
    expect(outcomes.map((o) => o.result.allowed)).toEqual([true, true, true]);
  });
});
