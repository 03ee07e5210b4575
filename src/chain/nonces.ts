// The treasury's nonces, one counter per (network, address) in the database: the only writer of chain_nonces. A nonce
// is allocated inside the transaction that stores the withdrawal's signed transaction, so it is used exactly when that
// commits; concurrent allocations (several processes on one PostgreSQL) serialise on the counter's row.
import type { Sql } from '../store/database.js';

/**
 * The next nonce of `address` on `network`, and the counter moved past it. `chainNonceFloor` is the account's
 * transaction count the node reported (pending included) shortly before: when something else spent nonces from the
 * same account, the counter skips ahead to it; it never goes back.
 */
export async function allocateNonce(tx: Sql, network: string, address: string, chainNonceFloor: number, nowMs: number): Promise<number> {
  if (!Number.isSafeInteger(chainNonceFloor) || chainNonceFloor < 0) throw new RangeError(`chain nonce floor must be a non-negative integer, got ${chainNonceFloor}`);
  const row = await tx.get<{ next_nonce: number }>(
    `INSERT INTO chain_nonces (network, address, next_nonce, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (network, address) DO UPDATE
       SET next_nonce = (CASE WHEN chain_nonces.next_nonce > ? THEN chain_nonces.next_nonce ELSE ? END) + 1, updated_at = excluded.updated_at
     RETURNING next_nonce`,
    [network, address.toLowerCase(), chainNonceFloor + 1, nowMs, chainNonceFloor, chainNonceFloor],
  );
  const nonce = Number(row!.next_nonce) - 1;
  if (!(nonce >= chainNonceFloor)) throw new Error(`nonce ${nonce} allocated below the chain's count ${chainNonceFloor}`);
  return nonce;
}

/** The nonce the next allocation would start from (the counter), or undefined before the first. */
export async function nextNonce(sql: Sql, network: string, address: string): Promise<number | undefined> {
  const row = await sql.get<{ next_nonce: number }>('SELECT next_nonce FROM chain_nonces WHERE network = ? AND address = ?', [network, address.toLowerCase()]);
  return row === undefined ? undefined : Number(row.next_nonce);
}
