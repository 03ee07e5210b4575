// The browser side of passkey ceremonies, served as `/hosted/passkeys.js` (src/modules/passkeys/page-routes.ts): a
// small script without dependencies, kept as a string so the built server serves it without copying assets. The
// enrollment page (`/enroll/{token}`) wires its button to `enroll`; a page that asks the cardholder to confirm
// something with their passkey calls `assert`. JSON is exchanged in WebAuthn's JSON encoding (binary fields as
// base64url), the shape @simplewebauthn/server reads. docs/passkeys.md describes both functions.

export const passkeysScriptPath = '/hosted/passkeys.js';

export const passkeysBrowserScript = String.raw`/* cardrail passkeys: window.cardrailPasskeys = { supported, enroll, assert } (docs/passkeys.md) */
(function () {
  'use strict';

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var index = 0; index < bytes.length; index += 1) binary += String.fromCharCode(bytes[index]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
    return bytes.buffer;
  }

  /** Whether this browser can run passkey ceremonies at all. */
  function supported() {
    return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials && window.isSecureContext === true;
  }

  function failure(message, code, status, body) {
    var error = new Error(message);
    error.code = code;
    error.status = status;
    error.body = body;
    return error;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/html;q=0.9' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      redirect: 'follow',
    });
  }

  /** A JSON answer's body; an error answer (the API's error envelope) becomes a thrown Error with code and status. */
  async function readJson(response) {
    var text = await response.text();
    var body = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch (ignored) {
      body = null;
    }
    if (!response.ok) {
      var detail = body !== null && typeof body === 'object' && body.error ? body.error : {};
      throw failure(detail.message || 'The server answered ' + response.status + '.', detail.code || 'http_' + response.status, response.status, body);
    }
    return body;
  }

  /**
   * What the page does with the answer of a complete URL: a redirect is followed (the browser goes there), an HTML
   * page replaces this one, JSON is returned (or thrown, for an error).
   */
  async function followAnswer(response) {
    if (response.redirected) {
      window.location.assign(response.url);
      return undefined;
    }
    var type = response.headers.get('content-type') || '';
    if (type.indexOf('text/html') === 0) {
      var page = new DOMParser().parseFromString(await response.text(), 'text/html');
      document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);
      return undefined;
    }
    return readJson(response);
  }

  function descriptor(json) {
    var result = { type: json.type || 'public-key', id: fromBase64url(json.id) };
    if (json.transports) result.transports = json.transports;
    return result;
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.user = Object.assign({}, json.user, { id: fromBase64url(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(descriptor);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(descriptor);
    return options;
  }

  function credentialJson(credential, response) {
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
    if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
    return json;
  }

  function registrationJson(credential) {
    var answer = credential.response;
    return credentialJson(credential, {
      clientDataJSON: toBase64url(answer.clientDataJSON),
      attestationObject: toBase64url(answer.attestationObject),
      transports: typeof answer.getTransports === 'function' ? answer.getTransports() : [],
    });
  }

  function assertionJson(credential) {
    var answer = credential.response;
    var response = {
      clientDataJSON: toBase64url(answer.clientDataJSON),
      authenticatorData: toBase64url(answer.authenticatorData),
      signature: toBase64url(answer.signature),
    };
    if (answer.userHandle) response.userHandle = toBase64url(answer.userHandle);
    return credentialJson(credential, response);
  }

  /** The browser's prompt failed or was dismissed: an Error whose message a person can act on. */
  function ceremonyFailure(error) {
    var name = error && error.name;
    var message =
      name === 'NotAllowedError'
        ? 'The passkey prompt was closed or timed out. Press the button to try again.'
        : name === 'InvalidStateError'
          ? 'This device already holds one of your passkeys for cardrail.'
          : name === 'SecurityError'
            ? 'Passkeys cannot be used from this address. Open the link exactly as you received it.'
            : 'Your device could not complete the passkey request' + (error && error.message ? ': ' + error.message : '.');
    return failure(message, 'passkey_ceremony_failed', 0, { name: name || 'Error' });
  }

  function requireSupport() {
    if (!supported()) throw failure('This browser cannot use passkeys. Open the link in an up-to-date browser on your phone or computer.', 'passkeys_unsupported', 0, null);
  }

  /**
   * Creates a passkey: POST optionsUrl ({}), navigator.credentials.create, POST the new credential's JSON to
   * completeUrl. Resolves to the server's JSON answer (the passkey); rejects with an Error carrying code and status.
   */
  async function enroll(optionsUrl, completeUrl) {
    requireSupport();
    var options = await readJson(await postJson(optionsUrl, {}));
    var credential;
    try {
      credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    } catch (error) {
      throw ceremonyFailure(error);
    }
    return readJson(await postJson(completeUrl, registrationJson(credential)));
  }

  /**
   * Asks the cardholder to confirm with a passkey: POST optionsUrl ({}) for the request options the server made with
   * passkeyAuthenticationOptions, navigator.credentials.get, then POST to completeUrl the JSON object
   * { ...extraFields, credential: <AuthenticationResponseJSON> } for the server to check with verifyPasskeyAssertion.
   * Resolves to the server's JSON answer; when it answers HTML, that page replaces this one, and a redirect is
   * followed (both resolve to undefined). Rejects with an Error carrying code and status (the API's error code, or
   * passkey_ceremony_failed when the prompt was dismissed).
   */
  async function assert(optionsUrl, completeUrl, extraFields) {
    requireSupport();
    var options = await readJson(await postJson(optionsUrl, {}));
    var credential;
    try {
      credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    } catch (error) {
      throw ceremonyFailure(error);
    }
    var body = Object.assign({}, extraFields || {}, { credential: assertionJson(credential) });
    return followAnswer(await postJson(completeUrl, body));
  }

  window.cardrailPasskeys = Object.freeze({ supported: supported, enroll: enroll, assert: assert });

  // The enrollment page: its button runs enroll with the URLs it carries, and says what happened.
  function wireEnrollmentPage() {
    var button = document.querySelector('[data-passkey-enroll]');
    if (button === null) return;
    var status = document.getElementById('passkey-status');
    function say(message, isError) {
      status.textContent = message;
      status.className = isError ? 'error' : '';
    }
    if (!supported()) {
      button.disabled = true;
      say('This browser cannot create passkeys. Open the link in an up-to-date browser on your phone or computer.', true);
      return;
    }
    button.addEventListener('click', async function () {
      button.disabled = true;
      say('Follow the prompt of your device to create the passkey…', false);
      try {
        await enroll(button.getAttribute('data-options-url'), button.getAttribute('data-complete-url'));
      } catch (error) {
        say(error.message, true);
        button.disabled = false;
        return;
      }
      var main = document.querySelector('main');
      var heading = document.createElement('h1');
      heading.textContent = 'Passkey created';
      heading.tabIndex = -1;
      var text = document.createElement('p');
      text.textContent = 'You can now approve the purchases of your agents with this passkey. There is nothing more to do: you can close this page.';
      main.replaceChildren(heading, text);
      heading.focus();
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wireEnrollmentPage);
  else wireEnrollmentPage();
})();
`;
