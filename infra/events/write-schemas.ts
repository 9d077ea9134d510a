// `npm run events:schemas`: writes docs/events/<detail type>.schema.json from the zod definitions
// (shared/events/json-schemas.ts). `-- --check` writes nothing and exits 1 when a committed file
// differs from what the code generates (the test in test/unit/events does the same).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveEventJsonSchemas, schemaFileText } from '../../shared/events/json-schemas.ts';

export const EVENT_SCHEMAS_DIR = join(import.meta.dirname, '..', '..', 'docs', 'events');

const check = process.argv.includes('--check');
let drifted = 0;
mkdirSync(EVENT_SCHEMAS_DIR, { recursive: true });
for (const [name, schema] of Object.entries(archiveEventJsonSchemas())) {
  const path = join(EVENT_SCHEMAS_DIR, name);
  const text = schemaFileText(schema);
  let committed: string | undefined;
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    committed = undefined;
  }
  if (committed === text) continue;
  drifted += 1;
  if (check) console.error(`docs/events/${name} differs from the code: run npm run events:schemas`);
  else {
    writeFileSync(path, text);
    console.log(`wrote docs/events/${name}`);
  }
}
if (check && drifted > 0) process.exit(1);
if (!check && drifted === 0) console.log('docs/events/ is up to date');
