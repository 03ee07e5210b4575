import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import { panFromRandomBytes } from '../../../src/domain/card-numbers.js';
import { cvvMatches, decryptPan, deriveCvv, encryptPan, panFingerprint } from '../../../src/modules/cards/vault.js';
import { testSecrets } from '../../../src/secrets.js';

const secrets = testSecrets();
const otherSecrets = { masterKey: new Uint8Array(32).fill(8) };
const pan = '4000001234567899';

function flipByte(stored: string, index: number): string {
  const sealed = Buffer.from(stored.slice(3), 'base64');
  sealed[index] = sealed[index]! ^ 0x01;
  return `v1:${sealed.toString('base64')}`;
}

describe('PAN vault', () => {
  it('round-trips any issued number', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const number = panFromRandomBytes(bytes);
        assert.equal(decryptPan(secrets, encryptPan(secrets, number)), number);
      }),
      { numRuns: 200 },
    );
  });

  it('stores v1: + base64(12-byte IV | ciphertext | 16-byte tag), with a fresh IV each time', () => {
    const first = encryptPan(secrets, pan);
    const second = encryptPan(secrets, pan);
    assert.match(first, /^v1:[A-Za-z0-9+/]+=*$/);
    const sealed = Buffer.from(first.slice(3), 'base64');
    assert.equal(sealed.length, 12 + pan.length + 16);
    assert.notEqual(first, second, 'two encryptions of one number differ');
    assert.notEqual(sealed.subarray(0, 12).toString('hex'), Buffer.from(second.slice(3), 'base64').subarray(0, 12).toString('hex'));
    assert.equal(first.includes(pan), false);
    assert.equal(sealed.includes(Buffer.from(pan)), false);
  });

  it('is AES-256-GCM under the master key (a standard decryption opens it)', () => {
    const sealed = Buffer.from(encryptPan(secrets, pan).slice(3), 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(secrets.masterKey), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    assert.equal(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString(), pan);
  });

  it('detects tampering with the IV, the ciphertext or the tag, and a wrong key', () => {
    const stored = encryptPan(secrets, pan);
    const length = Buffer.from(stored.slice(3), 'base64').length;
    for (const index of [0, 11, 12, 12 + 7, length - 16, length - 1]) {
      assert.throws(() => decryptPan(secrets, flipByte(stored, index)), /failed authentication/, `byte ${index}`);
    }
    assert.throws(() => decryptPan(otherSecrets, stored), /failed authentication/);
    assert.throws(() => decryptPan(secrets, stored.slice(3)), /unknown format/);
    assert.throws(() => decryptPan(secrets, 'v1:AAAA'), /truncated/);
  });

  it('never puts the number in an error message', () => {
    const stored = encryptPan(secrets, pan);
    try {
      decryptPan(otherSecrets, stored);
      assert.fail('should throw');
    } catch (error) {
      assert.equal(String((error as Error).message).includes(pan), false);
      assert.equal(String((error as Error).message).includes(stored), false);
    }
  });

  it('fingerprints with HMAC-SHA256(masterKey, "pan:" + pan): deterministic, distinct per number and per key', () => {
    const expected = crypto.createHmac('sha256', Buffer.from(secrets.masterKey)).update(`pan:${pan}`).digest('hex');
    assert.equal(panFingerprint(secrets, pan), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.equal(panFingerprint(secrets, pan), panFingerprint(secrets, pan));
    assert.notEqual(panFingerprint(secrets, pan), panFingerprint(secrets, '4000001234567881'));
    assert.notEqual(panFingerprint(secrets, pan), panFingerprint(otherSecrets, pan));
  });
});

describe('CVV', () => {
  it('is three digits derived from HMAC-SHA256(masterKey, "cvv:" + pan + MM + YYYY), deterministic', () => {
    const cvv = deriveCvv(secrets, pan, 3, 2029);
    assert.match(cvv, /^\d{3}$/);
    assert.equal(deriveCvv(secrets, pan, 3, 2029), cvv);
    assert.equal(deriveCvv(secrets, pan, '03', '2029'), cvv, 'the presented strings give the same CVV');
    const digest = crypto.createHmac('sha256', Buffer.from(secrets.masterKey)).update(`cvv:${pan}032029`).digest();
    assert.equal(cvv, String(digest.readUInt32BE(0) % 1000).padStart(3, '0'));
  });

  it('is always three digits and spreads over the range', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2026, max: 2099 }), (bytes, month, year) => {
        const cvv = deriveCvv(secrets, panFromRandomBytes(bytes), month, year);
        assert.match(cvv, /^\d{3}$/);
        seen.add(cvv);
      }),
      { numRuns: 2_000 },
    );
    assert.ok(seen.size > 800, `only ${seen.size} distinct CVVs in 2000 cards`);
  });

  it('changes with the expiry and the key', () => {
    const variants = new Set([deriveCvv(secrets, pan, 3, 2029), deriveCvv(secrets, pan, 4, 2029), deriveCvv(secrets, pan, 3, 2030), deriveCvv(otherSecrets, pan, 3, 2029)]);
    assert.ok(variants.size >= 3, 'expiry and key feed the derivation');
    assert.throws(() => deriveCvv(secrets, pan, 13, 2029), /invalid card expiry/);
  });

  it('matches only the right CVV for the right card and expiry', () => {
    const cvv = deriveCvv(secrets, pan, 3, 2029);
    const wrong = String((Number(cvv) + 1) % 1000).padStart(3, '0');
    assert.equal(cvvMatches(secrets, pan, 3, 2029, cvv), true);
    assert.equal(cvvMatches(secrets, pan, '03', '2029', cvv), true);
    assert.equal(cvvMatches(secrets, pan, 3, 2029, wrong), false);
    assert.equal(cvvMatches(secrets, pan, 4, 2029, cvv), deriveCvv(secrets, pan, 4, 2029) === cvv);
    assert.equal(cvvMatches(secrets, '4000001234567881', 3, 2029, cvv), deriveCvv(secrets, '4000001234567881', 3, 2029) === cvv);
    assert.equal(cvvMatches(otherSecrets, pan, 3, 2029, cvv), deriveCvv(otherSecrets, pan, 3, 2029) === cvv);
    for (const presented of ['', '12', '1234', ` ${cvv}`, 'abc', 123, null, undefined]) assert.equal(cvvMatches(secrets, pan, 3, 2029, presented), false, String(presented));
    assert.equal(cvvMatches(secrets, pan, 0, 2029, cvv), false);
  });

  it('compares in constant time: one timingSafeEqual of two 3-byte buffers for every input', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      const cvv = deriveCvv(secrets, pan, 3, 2029);
      const inputs: unknown[] = [cvv, '000', '9999', '', 42, null];
      for (const presented of inputs) cvvMatches(secrets, pan, 3, 2029, presented);
      cvvMatches(secrets, pan, 99, 2029, cvv);
      assert.equal(spy.mock.callCount(), inputs.length + 1);
      for (const call of spy.mock.calls) {
        const [left, right] = call.arguments as [Buffer, Buffer];
        assert.equal(left.length, 3);
        assert.equal(right.length, 3);
      }
    } finally {
      spy.mock.restore();
    }
  });
});
