// The authorization engine's thread (started by engine-thread.ts for a SQLite file): a connection of its own to the
// database and an AuthorizationEngine on it. Authorizations arrive as messages; each answer goes back after the batch
// that decided it has committed, with word of the commit so the main thread's listeners (webhook dispatch, event
// streams) wake. Nothing here talks to the network: the decision waits only on the database.
import { parentPort, workerData } from 'node:worker_threads';
import { adoptIdSequenceMemory } from '../domain/ids.js';
import { cardsFollowAgentStatus } from '../modules/cards/service.js';
import { recordUserBalanceUpdates } from '../modules/users/balance-events.js';
import { SqliteDatabase } from '../store/sqlite/database.js';
import { AuthorizationEngine } from './engine.js';
import { serializeEngineError, type EngineAnswer, type EngineWorkerData, type ToEngine, type FromEngine } from './engine-messages.js';

if (parentPort === null) throw new Error('engine-worker.ts runs as a worker thread (src/network/engine-thread.ts starts it)');
const port = parentPort;
const { path, idSequence, secrets, settlementDelayMs } = workerData as EngineWorkerData;
adoptIdSequenceMemory(idSequence);

// Wired as src/app.ts wires the main thread (functions do not cross to a thread): balance events before each commit,
// and an agent suspended by a limit or risk rule has its cards frozen.
const db = new SqliteDatabase(path);
db.addCommitStep(recordUserBalanceUpdates);
const engine = new AuthorizationEngine(db, { secrets, settlementDelayMs, followAgentStatus: cardsFollowAgentStatus });

let answers: EngineAnswer[] = [];
let committed = false;
let flushScheduled = false;

/** The answers of one turn (a batch's callers are answered together) go back in one message. */
function send(answer: EngineAnswer | undefined): void {
  if (answer !== undefined) answers.push(answer);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const message: FromEngine = { type: 'answers', answers, committed };
    answers = [];
    committed = false;
    port.postMessage(message);
  });
}

db.onCommit(() => {
  committed = true;
  send(undefined);
});

port.on('message', (message: ToEngine) => {
  if (message.type === 'authorize') {
    for (const job of message.jobs) {
      engine.authorize(job.scope, job.request, job.nowMs).then(
        (transaction) => send({ id: job.id, transaction }),
        (error: unknown) => send({ id: job.id, error: serializeEngineError(error) }),
      );
    }
    return;
  }
  void (async () => {
    await engine.close();
    await db.close();
    port.postMessage({ type: 'closed' } satisfies FromEngine);
  })();
});

port.postMessage({ type: 'ready' } satisfies FromEngine);
