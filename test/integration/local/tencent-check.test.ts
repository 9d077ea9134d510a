// The `npm start` credential check against a real-API stand-in: besides refusing bad credentials,
// it says which operator form (open points #2, #3) the account accepts, whatever the other form answers.
import type { Simulator } from '../../../infra/local/simulator/server.ts';
import { PROFILES, type ProfileName } from '../../../infra/local/simulator/profiles.ts';
import { checkTencentCredentials, TencentCredentialsError } from '../../../infra/local/tencent-check.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { simulatorPerTest } from '../../support/simulator.ts';

let sim: Simulator;
const start = simulatorPerTest((started) => (sim = started));

const FORM_TEXT = { sdk: 'operator_id=<operator>&operator_id_type=<type>', seed: 'userid=<operator>' } as const;

describe('npm start credential check', () => {
  it.each(['sdk', 'sdk-empty', 'seed', 'seed-empty'] as ProfileName[])('names the operator form the account accepts (profile %s)', async (profile) => {
    await start({ profile });
    sim.model.createMeeting({ subject: 'recent', hostUserId: sim.credentials.operatorId, startTimeMs: Date.now() - 3_600_000, files: [{ sizeBytes: 10 }] });
    const report = await checkTencentCredentials(parseTencentConfig(sim.env()));
    const form = FORM_TEXT[PROFILES[profile].operatorForm as 'sdk' | 'seed'];
    expect(report).toContain(`GET /v1/records takes ${form}`);
    expect(report).toContain(`GET /v1/addresses/{id} takes ${form}`);
  });

  it('says when the form cannot be told yet: no recording, and both forms answer an empty list', async () => {
    await start({ profile: 'seed-empty' });
    expect(await checkTencentCredentials(parseTencentConfig(sim.env()))).toMatch(/not determined yet/);
  });

  it('still refuses wrong credentials, naming the variables', async () => {
    await start();
    await expect(checkTencentCredentials(parseTencentConfig({ ...sim.env(), TENCENT_MEETING_SECRET_ID: 'AKIDwrong' }))).rejects.toThrow(TencentCredentialsError);
  });
});
