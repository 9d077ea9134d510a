// `<DATA_DIR>/local-secrets.json` (mode 600): the generated API token and the simulator's
// credentials, kept so a restarted stack answers to the same token and signs with the same keys.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorCredentials } from './simulator/server.ts';

export interface LocalSecrets {
  archiveApiToken: string;
  /** Kept so a restarted simulator signs with the same credentials (and seeds the same ids). */
  simulator?: Partial<SimulatorCredentials> & { seed?: string };
}

export const SECRETS_FILE = 'local-secrets.json';

export function loadSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, SECRETS_FILE);
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
      if (typeof saved.archiveApiToken === 'string' && saved.archiveApiToken) return saved as LocalSecrets;
    } catch {
      // A damaged file is replaced: it holds only generated local values.
    }
  }
  return { archiveApiToken: randomBytes(24).toString('base64url') };
}

export function saveSecrets(dataDir: string, secrets: LocalSecrets): void {
  const file = join(dataDir, SECRETS_FILE);
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

