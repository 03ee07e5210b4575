// The one catalogue of errors a caller can see: type, stable code, HTTP status and message template.
// docs/errors.md is generated from it (npm run docs:errors) and a test fails when the two differ.

export type ErrorType =
  | 'authentication_error'
  | 'authorization_error'
  | 'invalid_request_error'
  | 'validation_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'idempotency_error'
  | 'rate_limit_error'
  | 'service_error';

export interface ErrorDefinition {
  readonly type: ErrorType;
  readonly status: number;
  /** Message template; `{name}` placeholders are filled from the details passed to AppError. */
  readonly message: string;
  /** One sentence for docs/errors.md: when it happens and what to do. */
  readonly description: string;
}

export const errorCatalogue = {
  // 401
  missing_api_key: {
    type: 'authentication_error',
    status: 401,
    message: 'Missing Api-Key header',
    description: 'No credential was sent. Send the API key or agent token in the `Api-Key` header.',
  },
  invalid_api_key: {
    type: 'authentication_error',
    status: 401,
    message: 'Invalid API key',
    description: 'The credential is unknown. Check for typos, whitespace and the environment prefix (`lk_dev_` sandbox, `lk_live_` live).',
  },
  api_key_revoked: {
    type: 'authentication_error',
    status: 401,
    message: 'This API key has been revoked',
    description: 'The key was revoked with `DELETE /v1/api-keys/{id}` or `cardrail keys revoke`. Create a new key.',
  },
  api_key_in_authorization_header: {
    type: 'authentication_error',
    status: 401,
    message: 'API keys go in the Api-Key header, not Authorization: Bearer. Send: Api-Key: {prefix}…',
    description: 'An API key (`lk_…`) was sent as `Authorization: Bearer`. Only agent tokens (`at_…`) may use Bearer; send API keys in `Api-Key`.',
  },
  agent_token_revoked: {
    type: 'authentication_error',
    status: 401,
    message: 'This agent token has been revoked',
    description: 'The token was revoked with `DELETE /v1/agents/{id}/tokens/{tokenId}`, or its agent was deregistered. Issue a new token (deregistration is final).',
  },
  expired_api_key: {
    type: 'authentication_error',
    status: 401,
    message: 'This API key expired at {expiresAt}',
    description: 'The key passed the `expiresAt` it was created with. Create a new key (`POST /v1/api-keys` or `cardrail keys create`).',
  },
  agent_token_expired: {
    type: 'authentication_error',
    status: 401,
    message: 'This agent token expired at {expiresAt}',
    description: 'The token passed its `expiresAt`. Issue a new token with `POST /v1/agents/{id}/tokens`.',
  },
  missing_metrics_token: {
    type: 'authentication_error',
    status: 401,
    message: 'This server requires Authorization: Bearer <metrics token> on /metrics',
    description: 'The deployment set `CARDRAIL_METRICS_TOKEN`, so `GET /metrics` needs it as `Authorization: Bearer …`. Configure the scraper with the token (docs/runbook.md).',
  },
  invalid_metrics_token: {
    type: 'authentication_error',
    status: 401,
    message: 'Invalid metrics token',
    description: 'The `Authorization: Bearer` value sent to `/metrics` is not the deployment\'s `CARDRAIL_METRICS_TOKEN`. Check the scraper\'s configuration for typos and whitespace.',
  },
  // 403
  insufficient_permissions: {
    type: 'authorization_error',
    status: 403,
    message: 'This credential may not call {method} {route}',
    description: 'The credential type is not allowed on this endpoint (for example an agent token on an admin endpoint). Use an API key.',
  },
  cardholder_approval_required: {
    type: 'authorization_error',
    status: 403,
    message: 'Intent {intentId} can only be {action}d by its cardholder ({method}): send them its approvalUrl',
    description: "The intent's approvalMethod is `cardholder` or `cardholderPasskey`: only the cardholder decides it, on the hosted approval page whose link is the intent's `approvalUrl` (in `GET /v1/intents/{id}` for API keys and in the `intent.pending_approval` webhook). An API key cannot approve or reject it.",
  },
  field_not_allowed_for_agent_token: {
    type: 'authorization_error',
    status: 403,
    message: 'An agent token may not set {param} on a card it creates for itself',
    description:
      "An agent creating its own card sets what it is for, how much it may hold and tighter controls (purpose, type, maxAmount, limits, expiresInMinutes, ttlDays, metadata, onLimitExceeded, maxAuthCount, merchantHint); approval, merchant drift, policy, attestation window and other controls come from its operator's settings. Leave the field out, or have an operator create the card with an API key.",
  },
  ip_not_allowed: {
    type: 'authorization_error',
    status: 403,
    message: 'Requests from {ip} are not allowed for this API key',
    description: "The calling IP is outside the key's `allowedIps`. Call from an allowed address or update the key's list.",
  },
  no_authorized_ips: {
    type: 'authorization_error',
    status: 403,
    message: 'No authorized IPs configured: this organization requires an IP allowlist on every API key',
    description: 'The organization has `requireIpAllowlist` on and this key has no `allowedIps`. Create a key with an allowlist.',
  },
  sandbox_only: {
    type: 'authorization_error',
    status: 403,
    message: 'This endpoint is only available with a sandbox credential',
    description: 'Sandbox endpoints (simulator, clock) refuse live credentials. Use an `lk_dev_` key.',
  },
  user_not_approved: {
    type: 'authorization_error',
    status: 403,
    message: 'User {userId} is not approved (applicationStatus: {applicationStatus}); only approved users may {action}',
    description: 'Agents, cards, funding and withdrawals need a user whose KYC is `approved`. Check `applicationStatus` and complete or retry verification.',
  },
  // 400
  invalid_json: {
    type: 'invalid_request_error',
    status: 400,
    message: 'The request body is not valid JSON: {reason}',
    description: 'The body could not be parsed as JSON. Send a JSON object.',
  },
  missing_parameter: {
    type: 'invalid_request_error',
    status: 400,
    message: 'Missing required parameter: {param}',
    description: 'A required field is absent. `param` names it.',
  },
  invalid_parameter_type: {
    type: 'invalid_request_error',
    status: 400,
    message: 'Invalid type for {param}: {reason}',
    description: 'A field has the wrong JSON type (for example a string where an integer is expected). `param` names it.',
  },
  invalid_idempotency_key: {
    type: 'invalid_request_error',
    status: 400,
    message: 'Idempotency-Key must be 1 to 255 printable ASCII characters (letters, digits, punctuation, spaces); a UUID is a good choice',
    description: 'The `Idempotency-Key` header is empty, longer than 255 characters, or holds characters outside printable ASCII. Use a UUID or another unique string per operation.',
  },
  invalid_cursor: {
    type: 'invalid_request_error',
    status: 400,
    message: 'The cursor is not valid for this list',
    description: 'Pass back the `nextCursor` value of the previous page unchanged.',
  },
  payload_too_large: {
    type: 'invalid_request_error',
    status: 413,
    message: 'The request body exceeds {limitBytes} bytes',
    description: 'Bodies are limited in size; send less data.',
  },
  malformed_request: {
    type: 'invalid_request_error',
    status: 400,
    message: 'The HTTP request could not be read: {reason}',
    description: 'The request is not valid HTTP/1.1 (a Content-Length that does not match the body, broken chunked encoding, an invalid header, or bytes that are not HTTP). Send a well-formed request; most HTTP clients do.',
  },
  invalid_url: {
    type: 'invalid_request_error',
    status: 400,
    message: 'The URL is not valid: {reason}',
    description: 'The path or query string could not be decoded (for example a `%` not followed by two hexadecimal digits). Percent-encode reserved characters in path segments and query values.',
  },
  request_timeout: {
    type: 'invalid_request_error',
    status: 408,
    message: 'The request was not received in time',
    description: 'The client did not finish sending the request within the server’s request timeout. Retry, sending the whole request promptly.',
  },
  url_too_long: {
    type: 'invalid_request_error',
    status: 414,
    message: 'A path segment is longer than {limit} characters',
    description: 'A path parameter exceeds the longest any id of the API can be. Check that the path holds an id (`card_…`) and not other data.',
  },
  headers_too_large: {
    type: 'invalid_request_error',
    status: 431,
    message: 'The request line and headers exceed {limitBytes} bytes',
    description: 'The URL or the headers are too large. Send large inputs in a JSON body, not in the query string.',
  },
  unsupported_media_type: {
    type: 'invalid_request_error',
    status: 415,
    message: 'Unsupported Content-Type: {contentType}',
    description: 'Send JSON (`application/json`; bodies without a JSON content type are read as JSON too), except to a file upload (`PUT /v1/verification/user/{id}/document`), which takes only `multipart/form-data`.',
  },
  invalid_form_data: {
    type: 'invalid_request_error',
    status: 400,
    message: 'The request body is not valid multipart/form-data: {reason}',
    description: 'A file upload could not be read as `multipart/form-data`: the boundary of its Content-Type is missing or does not frame the body. Let your HTTP client build the form (`curl -F`, `FormData`) rather than writing it by hand.',
  },
  // 422
  invalid_parameter_value: {
    type: 'validation_error',
    status: 422,
    message: 'Invalid value for {param}: {reason}',
    description: 'The field is well-formed but fails a constraint (length, pattern, enum, range). `param` names it.',
  },
  unknown_parameter: {
    type: 'validation_error',
    status: 422,
    message: 'Unknown {kind} {param}: this endpoint does not define it; {hint}',
    description: 'The request carries a body field or query parameter the endpoint does not define (often a misspelling, such as `limts` for `limits`). Nothing was changed: fix or remove the field. `param` names it.',
  },
  conflicting_parameters: {
    type: 'validation_error',
    status: 422,
    message: '{param} and {other} name the same {subject}: {reason}',
    description: "A request gave one field (or risk rule) under both of its names — cardrail's and LedgerOS's, such as `amount` and `expectedAmount` — with different values (for risk rules, at all). Send it under one name. `param` names the second.",
  },
  unsupported_currency: {
    type: 'validation_error',
    status: 422,
    message: 'Unsupported currency {currency} for {param}: only USD is supported',
    description: 'cardrail moves US dollars only (amounts are integer cents of USD). Send `USD`, or leave the currency field out.',
  },
  // webhooks (422)
  unknown_event_type: {
    type: 'validation_error',
    status: 422,
    message: 'Unknown event type {eventType}: use a type of the catalogue or a family wildcard such as card.*',
    description: 'An event filter names no event type of the catalogue (docs/webhooks.md lists them). Use an exact type (`card.frozen`), a family wildcard (`card.*`), or no filter for every type.',
  },
  webhook_url_not_allowed: {
    type: 'validation_error',
    status: 422,
    message: 'The webhook URL is not allowed: {reason}',
    description: 'Webhook URLs must be http or https; live endpoints may not point at private, loopback or link-local addresses unless the deployment sets `CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true` (see docs/webhooks.md).',
  },
  // 404
  route_not_found: {
    type: 'not_found_error',
    status: 404,
    message: 'No such endpoint: {method} {path}',
    description: 'The path or method does not exist. Check the API reference at `/docs`.',
  },
  resource_not_found: {
    type: 'not_found_error',
    status: 404,
    message: 'No such {resource}: {id}',
    description: "The id does not exist in this organization and environment (another tenant's ids also answer 404).",
  },
  approval_record_not_found: {
    type: 'not_found_error',
    status: 404,
    message: 'Intent {intentId} has no approval record: it was never approved or rejected',
    description: 'Approval records exist for intents that waited for approval and were then approved or rejected (also by the approval timeout). Intents that needed no approval, or still wait, have none.',
  },
  // 409
  issuer_not_configured: {
    type: 'conflict_error',
    status: 409,
    message: 'This deployment has no {issuer} program configured',
    description: 'An organization chose an issuer-processor the server has no credentials for. Set CARDRAIL_LITHIC_API_KEY and its secrets (docs/issuers.md) and restart, or keep the sandbox issuer.',
  },
  api_key_already_revoked: {
    type: 'conflict_error',
    status: 409,
    message: 'API key {id} is already revoked',
    description: 'The key was revoked earlier; revocation is final.',
  },
  filler_key_already_revoked: {
    type: 'conflict_error',
    status: 409,
    message: 'Filler key {id} is already revoked',
    description: 'The key was revoked earlier; revocation is final. Create a new one with POST /v1/filler-keys.',
  },
  credential_access_disabled: {
    type: 'conflict_error',
    status: 409,
    message: 'Card {cardId} does not expose its credentials (credentialExposure never)',
    description:
      'The card is for hosted checkouts and the card network only: its number is never handed out, to an agent or a filler. An operator may change the card\'s credentialExposure (or its policy\'s) to extensionOnly.',
  },
  raw_pan_acknowledgement_required: {
    type: 'validation_error',
    status: 422,
    message: 'credentialExposure rawPan puts the card number in the agent\'s context; send acknowledgeRawPanRisk: true to confirm',
    description:
      "The organization's defaultCredentialExposure is not rawPan, so a card (or policy) that hands its number to the agent must say it knows: the number then reaches the model, its logs and its provider's. Prefer extensionOnly.",
  },
  details_token_not_found: {
    type: 'not_found_error',
    status: 404,
    message: 'No such details token',
    description: 'The token is unknown in this organization and environment. Details tokens come from POST /v1/cards/{id}/details on an extensionOnly card.',
  },
  details_token_redeemed: {
    type: 'conflict_error',
    status: 409,
    message: 'The details token was already redeemed at {redeemedAt}',
    description: 'A details token answers the credentials once. Ask the agent to read the details again (with its intent) for a new token.',
  },
  details_token_expired: {
    type: 'conflict_error',
    status: 409,
    message: 'The details token expired at {expiredAt}',
    description: 'A details token lasts 120 seconds of environment time. Ask the agent to read the details again (with its intent) for a new token.',
  },
  details_token_unusable: {
    type: 'conflict_error',
    status: 409,
    message: 'The details token can no longer be redeemed: {reason}',
    description: 'The card is no longer active, no longer extensionOnly, or the intent the token was issued for is no longer revealed. Nothing was handed out.',
  },
  ip_allowlist_required_for_caller: {
    type: 'conflict_error',
    status: 409,
    message: 'Turning on requireIpAllowlist would lock out the key making this request: give it allowedIps first',
    description: 'Requiring IP allowlists while the calling key has none would lock that key out. Create a key with `allowedIps` and use it.',
  },
  compliance_locked: {
    type: 'conflict_error',
    status: 409,
    message: 'Identity field {param} cannot change while the application is {applicationStatus}',
    description: 'Identity fields (name, email, date of birth, address) are locked while verification is pending, in manual review or approved. `metadata` can always change.',
  },
  user_already_approved: {
    type: 'conflict_error',
    status: 409,
    message: 'User {userId} is already approved',
    description: 'The user passed verification; there is nothing to verify again.',
  },
  verification_in_progress: {
    type: 'conflict_error',
    status: 409,
    message: 'Verification of user {userId} is {applicationStatus}; wait for its decision',
    description: 'The submitted application is being decided (pending or manual review). Poll `GET /v1/verification/user/{userId}` or wait for the webhook.',
  },
  insufficient_balance: {
    type: 'conflict_error',
    status: 409,
    message: 'Insufficient balance: available {availableCents} cents, requested {requestedCents} cents',
    description: "The user's available balance (total − pending − reserved) is below the amount. Deposit more, lower the amount, or release reservations.",
  },
  invalid_status_transition: {
    type: 'conflict_error',
    status: 409,
    message: 'Cannot {action} {resource} {id}: it is {status}',
    description: "The resource's current status does not allow this action (for example confirming a failed withdrawal).",
  },
  intent_required: {
    type: 'conflict_error',
    status: 409,
    message: 'Intent declaration required',
    description: 'Card details need a `pending` or `revealed` intent on the card, and reading its 3-D Secure challenges a `revealed` one: none was declared, or the one named is unknown, of another card, canceled, rejected or already used. (One waiting for approval answers `intent_pending_approval`, an expired one `intent_expired`.) Declare one with `POST /v1/cards/{id}/intents` first.',
  },
  intent_pending_approval: {
    type: 'conflict_error',
    status: 409,
    message: 'Intent {intentId} is waiting for approval; card details can be read once it is approved',
    description: "The intent was declared but the card, its policy or the agent requires approval at its amount. With approvalMethod `apiKey` an operator approves it (`POST /v1/intents/{id}/approve`); with `cardholder` or `cardholderPasskey` the cardholder does, on the page of the intent's `approvalUrl`. Then read the details again.",
  },
  intent_expired: {
    type: 'conflict_error',
    status: 409,
    message: 'Intent {intentId} expired at {expiredAt}; declare a new intent with POST /v1/cards/{cardId}/intents',
    description: 'The intent passed its expiry (its ttlMinutes, 60 by default, while pending; 24 h once revealed). Declare a new intent, then read the details again.',
  },
  intent_rejected: {
    type: 'conflict_error',
    status: 409,
    message: 'Intent {intentId} was rejected ({reason}); declare a new intent with POST /v1/cards/{cardId}/intents',
    description: 'The intent waited for approval and was rejected, or nobody approved it within its approvalTimeoutMinutes (`approval_expired`). Declare a new intent; it waits for approval again.',
  },
  attestation_mismatch: {
    type: 'conflict_error',
    status: 409,
    message: 'The attestation contradicts intent {intentId} ({mismatches}); the attestationMismatch risk rule refuses these card details',
    description: 'The `merchantText` or `expectedAmount` sent for card details names another merchant than the declared intent, or an amount outside its tolerance, and the `attestationMismatch` risk rule is set to `decline`. Send the details of the declared purchase, or declare a new intent for this one.',
  },
  document_not_requested: {
    type: 'conflict_error',
    status: 409,
    message: 'User {userId} is {applicationStatus}: a verification document is accepted only while applicationStatus is documentRequired',
    description: 'A document upload (`PUT /v1/verification/user/{id}/document`) answers the provider asking for one. Check `applicationStatus` first: a pending application waits for its decision, a rejected one starts again with a new verification link.',
  },
  verification_not_awaiting_decision: {
    type: 'conflict_error',
    status: 409,
    message: 'User {userId} is {applicationStatus}: an operator decides only applications in manualReview or documentRequired',
    description: 'An operator decision (`POST /v1/users/{id}/verification/decision`) is for applications the KYC provider left in `manualReview` or `documentRequired`. Check `applicationStatus` first.',
  },
  // Cardholder passkeys (docs/passkeys.md)
  passkey_not_enrolled: {
    type: 'conflict_error',
    status: 409,
    message: 'User {userId} has no passkey; send them an enrollment link from POST /v1/users/{userId}/passkeys/enrollment',
    description:
      'A passkey ceremony (approving a purchase with a passkey) needs a passkey the cardholder enrolled. Create an enrollment link with `POST /v1/users/{id}/passkeys/enrollment`, send it to them, and try again once `GET /v1/users/{id}/passkeys` lists one.',
  },
  passkey_assertion_invalid: {
    type: 'authorization_error',
    status: 403,
    message: 'The passkey could not be verified: {reason}',
    description:
      "The signed answer of the cardholder's passkey does not prove the request: a passkey not enrolled for this user, another challenge, origin or relying party, a signature that does not verify, no user verification, or a signature counter that went backwards (a cloned authenticator). Nothing was approved; start the ceremony again.",
  },
  passkey_registration_invalid: {
    type: 'validation_error',
    status: 422,
    message: 'The passkey could not be created: {reason}',
    description:
      "The new credential the browser sent does not verify (another challenge, origin or relying party, no user verification, an unsupported algorithm) or is already enrolled. Nothing was stored and the enrollment link still works: press 'Create passkey' again.",
  },
  passkey_limit_reached: {
    type: 'conflict_error',
    status: 409,
    message: 'User {userId} already has {limit} passkeys',
    description: 'A cardholder holds at most 10 passkeys. Remove one they no longer use with `DELETE /v1/users/{id}/passkeys/{passkeyId}` first.',
  },
  passkey_enrollment_not_found: {
    type: 'not_found_error',
    status: 404,
    message: 'No such passkey enrollment link',
    description: 'The link of the hosted enrollment page (`/enroll/{token}`) is unknown: check that the whole link was copied, or create a new one with `POST /v1/users/{id}/passkeys/enrollment`.',
  },
  passkey_enrollment_expired: {
    type: 'conflict_error',
    status: 409,
    message: 'This passkey enrollment link expired at {expiredAt}',
    description:
      'An enrollment link works for 24 hours of environment time, and until a newer link is created for the same user. Create a new one with `POST /v1/users/{id}/passkeys/enrollment`.',
  },
  passkey_enrollment_used: {
    type: 'conflict_error',
    status: 409,
    message: 'This passkey enrollment link was already used at {usedAt}',
    description: 'An enrollment link creates one passkey. To enroll another device, create a new link with `POST /v1/users/{id}/passkeys/enrollment`.',
  },
  agent_not_active: {
    type: 'conflict_error',
    status: 409,
    message: 'Agent {agentId} is {status}',
    description: 'Suspended or deregistered agents cannot get new cards or tokens. Activate the agent first (deregistration is final).',
  },
  external_id_in_use: {
    type: 'conflict_error',
    status: 409,
    message: 'externalId {externalId} already names agent {agentId}, which belongs to another user',
    description: 'Registering an existing `externalId` returns that agent, but only for the same `userId`. Use another `externalId` for an agent of another user.',
  },
  agent_token_already_revoked: {
    type: 'conflict_error',
    status: 409,
    message: 'Agent token {id} is already revoked',
    description: 'The token was revoked earlier (or its agent deregistered); revocation is final.',
  },
  agent_token_limit_reached: {
    type: 'conflict_error',
    status: 409,
    message: 'Agent {agentId} already has {limit} unrevoked, unexpired tokens',
    description: 'An agent holds at most 100 live tokens. Revoke tokens it no longer uses with `DELETE /v1/agents/{id}/tokens/{tokenId}`.',
  },
  agent_deregistered: {
    type: 'conflict_error',
    status: 409,
    message: 'Agent {agentId} is deregistered; a deregistered agent cannot be changed',
    description: 'Deregistration is final: `PATCH /v1/agents/{id}` refuses every change to a deregistered agent. Create or register a new agent instead.',
  },
  max_cards_reached: {
    type: 'conflict_error',
    status: 409,
    message: 'Agent {agentId} already has {cardCount} open cards, its maxCards limit of {maxCards}',
    description: "An agent holds at most `maxCards` cards that are not closed. Close a card it no longer uses (`POST /v1/cards/{id}/close`), or raise the agent's `maxCards` with `PATCH /v1/agents/{id}`.",
  },
  agent_card_widens_policy: {
    type: 'authorization_error',
    status: 403,
    message: 'An agent token may narrow {param} on its own card, not widen it: the card would have {policyValue}, the request asks for {requested}',
    description:
      "A card's own limits, authorization count, lifetime, merchant hint and approval settings win over its policies', so an agent creating its own card may set them only tighter than the card would otherwise have them: a lower limit or count, a shorter life or the same merchant as its default policy; an approval method at least as strict (apiKey < cardholder < cardholderPasskey) and an approval timeout no longer than its default policy's, else the agent's. Ask for less, or have an operator create the card with an API key.",
  },
  card_exceeds_agent_limit: {
    type: 'conflict_error',
    status: 409,
    message: 'A card of maxAmount {maxAmountCents} exceeds what agent {agentId} may still spend: {remainingCents} cents of its {spendingLimitFrequency} limit of {spendingLimitCents}',
    description: "An agent token creating a card for its own agent may not give it a `maxAmount` above what the agent's spending limit still allows in the current window (`remaining` of `GET /v1/agents/{id}/policy`). Ask for a smaller card, or have an operator raise the limit or create the card with an API key.",
  },
  webhook_endpoint_limit_reached: {
    type: 'conflict_error',
    status: 409,
    message: 'This environment already has {limit} webhook endpoints',
    description: 'An organization environment holds at most 50 webhook endpoints. Delete unused ones with `DELETE /v1/webhooks/{id}`, or subscribe one endpoint to more event types.',
  },
  card_not_active: {
    type: 'conflict_error',
    status: 409,
    message: 'Card {cardId} is {status}{reason}',
    description: 'The card is frozen or closed, so this action is refused. Unfreeze it, or create a new card if it is closed.',
  },
  card_already_frozen: {
    type: 'conflict_error',
    status: 409,
    message: 'Card {cardId} is already frozen ({reason})',
    description: 'A freeze was asked of a frozen card; nothing changed and its first reason is kept. `POST /v1/cards/{id}/unfreeze` makes it active again.',
  },
  card_already_closed: {
    type: 'conflict_error',
    status: 409,
    message: 'Card {cardId} is already closed ({reason})',
    description: 'A close was asked of a closed card; closing is final and happened once. Create a new card if one is needed.',
  },
  increment_declined: {
    type: 'conflict_error',
    status: 409,
    message: 'The incremental authorization of {amountCents} was declined: {declineReason}',
    description: 'The card, its limits, the agent limit or the funds do not allow the extra amount; the original authorization stands.',
  },
  challenge_expired: {
    type: 'conflict_error',
    status: 409,
    message: 'Challenge {id} expired at {expiresAt}',
    description: 'A 3-D Secure challenge lasts 5 minutes of environment time; after that its passcode is void and nothing was authorized. The merchant starts a new authorization.',
  },
  refund_exceeds_settled: {
    type: 'conflict_error',
    status: 409,
    message: 'A refund of {amountCents} exceeds what is left to refund ({refundableCents}) of transaction {id}',
    description: 'Refunds of a transaction add up to at most its settled amount.',
  },
  // idempotency
  idempotency_key_reused: {
    type: 'idempotency_error',
    status: 422,
    message: 'This Idempotency-Key was used with a different request ({method} {path}); use a new key',
    description: 'The same key was sent with a different method, path or body. Each distinct request needs its own key.',
  },
  idempotency_key_in_use: {
    type: 'idempotency_error',
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed; retry later',
    description: 'A twin request with the same key has not finished. Retry after it completes to receive its stored answer.',
  },
  // 401 from a processor's callback
  invalid_signature: {
    type: 'authentication_error',
    status: 401,
    message: 'The {issuer} signature of this request is missing or does not verify',
    description: "An issuer-processor's callback (`/v1/issuers/…`) came without a valid Standard Webhooks signature from the configured secret, or outside its 5-minute window. Check CARDRAIL_LITHIC_ASA_SECRET / CARDRAIL_LITHIC_WEBHOOK_SECRET against Lithic's dashboard.",
  },
  // 429
  rate_limited: {
    type: 'rate_limit_error',
    status: 429,
    message: 'Too many requests: retry after {retryAfterSeconds} s',
    description: 'The credential exceeded its rate limit. Wait for `Retry-After` seconds; see the `RateLimit` headers.',
  },
  too_many_streams: {
    type: 'rate_limit_error',
    status: 429,
    message: 'This API key already has {limit} open event streams, the most it may have; close one before opening another',
    description: 'Each API key may hold a bounded number of `GET /v1/events/stream` connections at once per server process (5 unless `CARDRAIL_EVENT_STREAMS_PER_CREDENTIAL` says otherwise). Close a stream you no longer read, or share one among the views that need it.',
  },
  details_rate_limited: {
    type: 'rate_limit_error',
    status: 429,
    message: 'Card details of {cardId} were read {limit} times in the last hour; retry after {retryAfterSeconds} s',
    description: 'Card credentials may be read at most 10 times per card per hour.',
  },
  // 5xx
  issuer_unavailable: {
    type: 'service_error',
    status: 502,
    message: 'The card issuer ({issuer}) could not {action}: {reason}',
    description: "A call to the organization's issuer-processor failed (docs/issuers.md). Nothing was changed in cardrail; retry with back-off, and check the processor's status and the CARDRAIL_LITHIC_* configuration if it persists.",
  },
  internal_error: {
    type: 'service_error',
    status: 500,
    message: 'An unexpected error occurred; it has been logged with this request id',
    description: 'An unexpected failure. Retry with back-off, quoting the `requestId` if it persists.',
  },
  service_unavailable: {
    type: 'service_error',
    status: 503,
    message: 'The service is temporarily unavailable',
    description: 'A dependency (database, Redis) is unreachable. Retry with back-off.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorCatalogue;

export type ErrorDetails = Record<string, string | number | boolean | undefined>;

/** An error a caller may see. Anything thrown that is not an AppError becomes `internal_error`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly type: ErrorType;
  readonly status: number;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, details: ErrorDetails & { param?: string } = {}, headers: Record<string, string> = {}) {
    const definition: ErrorDefinition = errorCatalogue[code];
    super(fillTemplate(definition.message, details));
    this.name = 'AppError';
    this.code = code;
    this.type = definition.type;
    this.status = definition.status;
    this.param = details.param;
    this.headers = headers;
  }
}

function fillTemplate(template: string, details: ErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = details[name];
    return value === undefined ? whole : String(value);
  });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
