// A process that runs one withdrawal sender pass on a test store and is killed with SIGKILL right after the first
// withdrawal's transaction is signed and stored, before it is broadcast: the crash the sender must survive.
// Usage: tsx withdrawal-sender-child.ts sqlite <file> | postgres <schema>; the chain comes from CARDRAIL_RPC_URL_<NETWORK>.
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { testSecrets } from '../../src/secrets.js';
import type { Database } from '../../src/store/database.js';
import { PostgresDatabase } from '../../src/store/postgres/database.js';
import { SqliteDatabase } from '../../src/store/sqlite/database.js';
import { WithdrawalSender } from '../../src/workers/withdrawal-sender.js';
import { testPostgresUrl } from './stores.js';

const [kind, location] = process.argv.slice(2);
const db: Database = kind === 'postgres' ? new PostgresDatabase({ connectionString: testPostgresUrl, schema: location! }) : new SqliteDatabase(location!);
const sender = new WithdrawalSender(
  { db, clock: systemClock, logger: createLogger('warn'), secrets: testSecrets(), config: loadConfig(process.env) },
  {
    afterSigned: (send) => {
      process.stdout.write(`signed ${send.withdrawalId} ${send.txHash}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  },
);
await sender.runOnce();
process.stdout.write('finished without signing\n');
await db.close();
