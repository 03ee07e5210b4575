// Values sealed at rest (src/sealing.ts) by the PAN vault and the webhook secrets: the stored format is unchanged, so
// rows written before these two shared the helper still open, and the helper's own guarantees hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decryptPan, encryptPan } from '../src/modules/cards/vault.js';
import { openWebhookSecret, sealWebhookSecret } from '../src/modules/webhooks/signing.js';
import { openSealedValue, sealValue } from '../src/sealing.js';
import { testSecrets } from '../src/secrets.js';

const secrets = testSecrets();
const fixedIv = Uint8Array.from({ length: 12 }, (_, index) => index + 1);

// Written by the vault's and the webhook module's own AES-GCM code before they shared src/sealing.ts.
const panSealedBefore = { pan: '4000001234567899', iv: fixedIv, stored: 'v1:AQIDBAUGBwgJCgsMj0zYrlra0x7WCjcoop+aeVW2eJI9jWZkUm+c/h5WiBI=' };
const webhookSecretSealedBefore = {
  endpointId: 'webhook_01jxq4t0g8v6c2m9k3h5n7p1rs',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8QXaYFBW5ns=',
  stored: 'v1:SVD//rigyuUpzx3DgcOzc2pSURc+5iNVar1hYJJ8dCeUCBUklrN1sOjqNY9ZfQUrnGrTEeg6PHp/31+UcASK3cmnkrZo7oiN3cVo1X45',
};

describe('sealed values at rest', () => {
  it('a card number sealed before opens, and sealing it again with the same IV gives the same bytes', () => {
    assert.equal(decryptPan(secrets, panSealedBefore.stored), panSealedBefore.pan);
    assert.equal(encryptPan(secrets, panSealedBefore.pan, panSealedBefore.iv), panSealedBefore.stored);
  });

  it('a webhook secret sealed before opens for its endpoint only', () => {
    assert.equal(openWebhookSecret(secrets, webhookSecretSealedBefore.endpointId, webhookSecretSealedBefore.stored), webhookSecretSealedBefore.secret);
    assert.throws(() => openWebhookSecret(secrets, 'webhook_other', webhookSecretSealedBefore.stored), /webhook secret failed authentication/);
    const resealed = sealWebhookSecret(secrets, webhookSecretSealedBefore.endpointId, webhookSecretSealedBefore.secret);
    assert.notEqual(resealed, webhookSecretSealedBefore.stored, 'a fresh IV each time');
    assert.equal(openWebhookSecret(secrets, webhookSecretSealedBefore.endpointId, resealed), webhookSecretSealedBefore.secret);
  });

  it('associated data binds: sealed with it, a value opens only with the same', () => {
    const key = new Uint8Array(32).fill(3);
    const stored = sealValue(key, 'hello', { associatedData: 'a' });
    assert.equal(openSealedValue(key, stored, 'note', { associatedData: 'a' }), 'hello');
    assert.throws(() => openSealedValue(key, stored, 'note', { associatedData: 'b' }), /^Error: stored note failed authentication/);
    assert.throws(() => openSealedValue(key, stored, 'note'), /stored note failed authentication/);
    assert.throws(() => openSealedValue(key, sealValue(key, 'hello'), 'note', { associatedData: 'a' }), /stored note failed authentication/);
  });

  it('refuses a key that is not 32 bytes and an IV that is not 12, and names only what it was asked to open', () => {
    assert.throws(() => sealValue(new Uint8Array(16), 'hello'), /32 bytes/);
    assert.throws(() => sealValue(new Uint8Array(32), 'hello', { iv: new Uint8Array(8) }), /12 bytes/);
    assert.throws(() => openSealedValue(new Uint8Array(32), 'hello', 'note'), /stored note has an unknown format/);
    assert.throws(() => openSealedValue(new Uint8Array(32), 'v1:AAAA', 'note'), /stored note is truncated/);
  });
});
